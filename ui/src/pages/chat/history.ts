import { useEffect, useRef, useState } from "preact/hooks";
import { useConnection, useEvent } from "../../hooks";
import { gateway } from "../../session";
import { seqOf, type Msg } from "./messages";

const PAGE = 100;
const DELTA_PAGE = 1000;
const RETRY_OLDER_MS = 5000;

type HistoryPage = {
  kind?: "delta" | "reset";
  sessionKey?: string;
  sessionId?: string;
  messages?: Msg[];
  hasMore?: boolean;
  deltaCursor?: string;
  defaults?: { modelProvider?: string; model?: string };
  inFlightRun?: { runId: string; text?: string };
  pendingInputs?: { items?: Array<{ runId: string }> };
};

export type SyncInfo = { reason: "load" | "reconnect"; inFlight?: { runId: string; text?: string }; queued: string[] };

type State = { messages: Msg[]; sessionId?: string; canonicalKey?: string; hasMore: boolean; loading: boolean; loadingOlder: boolean; error: string | null };

function initial(): State {
  return { messages: [], hasMore: false, loading: true, loadingOlder: false, error: null };
}

/** Appends messages not held yet (by transcript seq, else id), keeping seq order. */
function merge(held: Msg[], incoming: Msg[]): Msg[] {
  const seqs = new Set(held.map(seqOf).filter((s) => s !== undefined));
  const ids = new Set(held.map((m) => m.__openclaw?.id).filter(Boolean));
  const fresh = incoming.filter((m) => {
    const seq = seqOf(m);
    return seq !== undefined ? !seqs.has(seq) : !ids.has(m.__openclaw?.id);
  });
  if (fresh.length === 0) return held;
  const all = [...held, ...fresh];
  return all.every((m) => seqOf(m) !== undefined) ? all.sort((a, b) => seqOf(a)! - seqOf(b)!) : all;
}

/**
 * The session's transcript: the newest page of chat.history first, older pages on request (the
 * offset is how many newest messages are held), appends pushed by `session.message`, a catch-up
 * from the delta cursor after a reconnect, and a reload when the session starts a new transcript.
 * One instance per session (the page remounts it when the session changes).
 */
export function useHistory(sessionKey: string, onSync: (info: SyncInfo) => void) {
  const connection = useConnection();
  const [state, setState] = useState<State>(initial);
  const current = useRef(state);
  current.current = state;
  const cursor = useRef<string | undefined>(undefined);
  const loading = useRef(true);
  const olderFailedAt = useRef(0);
  const olderBusy = useRef(false);
  const syncRef = useRef(onSync);
  syncRef.current = onSync;
  const [defaults, setDefaults] = useState<HistoryPage["defaults"]>(undefined);

  const isKey = (key: unknown) => key === sessionKey || (current.current.canonicalKey !== undefined && key === current.current.canonicalKey);
  const report = (page: HistoryPage, reason: SyncInfo["reason"]) =>
    syncRef.current({ reason, inFlight: page.inFlightRun, queued: (page.pendingInputs?.items ?? []).map((i) => i.runId) });

  async function load(): Promise<void> {
    setState(initial());
    cursor.current = undefined;
    loading.current = true;
    try {
      const page = await gateway.request<HistoryPage>("chat.history", { sessionKey, limit: PAGE });
      loading.current = false;
      cursor.current = page.deltaCursor;
      setDefaults(page.defaults);
      setState((s) => ({ ...s, messages: merge([], page.messages ?? []), sessionId: page.sessionId, canonicalKey: page.sessionKey, hasMore: Boolean(page.hasMore), loading: false }));
      report(page, "load");
    } catch (e) {
      loading.current = false;
      setState((s) => ({ ...s, loading: false, error: `Could not load the history: ${(e as Error).message}` }));
    }
  }

  async function catchUp(reason?: SyncInfo["reason"]): Promise<void> {
    if (!cursor.current) return load();
    try {
      for (;;) {
        const page: HistoryPage = await gateway.request<HistoryPage>("chat.history", { sessionKey, cursor: cursor.current, limit: DELTA_PAGE });
        if (page.kind !== "delta") return load();
        cursor.current = page.deltaCursor;
        setDefaults(page.defaults);
        setState((s) => ({ ...s, messages: merge(s.messages, page.messages ?? []), error: null }));
        if (!page.hasMore) {
          if (reason) report(page, reason);
          return;
        }
      }
    } catch (e) {
      setState((s) => ({ ...s, error: `Could not update the history: ${(e as Error).message}` }));
    }
  }

  async function loadOlder(): Promise<void> {
    const s = current.current;
    if (!s.hasMore || loading.current || olderBusy.current || gateway.state.phase !== "connected" || Date.now() - olderFailedAt.current < RETRY_OLDER_MS) return;
    olderBusy.current = true;
    setState((x) => ({ ...x, loadingOlder: true }));
    try {
      const page = await gateway.request<HistoryPage>("chat.history", { sessionKey, limit: PAGE, offset: s.messages.length });
      if (page.sessionId && page.sessionId !== current.current.sessionId) return load();
      setState((x) => ({ ...x, messages: merge(x.messages, page.messages ?? []), hasMore: Boolean(page.hasMore), loadingOlder: false, error: null }));
    } catch (e) {
      olderFailedAt.current = Date.now();
      setState((x) => ({ ...x, loadingOlder: false, error: `Could not load older messages: ${(e as Error).message}` }));
    } finally {
      olderBusy.current = false;
    }
  }

  const loadedOnce = useRef(false);
  useEffect(() => {
    if (connection.phase !== "connected") return;
    const key = sessionKey;
    gateway.request("sessions.messages.subscribe", { key }).catch((e: Error) => setState((s) => ({ ...s, error: `Live updates are off: ${e.message}` })));
    if (loadedOnce.current) void catchUp("reconnect");
    else {
      loadedOnce.current = true;
      void load();
    }
    return () => {
      if (gateway.state.phase === "connected") gateway.request("sessions.messages.unsubscribe", { key }).catch((e: Error) => console.warn(`sessions.messages.unsubscribe: ${e.message}`));
    };
  }, [connection.phase, sessionKey]);

  useEvent(
    "session.message",
    (f) => {
      const p = f.payload ?? {};
      if (!isKey(p.sessionKey) || !p.message || loading.current) return;
      const message: Msg = p.message.__openclaw?.seq === undefined && typeof p.messageSeq === "number" ? { ...p.message, __openclaw: { ...p.message.__openclaw, seq: p.messageSeq } } : p.message;
      setState((s) => ({ ...s, messages: merge(s.messages, [message]) }));
    },
    [sessionKey],
  );

  useEvent(
    "sessions.changed",
    (f) => {
      const p = f.payload ?? {};
      const s = current.current;
      if (!isKey(p.sessionKey) || loading.current) return;
      const sessionId = p.session?.sessionId;
      if ((sessionId && s.sessionId && sessionId !== s.sessionId) || (p.deleted && s.messages.length > 0)) void load();
      else if (sessionId && !s.sessionId) setState((x) => ({ ...x, sessionId }));
    },
    [sessionKey],
  );

  return { ...state, defaults, isKey, loadOlder, catchUp };
}
