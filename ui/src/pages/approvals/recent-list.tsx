import { ago } from "../../common/time";
import type { Resolved } from "./use-approvals";

const OUTCOME: Record<string, string> = { "allow-once": "allowed once", "allow-always": "always allowed", deny: "denied" };

function outcome(r: Resolved): string {
  if (r.decision) return `${OUTCOME[r.decision] ?? r.decision}${r.resolvedBy ? ` by ${r.resolvedBy}` : ""}`;
  return r.reason ?? "ended";
}

/** The last few approvals that left the pending list, this visit only. */
export function RecentList(props: { recent: Resolved[]; now: number }) {
  if (props.recent.length === 0) return null;
  return (
    <div class="card">
      <h2>Recently resolved</h2>
      <ul style={{ margin: 0, paddingLeft: "1.2em" }}>
        {props.recent.map((r) => (
          <li key={r.id}>
            <code style={{ overflowWrap: "anywhere" }}>{r.command}</code> — {outcome(r)} <span class="muted">({ago(r.ts, props.now)})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
