import { navigate } from "../../router";
import { basePath } from "../../session";
import { ago } from "../../common/time";
import { count } from "./format";
import type { SessionRow } from "./use-sessions";

type Props = { session: SessionRow; busy: boolean; onReset(s: SessionRow): void; onDelete(s: SessionRow): void };

export function SessionRowView({ session: s, busy, onReset, onDelete }: Props) {
  const route = `/chat/${encodeURIComponent(s.key)}`;
  const last = s.lastInteractionAt ?? s.updatedAt;
  const tokens = s.inputTokens !== undefined || s.outputTokens !== undefined ? `${count(s.inputTokens)} in / ${count(s.outputTokens)} out` : undefined;
  return (
    <tr data-testid="session-row" data-key={s.key}>
      <td data-label="Session">
        <a
          class="session-key"
          href={basePath + route}
          onClick={(e) => {
            e.preventDefault();
            navigate(route);
          }}
        >
          {s.key}
        </a>
        {s.label ? <div class="muted">{s.label}</div> : null}
        {s.hasActiveRun ? <div class="hint">running now</div> : null}
        {s.snippet ? <div class="hint session-snippet">“{s.snippet}”</div> : null}
      </td>
      <td data-label="Agent">{s.agentId ?? "—"}</td>
      <td data-label="Last activity">
        {last ? <time dateTime={new Date(last).toISOString()} title={new Date(last).toLocaleString()}>{ago(last)}</time> : "—"}
      </td>
      <td data-label="Messages">{count(s.messageCount)}</td>
      <td data-label="Tokens" title={tokens}>{count(s.totalTokens)}</td>
      <td class="session-actions">
        <div class="row">
          <button type="button" class="secondary" data-testid="session-reset" disabled={busy} aria-label={`Reset ${s.key}`} onClick={() => onReset(s)}>
            Reset
          </button>
          <button type="button" data-testid="session-delete" disabled={busy} aria-label={`Delete ${s.key}`} onClick={() => onDelete(s)}>
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}
