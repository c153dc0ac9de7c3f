import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText, Fields } from "../../common/fields";
import { ago } from "../../common/time";
import { shortId, type PendingNode } from "./types";

/** A node's capability surface (its commands and caps) waiting for an operator. */
export function PendingNodeRow(props: { request: PendingNode; onDone(): void }) {
  const r = props.request;
  const action = useAction();
  const answer = async (method: "node.pair.approve" | "node.pair.reject", what: string) => {
    if (await action.run(what, () => gateway.request(method, { requestId: r.requestId }))) props.onDone();
  };
  return (
    <article class="card" data-testid="node-pending-row" data-node={r.nodeId} data-request={r.requestId}>
      <strong>{r.displayName ?? shortId(r.nodeId)}</strong> <span class="muted">asks to offer these commands</span>
      <Fields
        entries={[
          ["Node", <code title={r.nodeId}>{shortId(r.nodeId)}</code>],
          ["Platform", [r.platform, r.version].filter(Boolean).join(" ")],
          ["From", r.remoteIp],
          ["Commands", r.commands.length ? r.commands.join(", ") : "none"],
          ["Caps", r.caps.join(", ")],
          ["Needs", r.requiredApproveScopes?.join(", ")],
          ["Asked", ago(r.ts)],
        ]}
      />
      <div class="row">
        <button type="button" data-testid="node-approve" disabled={action.busy} onClick={() => void answer("node.pair.approve", "Approving")}>
          Approve
        </button>
        <button type="button" class="secondary" disabled={action.busy} onClick={() => void answer("node.pair.reject", "Rejecting")}>
          Reject
        </button>
      </div>
      <ErrorText error={action.error} />
    </article>
  );
}
