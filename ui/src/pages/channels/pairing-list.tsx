import { useState } from "preact/hooks";
import { useRpc } from "../../hooks";
import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText } from "../../common/fields";
import { ago, fullTime } from "../../common/time";
import type { PairingList as PairingListResult, PairingRequest } from "./types";

const NOTIFIED: Record<string, string> = { sent: "they were told", unsupported: "this channel cannot tell them", failed: "telling them failed" };

function PairingRow(props: { request: PairingRequest; onDone(message: string): void }) {
  const r = props.request;
  const action = useAction();
  const target = { channel: r.channel, accountId: r.accountId, requestId: r.requestId };
  const who = r.senderLabel && r.senderLabel !== r.senderId ? `${r.senderLabel} (${r.senderId})` : r.senderId;
  const approve = async () => {
    const res = await action.run("Approving", () => gateway.request<{ notification?: string }>("channels.pairing.approve", { ...target, notify: true }));
    if (res) props.onDone(`Approved ${who} on ${r.channelLabel ?? r.channel}${NOTIFIED[res.notification ?? ""] ? `; ${NOTIFIED[res.notification!]}` : ""}.`);
  };
  const dismiss = async () => {
    if (await action.run("Dismissing", () => gateway.request("channels.pairing.dismiss", target))) props.onDone(`Dismissed the request from ${who}.`);
  };
  return (
    <li data-testid="channel-pairing-row" data-channel={r.channel} data-account={r.accountId} style={{ padding: "0.5em 0", borderBottom: "1px solid var(--line)" }}>
      <div class="row" style={{ justifyContent: "space-between" }}>
        <span>
          <strong>{who}</strong> <span class="muted">on {r.channelLabel ?? r.channel}{r.accountId !== "default" ? ` (${r.accountId})` : ""}</span>
        </span>
        <code aria-label="Pairing code">{r.requestId}</code>
      </div>
      <p class="muted" style={{ margin: "0.2em 0" }}>
        Last wrote <span title={fullTime(r.lastSeenAt)}>{ago(r.lastSeenAt)}</span> · expires {fullTime(r.expiresAt) ?? "—"}
      </p>
      <div class="row">
        <button type="button" data-testid="channel-pairing-approve" disabled={action.busy} onClick={() => void approve()}>
          Approve
        </button>
        <button type="button" class="secondary" disabled={action.busy} onClick={() => void dismiss()}>
          Dismiss
        </button>
      </div>
      <ErrorText error={action.error} />
    </li>
  );
}

/** Senders who wrote a direct message and wait for their pairing code to be approved. */
export function PairingList() {
  const list = useRpc<PairingListResult>("channels.pairing.list", {}, ["health"]);
  const [done, setDone] = useState<string | null>(null);
  const requests = list.data?.requests ?? [];
  return (
    <div class="card">
      <div class="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Pairing requests</h2>
        <button type="button" class="secondary" onClick={() => list.reload()}>
          Refresh
        </button>
      </div>
      <ErrorText error={list.error ? `Could not load pairing requests: ${list.error}` : null} />
      {done ? <p role="status">{done}</p> : null}
      {list.data && requests.length === 0 ? <p class="muted">No one is waiting to be paired.</p> : null}
      <ul style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {requests.map((r) => (
          <PairingRow
            key={`${r.channel}/${r.accountId}/${r.requestId}`}
            request={r}
            onDone={(message) => {
              setDone(message);
              list.reload();
            }}
          />
        ))}
      </ul>
    </div>
  );
}
