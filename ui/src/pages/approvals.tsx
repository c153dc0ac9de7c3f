import { ApprovalCard } from "./approvals/approval-card";
import { RecentList } from "./approvals/recent-list";
import { useApprovals } from "./approvals/use-approvals";
import { useNow } from "./approvals/use-now";
import { ErrorText } from "../common/fields";

/** Exec approvals waiting for an operator, live from the gateway's approval events. */
export function ApprovalsPage() {
  const approvals = useApprovals();
  const now = useNow(approvals.pending.length > 0);
  return (
    <section data-testid="page-approvals">
      <h1>Approvals</h1>
      <ErrorText error={approvals.error} />
      {approvals.pending.length === 0 ? (
        approvals.loaded ? (
          <p class="card muted" data-testid="approvals-empty">
            No commands are waiting for approval. New requests appear here as agents ask.
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )
      ) : (
        <div>
          {approvals.pending.map((a) => (
            <ApprovalCard key={a.id} approval={a} now={now} onResolved={(d) => approvals.resolvedLocally(a.id, d)} />
          ))}
        </div>
      )}
      <RecentList recent={approvals.recent} now={now} />
    </section>
  );
}
