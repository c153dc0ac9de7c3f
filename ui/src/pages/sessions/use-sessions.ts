import { useEffect, useRef, useState } from "preact/hooks";
import { useConnection, useEvent } from "../../hooks";
import { gateway } from "../../session";

/** A row of `sessions.list` (the fields this page shows), plus the matching text of a search hit. */
export type SessionRow = {
  key: string;
  agentId?: string;
  label?: string;
  updatedAt?: number;
  lastInteractionAt?: number;
  messageCount?: number;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  model?: string;
  hasActiveRun?: boolean;
  snippet?: string;
};

type ListResult = { sessions: SessionRow[]; totalCount?: number };
type SearchHit = { sessionKey: string; snippet?: string };

const LIST_LIMIT = 200;
const REFRESH_DEBOUNCE_MS = 250;

/** Sessions whose key or label contains `query` (as the gateway matches them), or whose messages `sessions.search` finds. */
async function searchRows(query: string): Promise<{ rows: SessionRow[]; total: number }> {
  const [list, search] = await Promise.all([
    gateway.request<ListResult>("sessions.list", { limit: LIST_LIMIT }),
    gateway.request<{ results: SearchHit[] }>("sessions.search", { query, limit: 25 }),
  ]);
  const snippets = new Map<string, string>();
  for (const hit of search.results) if (!snippets.has(hit.sessionKey)) snippets.set(hit.sessionKey, hit.snippet ?? "");
  const needle = query.toLowerCase();
  const rows = list.sessions
    .filter((s) => snippets.has(s.key) || s.key.toLowerCase().includes(needle) || (s.label ?? "").toLowerCase().includes(needle))
    .map((s) => (snippets.get(s.key) ? { ...s, snippet: snippets.get(s.key) } : s));
  const known = new Set(rows.map((r) => r.key));
  for (const [key, snippet] of snippets) if (!known.has(key)) rows.push({ key, snippet });
  return { rows, total: rows.length };
}

async function listRows(): Promise<{ rows: SessionRow[]; total: number }> {
  const list = await gateway.request<ListResult>("sessions.list", { limit: LIST_LIMIT });
  return { rows: list.sessions, total: list.totalCount ?? list.sessions.length };
}

/**
 * The sessions table: `sessions.list`, or with a query also `sessions.search`; loaded on connect
 * and reloaded when `sessions.changed` arrives (this connection subscribes to it).
 */
export function useSessions(query: string) {
  const connected = useConnection().phase === "connected";
  const [rows, setRows] = useState<SessionRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = () => {
    clearTimeout(debounce.current);
    debounce.current = setTimeout(() => setTick((t) => t + 1), REFRESH_DEBOUNCE_MS);
  };
  useEffect(() => () => clearTimeout(debounce.current), []);
  useEvent("sessions.changed", refresh);

  useEffect(() => {
    if (!connected) return;
    gateway.request("sessions.subscribe", {}).then(
      () => setLiveError(null),
      (e: Error) => setLiveError(`Live updates are off (sessions.subscribe failed: ${e.message}); this list will not refresh by itself.`),
    );
  }, [connected]);

  useEffect(() => {
    if (!connected) return;
    let live = true;
    const q = query.trim();
    (q ? searchRows(q) : listRows()).then(
      (r) => {
        if (!live) return;
        setRows(r.rows);
        setTotal(r.total);
        setError(null);
      },
      (e: Error) => live && setError(`Could not load sessions: ${e.message}`),
    );
    return () => {
      live = false;
    };
  }, [connected, query, tick]);

  return { rows, total, error, liveError, refresh, limit: LIST_LIMIT };
}
