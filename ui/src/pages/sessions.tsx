import { useEffect, useState } from "preact/hooks";
import { gateway } from "../session";
import { SessionRowView } from "./sessions/session-row";
import { useSessions, type SessionRow } from "./sessions/use-sessions";
import "./sessions/sessions.css";

const SEARCH_DEBOUNCE_MS = 250;

function target(s: SessionRow): { key: string; agentId?: string } {
  return s.agentId ? { key: s.key, agentId: s.agentId } : { key: s.key };
}

/** Every session of every agent, searchable by key, label and message text; reset or delete one. */
export function SessionsPage() {
  const [input, setInput] = useState("");
  const [query, setQuery] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQuery(input.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [input]);
  const sessions = useSessions(query);
  const [busyKey, setBusyKey] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const act = async (s: SessionRow, method: "sessions.reset" | "sessions.delete", done: (res: any) => string) => {
    setBusyKey(s.key);
    setActionError(null);
    setNotice(null);
    try {
      setNotice(done(await gateway.request(method, target(s))));
      sessions.refresh();
    } catch (e) {
      setActionError(`${method === "sessions.reset" ? "Reset" : "Delete"} of ${s.key} failed: ${(e as Error).message}`);
    } finally {
      setBusyKey(null);
    }
  };
  const reset = (s: SessionRow) => act(s, "sessions.reset", () => `${s.key} starts over with a fresh transcript.`);
  const remove = (s: SessionRow) => {
    if (!window.confirm(`Delete session ${s.key}? Its transcript is deleted too; this cannot be undone.`)) return;
    void act(s, "sessions.delete", (res) => (res?.deleted === false ? `${s.key} was already gone.` : `${s.key} deleted.`));
  };

  const rows = sessions.rows;
  return (
    <section data-testid="page-sessions">
      <h1>Sessions</h1>
      <div class="row">
        <input
          type="search"
          class="sessions-search"
          data-testid="sessions-search"
          aria-label="Search sessions"
          placeholder="Search keys, labels and messages"
          value={input}
          onInput={(e) => setInput((e.target as HTMLInputElement).value)}
        />
      </div>
      {sessions.error ? <p class="error" role="alert">{sessions.error}</p> : null}
      {sessions.liveError ? <p class="error">{sessions.liveError}</p> : null}
      {actionError ? <p class="error" role="alert">{actionError}</p> : null}
      {notice ? <p class="hint" role="status">{notice}</p> : null}
      {rows === null ? (
        sessions.error ? null : <p class="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p class="muted">{query ? `No session matches “${query}”.` : "No sessions yet. They appear here once someone chats with an agent."}</p>
      ) : (
        <>
          <table class="sessions-table">
            <thead>
              <tr><th>Session</th><th>Agent</th><th>Last activity</th><th>Messages</th><th>Tokens</th><th><span class="muted">Actions</span></th></tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <SessionRowView key={s.key} session={s} busy={busyKey === s.key} onReset={(x) => void reset(x)} onDelete={remove} />
              ))}
            </tbody>
          </table>
          <p class="hint">
            {query ? `${rows.length} matching (messages searched by relevance, top 25).` : sessions.total > rows.length ? `Showing the ${rows.length} most recent of ${sessions.total}.` : `${rows.length} session${rows.length === 1 ? "" : "s"}.`}
          </p>
        </>
      )}
    </section>
  );
}
