import { gateway } from "../../session";
import { useAction } from "../../common/action";
import { ErrorText, Fields } from "../../common/fields";
import { countdown } from "../../common/time";
import type { Approval, Decision } from "./use-approvals";

const DECISIONS: { decision: Decision; label: string; secondary?: boolean }[] = [
  { decision: "allow-once", label: "Allow once" },
  { decision: "allow-always", label: "Always allow", secondary: true },
  { decision: "deny", label: "Deny", secondary: true },
];

const COMMAND = { whiteSpace: "pre-wrap", overflowWrap: "anywhere", margin: "0.3em 0", padding: "0.5em", background: "var(--bg)", border: "1px solid var(--line)", borderRadius: "var(--radius)" } as const;

function hostText(a: Approval): string {
  const { host, nodeId } = a.request;
  return nodeId ? `${host} (node ${nodeId})` : host;
}

/** One pending exec approval with the decisions the request offers. */
export function ApprovalCard(props: { approval: Approval; now: number; onResolved(decision: Decision): void }) {
  const { approval, now } = props;
  const { request } = approval;
  const action = useAction();
  const expired = approval.expiresAtMs <= now;
  const decide = async (decision: Decision) => {
    const done = await action.run(`Answering ${decision}`, () => gateway.request("exec.approval.resolve", { id: approval.id, decision }));
    if (done) props.onResolved(decision);
  };
  return (
    <article class="card" data-testid="approval-card" data-id={approval.id} aria-label={`Approval for ${request.command}`}>
      <div class="row" style={{ justifyContent: "space-between" }}>
        <strong>Run this command?</strong>
        <span class={expired ? "error" : "muted"}>
          {expired ? "expired" : `expires in ${countdown(approval.expiresAtMs, now)}`}
        </span>
      </div>
      <pre style={COMMAND}>
        <code>{request.command}</code>
      </pre>
      {request.warningText ? <p class="error">{request.warningText}</p> : null}
      <Fields
        entries={[
          ["Directory", request.cwd ? <code>{request.cwd}</code> : null],
          ["Resolved", request.resolvedPath ? <code>{request.resolvedPath}</code> : null],
          ["Host", hostText(approval)],
          ["Agent", request.agentId],
          ["Session", request.sessionKey ? <code>{request.sessionKey}</code> : null],
          ["Policy", [request.security, request.ask ? `ask ${request.ask}` : null].filter(Boolean).join(", ")],
        ]}
      />
      <div class="row">
        {DECISIONS.filter((d) => request.allowedDecisions.includes(d.decision)).map((d) => (
          <button key={d.decision} type="button" class={d.secondary ? "secondary" : undefined} data-testid={`approval-${d.decision}`} disabled={action.busy || expired} onClick={() => void decide(d.decision)}>
            {d.label}
          </button>
        ))}
      </div>
      <ErrorText error={action.error} />
    </article>
  );
}
