import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText, Fields } from "../../common/fields";
import { ago, fullTime } from "../../common/time";
import { shortId, type PairedDevice, type TokenSummary } from "./types";

function TokenLine(props: { token: TokenSummary; busy: boolean; onRevoke(): void }) {
  const t = props.token;
  return (
    <li class="row" style={{ justifyContent: "space-between", padding: "0.2em 0" }}>
      <span>
        <strong>{t.role}</strong>
        {t.scopes.length ? <span class="muted"> · {t.scopes.join(", ")}</span> : null}
        <span class="muted"> · {t.revokedAtMs ? `revoked ${ago(t.revokedAtMs)}` : t.lastUsedAtMs ? `used ${ago(t.lastUsedAtMs)}` : "not used yet"}</span>
      </span>
      {t.revokedAtMs ? null : (
        <button type="button" class="secondary" data-testid="device-revoke" data-role={t.role} disabled={props.busy} onClick={props.onRevoke}>
          Revoke {t.role} token
        </button>
      )}
    </li>
  );
}

/** A paired device: who it is, its roles and tokens, when it was last seen; revoke a role's token or remove it. */
export function DeviceRow(props: { device: PairedDevice; isThisBrowser: boolean; onDone(): void }) {
  const d = props.device;
  const action = useAction();
  const revoke = async (role: string) => {
    if (await action.run(`Revoking the ${role} token`, () => gateway.request("device.token.revoke", { deviceId: d.deviceId, role }))) props.onDone();
  };
  const remove = async () => {
    if (await action.run("Removing", () => gateway.request("device.pair.remove", { deviceId: d.deviceId }))) props.onDone();
  };
  return (
    <article class="card" data-testid="device-row" data-device={d.deviceId}>
      <div class="row" style={{ justifyContent: "space-between" }}>
        <strong>
          {d.label ?? d.displayName ?? d.clientId}
          {props.isThisBrowser ? <span class="muted"> (this browser)</span> : null}
        </strong>
        <span style={{ color: d.connected ? "var(--ok)" : "var(--muted)" }}>{d.connected ? "connected" : "offline"}</span>
      </div>
      <Fields
        entries={[
          ["Device", <code title={d.deviceId}>{shortId(d.deviceId)}</code>],
          ["Client", `${d.clientId} (${d.clientMode})`],
          ["Platform", [d.platform, d.deviceFamily].filter(Boolean).join(", ")],
          ["Roles", d.roles.join(", ")],
          ["Last seen", d.connected ? "now" : <span title={fullTime(d.lastSeenAtMs)}>{ago(d.lastSeenAtMs)}</span>],
          ["Address", d.lastSeenIp],
          ["Approved", <span title={fullTime(d.approvedAtMs)}>{ago(d.approvedAtMs)}</span>],
        ]}
      />
      {d.tokens.length ? (
        <ul style={{ listStyle: "none", margin: "0 0 0.5em", padding: 0 }} aria-label="Tokens">
          {d.tokens.map((t) => (
            <TokenLine key={t.role} token={t} busy={action.busy} onRevoke={() => void revoke(t.role)} />
          ))}
        </ul>
      ) : null}
      <button type="button" class="secondary" data-testid="device-remove" disabled={action.busy} onClick={() => void remove()}>
        {props.isThisBrowser ? "Remove (disconnects this browser)" : "Remove device"}
      </button>
      <ErrorText error={action.error} />
    </article>
  );
}
