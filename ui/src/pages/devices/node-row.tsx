import { Fields } from "../../common/fields";
import { InvokeForm } from "./invoke-form";
import { ago, fullTime } from "../../common/time";
import { shortId, type NodeEntry } from "./types";

const APPROVAL: Record<string, string> = { approved: "approved", pending: "waiting for approval (see above)", unpaired: "not paired" };

/** A known node: connection and approval state, its approved commands, and an Invoke form while connected. */
export function NodeRow(props: { node: NodeEntry }) {
  const n = props.node;
  const commands = n.commands ?? [];
  return (
    <article class="card" data-testid="node-row" data-node={n.nodeId} data-connected={String(n.connected)} data-approval={n.approvalState}>
      <div class="row" style={{ justifyContent: "space-between" }}>
        <strong>{n.displayName ?? shortId(n.nodeId)}</strong>
        <span style={{ color: n.connected ? "var(--ok)" : "var(--muted)" }}>{n.connected ? "connected" : "offline"}</span>
      </div>
      <Fields
        entries={[
          ["Node", <code title={n.nodeId}>{shortId(n.nodeId)}</code>],
          ["Platform", [n.platform, n.deviceFamily, n.version].filter(Boolean).join(" · ")],
          ["Approval", APPROVAL[n.approvalState ?? ""] ?? n.approvalState],
          ["Last seen", n.lastSeenAtMs ? <span title={fullTime(n.lastSeenAtMs)}>{ago(n.lastSeenAtMs)}{n.lastSeenReason ? ` (${n.lastSeenReason})` : ""}</span> : null],
          ["From", n.remoteIp],
          ["Caps", n.caps?.join(", ")],
          ["Commands", commands.length ? commands.join(", ") : "none approved"],
        ]}
      />
      {n.connected && commands.length ? (
        <details>
          <summary>Invoke a command</summary>
          <InvokeForm nodeId={n.nodeId} commands={commands} />
        </details>
      ) : null}
    </article>
  );
}
