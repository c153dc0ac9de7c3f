/**
 * The state of one agent as the runner and the methods see it: sessions, their transcripts and the
 * runs (queued, running, finished). Backed by one SQLite file per agent (src/store/agent-store.ts);
 * every method is one short transaction, so a kill -9 leaves either all of a call or none of it.
 */

export type SessionStatus = "running" | "done" | "failed" | "aborted" | "interrupted" | "timeout";

export type SessionRow = {
  key: string;
  sessionId: string;
  createdAt: number;
  updatedAt: number;
  lastInteractionAt: number | null;
  label: string | null;
  /** `provider/model` chosen for this session (sessions.patch), or null for the agent default. */
  modelOverride: string | null;
  thinkingLevel: string | null;
  /** Provider and model of the last completed turn. */
  modelProvider: string | null;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  /** Messages in the current transcript (user, assistant, tool results; not compaction markers). */
  messageCount: number;
  lastMessagePreview: string | null;
  lastRunId: string | null;
  status: SessionStatus | null;
  abortedLastRun: boolean;
  lastRunError: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Where the session's messages come from (`webchat`, `openai`, a channel id …). */
  channel: string | null;
};

export type SessionPatch = Partial<Pick<SessionRow, "label" | "modelOverride" | "thinkingLevel" | "channel">>;

export type EntryType = "message" | "compaction" | "abort" | "custom";
export type EntryRole = "user" | "assistant" | "toolResult" | "system";

/** One transcript entry; `seq` counts from 1 per session id and has no gaps. */
export type TranscriptEntry = {
  id: string;
  sessionId: string;
  seq: number;
  /** The previous entry's id (the transcript is a chain; a tree once branches exist). */
  parentId: string | null;
  type: EntryType;
  role: EntryRole | null;
  /** Plain text of the entry (what full-text search and previews use). */
  text: string;
  /** Everything else: content parts, tool calls, usage, provider/model, stopReason, summary … */
  data: Record<string, unknown>;
  runId: string | null;
  idempotencyKey: string | null;
  timestamp: number;
};

export type NewEntry = Omit<TranscriptEntry, "id" | "sessionId" | "seq" | "parentId" | "timestamp"> & { timestamp?: number };

export type RunStatus = "queued" | "running" | "ok" | "error" | "aborted" | "timeout" | "interrupted";

export type RunRow = {
  runId: string;
  sessionKey: string;
  /** Set when the run starts (the session may be reset between queueing and start). */
  sessionId: string | null;
  status: RunStatus;
  /** What started it: `agent`, `chat`, `http` … */
  source: string;
  /** The turn request as submitted (message, options), enough to run it after a restart. */
  request: Record<string, unknown>;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  /** Assistant text streamed so far; kept when the process dies mid-run. */
  partialText: string;
  /** Final result as returned to callers (`agent` second response, agent.wait). */
  result: Record<string, unknown> | null;
};

export type HistoryPage = {
  entries: TranscriptEntry[];
  /** More entries exist before the first one returned. */
  hasMore: boolean;
  total: number;
};

/** `score` is the negated bm25 rank: higher is a better match; hits come best first. */
export type SearchHit = { sessionKey: string; sessionId: string; entryId: string; role: "user" | "assistant"; timestamp: number; snippet: string; score: number };

export interface AgentStore {
  readonly path: string;

  getSession(key: string): SessionRow | null;
  /** Returns the session, creating it (new sessionId) when it does not exist. */
  ensureSession(key: string, init?: { channel?: string | null }): SessionRow;
  /**
   * Most recently updated first. `search` matches key or label (case-insensitive substring),
   * `label` exactly; `activeSinceMs` is a timestamp: only sessions updated at or after it.
   */
  listSessions(opts: { limit: number; offset: number; search?: string; label?: string; activeSinceMs?: number }): { rows: SessionRow[]; total: number };
  countSessions(): number;
  patchSession(key: string, patch: SessionPatch): SessionRow | null;
  /** Starts a fresh transcript under a new sessionId; the old entries stay in the file. */
  resetSession(key: string): SessionRow | null;
  /** Removes the session row (and its entries when deleteTranscript). Returns whether it existed. */
  deleteSession(key: string, deleteTranscript: boolean): boolean;

  /** Appends to the session's current transcript; updates message count, preview and updatedAt. */
  appendEntry(sessionKey: string, entry: NewEntry): TranscriptEntry;
  /**
   * Entries of a session id in seq order: the last `limit` before `beforeSeq` (exclusive; default
   * the end), after skipping the newest `skip` of them, cut further so the JSON of the page stays
   * within `maxBytes` (at least one entry). `messagesOnly` leaves markers (compaction, abort) out.
   */
  history(sessionId: string, opts: { beforeSeq?: number; limit: number; maxBytes?: number; messagesOnly?: boolean; skip?: number }): HistoryPage;
  /** Entries after a seq (for delta cursors and the prompt), in order, at most `limit`. */
  entriesAfter(sessionId: string, afterSeq: number, limit: number): TranscriptEntry[];
  /** Newest compaction entry of a session id, if any. */
  lastCompaction(sessionId: string): TranscriptEntry | null;
  getEntry(sessionId: string, entryId: string): TranscriptEntry | null;
  findEntryByIdempotencyKey(sessionId: string, key: string): TranscriptEntry | null;
  search(query: string, opts: { sessionKeys?: string[]; limit: number }): SearchHit[];

  /** Records a run; `queued` runs are started later (also after a restart) in creation order. */
  insertRun(run: { runId: string; sessionKey: string; status: "queued" | "running"; source: string; request: Record<string, unknown> }): RunRow;
  getRun(runId: string): RunRow | null;
  /** insertRun and startRun in one transaction: a run that starts at once costs one write. */
  insertStartedRun(run: { runId: string; sessionKey: string; source: string; request: Record<string, unknown> }, userEntry: NewEntry | null): ReturnType<AgentStore["startRun"]>;
  /**
   * Marks the run running and, in the same transaction, appends the user's message (when given)
   * to the session's transcript: the message is durable before the model is called.
   */
  startRun(runId: string, userEntry: NewEntry | null): { run: RunRow; session: SessionRow; userEntry: TranscriptEntry | null };
  /** Cheap and frequent: the streamed text so far. */
  savePartialText(runId: string, text: string): void;
  /**
   * Ends the run and, in the same transaction, appends its entries (assistant reply, abort marker)
   * and adds its usage to the session counters.
   */
  finishRun(
    runId: string,
    outcome: {
      status: Exclude<RunStatus, "queued" | "running">;
      error?: string | null;
      result?: Record<string, unknown> | null;
      entries: NewEntry[];
      usage?: { input: number; output: number; cacheRead: number; total: number };
      modelProvider?: string | null;
      model?: string | null;
    },
  ): { run: RunRow; entries: TranscriptEntry[] };
  /** Queued runs in creation order (all sessions). */
  queuedRuns(): RunRow[];
  /**
   * At start-up: every run left `running` by a dead process becomes `interrupted`; its partial
   * text is appended as an assistant entry marked interrupted. Returns the runs it changed.
   */
  recoverInterrupted(): RunRow[];
  /** Queued runs of one session are dropped (sessions.abort with clearQueued). */
  cancelQueued(sessionKey: string): string[];

  close(): void;
}
