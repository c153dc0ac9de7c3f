import { sessionTitle, type SessionRow } from "./sessions";

type Props = { rows: SessionRow[]; current: string; onSelect(key: string): void; onNew(): void; error: string | null };

/** The sessions to chat in: a list beside the chat on wide screens, a select above it on narrow ones. */
export function SessionList(props: Props) {
  const rows = !props.current || props.rows.some((r) => r.key === props.current) ? props.rows : [{ key: props.current, label: "New chat" }, ...props.rows];
  return (
    <nav class="chat-sessions" aria-label="Chat sessions" data-testid="chat-session-list">
      <div class="chat-sessions-head">
        <select class="chat-session-select" aria-label="Session" value={props.current} onChange={(e) => props.onSelect((e.target as HTMLSelectElement).value)}>
          {rows.map((r) => (
            <option key={r.key} value={r.key}>
              {sessionTitle(r)}
            </option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={props.onNew} data-testid="chat-new">
          New chat
        </button>
      </div>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <ul>
        {rows.map((r) => (
          <li key={r.key}>
            <button type="button" class="chat-session" aria-current={r.key === props.current ? "true" : undefined} data-session-key={r.key} title={r.key} onClick={() => props.onSelect(r.key)}>
              <span class="chat-session-title">{sessionTitle(r)}</span>
              {r.lastMessagePreview ? <span class="chat-session-preview muted">{r.lastMessagePreview}</span> : null}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
