import { useEffect, useRef, useState } from "preact/hooks";
import { gateway } from "../../session";
import { ErrorText } from "../../common/fields";

type LoginAnswer = { connected?: boolean; message: string; qr?: string; qrDataUrl?: string };

const START_TIMEOUT_MS = 30_000;
/** Short waits, so a QR code WhatsApp replaced shows up soon. */
const WAIT_MS = 15_000;
const SLACK_MS = 10_000;

/** "Link WhatsApp": web.login.start shows the QR code, web.login.wait follows it until linked or ended. */
export function WhatsAppLogin(props: { accounts: string[] }) {
  const [accountId, setAccountId] = useState(props.accounts[0] ?? "default");
  const [force, setForce] = useState(false);
  const [qr, setQr] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const attempt = useRef(0);
  useEffect(
    () => () => {
      attempt.current++;
    },
    [],
  );

  const show = (answer: LoginAnswer) => {
    setMessage(answer.message);
    setQr(answer.qrDataUrl ?? null);
  };

  async function link() {
    const mine = ++attempt.current;
    const current = () => mine === attempt.current;
    setRunning(true);
    setError(null);
    setQr(null);
    setMessage("Asking WhatsApp for a QR code…");
    try {
      let answer = await gateway.request<LoginAnswer>("web.login.start", { channel: "whatsapp", accountId, force, timeoutMs: START_TIMEOUT_MS }, { timeoutMs: START_TIMEOUT_MS + SLACK_MS });
      while (current()) {
        show(answer);
        if (answer.connected || (!answer.qr && !answer.qrDataUrl)) break;
        answer = await gateway.request<LoginAnswer>("web.login.wait", { channel: "whatsapp", accountId, timeoutMs: WAIT_MS }, { timeoutMs: WAIT_MS + SLACK_MS });
      }
    } catch (err) {
      if (current()) setError(`WhatsApp login failed: ${(err as Error).message}`);
    } finally {
      if (current()) {
        setRunning(false);
        setQr(null);
      }
    }
  }

  function cancel() {
    attempt.current++;
    setRunning(false);
    setQr(null);
    setMessage("Stopped waiting here; the login on the gateway ends by itself if nobody scans.");
  }

  return (
    <div class="card">
      <h2>WhatsApp</h2>
      <div class="row">
        {props.accounts.length > 1 ? (
          <label>
            Account{" "}
            <select value={accountId} disabled={running} onChange={(e) => setAccountId((e.target as HTMLSelectElement).value)}>
              {props.accounts.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          <input type="checkbox" checked={force} disabled={running} onChange={(e) => setForce((e.target as HTMLInputElement).checked)} /> Replace the existing link
        </label>
      </div>
      <div class="row" style={{ marginTop: "0.5em" }}>
        {running ? (
          <button type="button" class="secondary" onClick={cancel}>
            Cancel
          </button>
        ) : (
          <button type="button" onClick={() => void link()}>
            Link WhatsApp
          </button>
        )}
      </div>
      {message ? <p role="status">{message}</p> : null}
      {qr ? (
        <img data-testid="whatsapp-qr" src={qr} alt="WhatsApp QR code: open WhatsApp, Linked devices, Link a device, and scan it" style={{ width: "min(264px, 100%)", background: "#fff", padding: "8px", borderRadius: "var(--radius)" }} />
      ) : null}
      <ErrorText error={error} />
    </div>
  );
}
