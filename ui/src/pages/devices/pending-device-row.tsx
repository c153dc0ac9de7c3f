import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText, Fields } from "../../common/fields";
import { ago } from "../../common/time";
import { shortId, type PendingDevice } from "./types";

/** A device asking to pair (or for more roles or scopes), with Approve and Reject. */
export function PendingDeviceRow(props: { request: PendingDevice; onDone(): void }) {
  const r = props.request;
  const action = useAction();
  const answer = async (method: "device.pair.approve" | "device.pair.reject", what: string) => {
    if (await action.run(what, () => gateway.request(method, { requestId: r.requestId }))) props.onDone();
  };
  return (
    <article class="card" data-testid="device-pending-row" data-device={r.deviceId} data-request={r.requestId}>
      <strong>{r.displayName ?? r.clientId}</strong> <span class="muted">{r.isRepair ? "asks for more access" : "asks to pair"}</span>
      <Fields
        entries={[
          ["Device", <code title={r.deviceId}>{shortId(r.deviceId)}</code>],
          ["Client", `${r.clientId} (${r.clientMode})`],
          ["Platform", [r.platform, r.deviceFamily].filter(Boolean).join(", ")],
          ["Roles", (r.roles.length ? r.roles : [r.role]).join(", ")],
          ["Scopes", r.scopes.join(", ")],
          ["From", [r.remoteIp, r.browserOrigin].filter(Boolean).join(" · ")],
          ["Asked", ago(r.ts)],
          ["Request", <code>{r.requestId}</code>],
        ]}
      />
      <div class="row">
        <button type="button" data-testid="device-approve" disabled={action.busy} onClick={() => void answer("device.pair.approve", "Approving")}>
          Approve
        </button>
        <button type="button" class="secondary" data-testid="device-reject" disabled={action.busy} onClick={() => void answer("device.pair.reject", "Rejecting")}>
          Reject
        </button>
      </div>
      <ErrorText error={action.error} />
    </article>
  );
}
