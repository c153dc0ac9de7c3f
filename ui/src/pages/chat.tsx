import { useEffect, useMemo, useRef } from "preact/hooks";
import { useConnection, useRpc } from "../hooks";
import { navigate, useRoute } from "../router";
import { Composer } from "./chat/composer";
import { useFitHeight } from "./chat/fit";
import { useHistory } from "./chat/history";
import { covered, liveRows, liveTools } from "./chat/live";
import { MessageRow } from "./chat/message-row";
import { buildRows, estimateRow, type Row } from "./chat/messages";
import { ModelPicker } from "./chat/model-picker";
import { useRuns, uuid } from "./chat/runs";
import { SessionList } from "./chat/session-list";
import { sessionTitle, useSessions, type SessionRow } from "./chat/sessions";
import { VirtualList } from "./chat/virtual-list";
import "./chat/chat.css";

type Agents = { defaultId?: string; mainKey?: string; agents?: Array<{ id: string; model?: { primary?: string } }> };

function routedKey(route: string): string | null {
  const m = /^\/chat\/(.+)$/.exec(route);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

const agentOf = (key: string) => /^agent:([^:]+):/.exec(key)?.[1];

type SessionProps = { sessionKey: string; row?: SessionRow; agents: Agents | null; connected: boolean; onPatched(row: SessionRow): void };

/** One session's conversation: the transcript, the live runs, the model and the message box. */
function ChatSession(props: SessionProps) {
  const { sessionKey } = props;
  const matcher = useRef((key: unknown) => key === sessionKey);
  const runs = useRuns(sessionKey, (key) => matcher.current(key));
  const history = useHistory(sessionKey, (info) => runs.sync(info.inFlight, info.queued));
  matcher.current = history.isKey;

  const built = useMemo(() => buildRows(history.messages), [history.messages]);
  const rows = useMemo(() => [...built.rows, ...liveRows(runs.runs, built)], [built, runs.runs]);
  const tools = useMemo(() => liveTools(runs.runs), [runs.runs]);

  useEffect(() => {
    const done = runs.runs.filter((r) => r.done);
    const shown = done.filter((r) => covered(r, built)).map((r) => r.runId);
    if (shown.length > 0) runs.drop(shown);
    const missing = done.filter((r) => !r.synced && !shown.includes(r.runId));
    for (const r of missing) runs.markSynced(r.runId);
    if (missing.length > 0) void history.catchUp();
  }, [runs.runs, built]);

  const agentId = agentOf(history.canonicalKey ?? sessionKey) ?? props.agents?.defaultId;
  const primary = props.agents?.agents?.find((a) => a.id === agentId)?.model?.primary;
  const override = props.row?.modelOverride;
  const effective = history.defaults?.modelProvider && history.defaults.model ? `${history.defaults.modelProvider}/${history.defaults.model}` : undefined;
  const waiting = runs.streaming && !runs.runs.some((r) => !r.done && r.segments.length > 0);

  return (
    <div class="chat-main">
      <header class="chat-head">
        <h1 title={sessionKey}>{sessionTitle(props.row ?? { key: sessionKey })}</h1>
        <ModelPicker sessionKey={sessionKey} override={override} fallback={primary ?? (override ? undefined : effective)} disabled={!props.connected} onPatched={props.onPatched} />
      </header>
      {history.error ? (
        <p class="error" role="alert">
          {history.error}
        </p>
      ) : null}
      <div class="chat-list">
        {history.loadingOlder ? (
          <p class="chat-notice muted" role="status">
            Loading older messages…
          </p>
        ) : null}
        {history.loading ? (
          <p class="chat-notice muted" role="status">
            Loading the conversation…
          </p>
        ) : rows.length === 0 ? (
          <p class="chat-notice muted">No messages yet. Say hello.</p>
        ) : null}
        <VirtualList<Row>
          items={rows}
          estimate={estimateRow}
          render={(row) => <MessageRow row={row} live={row.role === "tool" ? tools.get(row.tool.id) : undefined} />}
          onNearTop={history.loadOlder}
          label="Messages"
          testid="chat-messages"
        />
      </div>
      {waiting || runs.status ? (
        <p class="chat-status muted" role="status">
          {waiting ? "Working…" : runs.status}
        </p>
      ) : null}
      {runs.error ? (
        <p class="error chat-error" role="alert" data-testid="chat-error">
          {runs.error.message}
        </p>
      ) : null}
      <Composer sessionKey={sessionKey} connected={props.connected} streaming={runs.streaming} onSend={runs.send} onAbort={() => void runs.abort()} />
    </div>
  );
}

/**
 * WebChat: the sessions (sessions.list, kept current by sessions.changed), the selected one's
 * history and live replies, sending, stopping and the model. `/chat/<key>` selects the session,
 * `/chat` the default agent's main session.
 */
export function ChatPage() {
  const route = useRoute();
  const connection = useConnection();
  const agents = useRpc<Agents>("agents.list", {});
  const sessions = useSessions();
  const section = useRef<HTMLElement>(null);
  useFitHeight(section, connection.phase);

  const defaultKey = agents.data ? `agent:${agents.data.defaultId ?? "main"}:${agents.data.mainKey ?? "main"}` : agents.error ? "agent:main:main" : null;
  const key = routedKey(route) ?? defaultKey;
  const select = (k: string) => navigate(`/chat/${encodeURIComponent(k)}`);
  const newChat = () => select(`agent:${agents.data?.defaultId ?? agentOf(key ?? "") ?? "main"}:webchat-${uuid().slice(0, 8)}`);

  return (
    <section class="chat-page" data-testid="page-chat" ref={section}>
      <SessionList rows={sessions.rows} current={key ?? ""} onSelect={select} onNew={newChat} error={sessions.error ?? (agents.error ? `Could not read the agents (${agents.error}); using agent:main:main.` : null)} />
      {key ? (
        <ChatSession key={key} sessionKey={key} row={sessions.rows.find((r) => r.key === key)} agents={agents.data} connected={connection.phase === "connected"} onPatched={sessions.upsert} />
      ) : (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
    </section>
  );
}
