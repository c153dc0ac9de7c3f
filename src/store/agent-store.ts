import { randomUUID } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";
import { ftsMatchQuery } from "./fts-query.js";
import { migrations } from "./migrations.js";
import { openSqliteFile } from "./sqlite-file.js";
import { prepareStatements, type StoreStatements } from "./statements.js";
import { entryFromRecord, entryJsonBytes, runFromRecord, sessionFromRecord, type RunRecord, type SessionRecord } from "./rows.js";
import type { AgentStore, HistoryPage, NewEntry, RunRow, RunStatus, SearchHit, SessionPatch, SessionRow, SessionStatus, TranscriptEntry } from "./types.js";

const PREVIEW_CHARS = 120;
const INTERRUPTED_NOTE = "Run interrupted: the gateway stopped before it finished.";

type FinishedStatus = Exclude<RunStatus, "queued" | "running">;
type RunOutcome = Parameters<AgentStore["finishRun"]>[1];

const sessionStatusAfter: Record<FinishedStatus, SessionStatus> = {
  ok: "done",
  error: "failed",
  aborted: "aborted",
  timeout: "timeout",
  interrupted: "interrupted",
};

/** Opens (creating and migrating when needed) the agent database at `path`. */
export async function openAgentStore(path: string): Promise<AgentStore> {
  return new SqliteAgentStore(path, await openSqliteFile(path, migrations));
}

function previewOf(text: string): string | null {
  // Collapsing whitespace over a whole long reply would be wasted work; a generous head is enough.
  const flat = text.slice(0, PREVIEW_CHARS * 4).replace(/\s+/g, " ").trim();
  if (flat === "") return null;
  if (flat.length <= PREVIEW_CHARS) return flat;
  const cut = flat.slice(0, PREVIEW_CHARS);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const INDEX_INTERVAL_MS = 1000;

function clampCount(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
}

class SqliteAgentStore implements AgentStore {
  private readonly listStatements = new Map<string, { rows: Statement; total: Statement }>();

  private readonly q: StoreStatements;

  constructor(
    readonly path: string,
    private readonly db: Database,
  ) {
    this.q = prepareStatements(db);
    // Each of these calls is one transaction; wrapping them once here keeps a call's overhead small.
    this.ensureSession = db.transaction(this.ensureSession);
    this.patchSession = db.transaction(this.patchSession);
    this.resetSession = db.transaction(this.resetSession);
    this.deleteSession = db.transaction(this.deleteSession);
    this.appendEntry = db.transaction(this.appendEntry);
    this.startRun = db.transaction(this.startRun);
    this.insertStartedRun = db.transaction(this.insertStartedRun);
    this.finishRun = db.transaction(this.finishRun);
    this.recoverInterrupted = db.transaction(this.recoverInterrupted);
    // Immediate: the write lock is taken first, so another process writing meanwhile (the CLI has
    // the file open too) makes it wait instead of failing on a stale snapshot.
    const index = db.transaction(this.indexPending.bind(this));
    this.indexPending = () => index.immediate();
    this.indexTimer = setInterval(() => this.indexQuietly(), INDEX_INTERVAL_MS);
    this.indexTimer.unref();
  }

  private readonly indexTimer: NodeJS.Timeout;

  /** Background indexing never throws: what it cannot index now, the next call or a search does. */
  private indexQuietly(): void {
    try {
      this.indexPending();
    } catch {
      // busy past the timeout, or the file went away: retried on the next tick
    }
  }

  /**
   * Adds the messages written since the last call to the full-text index, in one transaction:
   * indexing each message as it is written would cost every turn a third of its write time.
   */
  indexPending(): void {
    const from = this.q.indexedRowid.get()!.indexed_rowid;
    const to = this.q.newestRowid.get()!.rowid ?? 0;
    if (to <= from) return;
    this.q.indexRange.run({ from, to });
    this.q.markIndexed.run({ to });
  }

  getSession(key: string): SessionRow | null {
    const record = this.q.session.get(key);
    return record ? sessionFromRecord(record) : null;
  }

  ensureSession(key: string, init?: { channel?: string | null }): SessionRow {
    return this.getSession(key) ?? this.createSession(key, init?.channel ?? null);
  }

  private createSession(key: string, channel: string | null): SessionRow {
    const now = Date.now();
    const sessionId = randomUUID();
    this.q.insertTranscript.run(sessionId, key, now);
    this.q.insertSession.run({ key, sessionId, now, channel });
    return this.getSession(key)!;
  }

  listSessions(opts: { limit: number; offset: number; search?: string; label?: string; activeSinceMs?: number }): { rows: SessionRow[]; total: number } {
    const where: string[] = [];
    const filters: Record<string, unknown> = {};
    if (opts.search) {
      where.push(`(key LIKE @pattern ESCAPE '\\' OR label LIKE @pattern ESCAPE '\\')`);
      filters.pattern = `%${escapeLike(opts.search)}%`;
    }
    if (opts.label !== undefined) {
      where.push(`label = @label`);
      filters.label = opts.label;
    }
    if (opts.activeSinceMs !== undefined) {
      where.push(`updated_at >= @activeSince`);
      filters.activeSince = opts.activeSinceMs;
    }
    const statements = this.listStatementsFor(where.length ? `WHERE ${where.join(" AND ")}` : "");
    const rows = (statements.rows.all({ ...filters, limit: clampCount(opts.limit), offset: clampCount(opts.offset) }) as SessionRecord[]).map(sessionFromRecord);
    const { n } = statements.total.get(filters) as { n: number };
    return { rows, total: n };
  }

  private listStatementsFor(whereClause: string): { rows: Statement; total: Statement } {
    let statements = this.listStatements.get(whereClause);
    if (!statements) {
      statements = {
        rows: this.db.prepare(`SELECT * FROM sessions ${whereClause} ORDER BY updated_at DESC, key LIMIT @limit OFFSET @offset`),
        total: this.db.prepare(`SELECT count(*) AS n FROM sessions ${whereClause}`),
      };
      this.listStatements.set(whereClause, statements);
    }
    return statements;
  }

  countSessions(): number {
    return this.q.countSessions.get()!.n;
  }

  patchSession(key: string, patch: SessionPatch): SessionRow | null {
    const current = this.getSession(key);
    if (!current) return null;
    const pick = <K extends keyof SessionPatch>(field: K) => (patch[field] === undefined ? current[field] : patch[field]);
    this.q.patchSession.run({
      key,
      now: Date.now(),
      label: pick("label"),
      modelOverride: pick("modelOverride"),
      thinkingLevel: pick("thinkingLevel"),
      channel: pick("channel"),
    });
    return this.getSession(key);
  }

  resetSession(key: string): SessionRow | null {
    if (!this.q.sessionIdOf.get(key)) return null;
    const now = Date.now();
    const sessionId = randomUUID();
    this.q.insertTranscript.run(sessionId, key, now);
    this.q.resetSession.run({ key, sessionId, now });
    return this.getSession(key);
  }

  deleteSession(key: string, deleteTranscript: boolean): boolean {
    const existed = this.q.deleteSession.run(key).changes > 0;
    this.q.cancelQueued.all(Date.now(), key);
    if (deleteTranscript) {
      this.q.deleteEntriesOfKey.run(key);
      this.q.deleteTranscriptsOfKey.run(key);
      this.q.deleteRunsOfKey.run(key);
    }
    return existed;
  }

  appendEntry(sessionKey: string, entry: NewEntry): TranscriptEntry {
    const session = this.q.sessionIdOf.get(sessionKey) ?? { session_id: this.createSession(sessionKey, null).sessionId };
    return this.appendTo(session.session_id, entry, Date.now());
  }

  /** Call inside a transaction: seq and parent come from the transcript's last entry. */
  private appendTo(sessionId: string, entry: NewEntry, now: number): TranscriptEntry {
    const last = this.q.lastEntry.get(sessionId);
    const appended: TranscriptEntry = {
      id: randomUUID(),
      sessionId,
      seq: (last?.seq ?? 0) + 1,
      parentId: last?.id ?? null,
      type: entry.type,
      role: entry.role ?? null,
      text: entry.text ?? "",
      data: entry.data ?? {},
      runId: entry.runId ?? null,
      idempotencyKey: entry.idempotencyKey ?? null,
      timestamp: entry.timestamp ?? now,
    };
    this.q.insertEntry.run({ ...appended, data: JSON.stringify(appended.data) });
    const isMessage = appended.type === "message";
    const shown = isMessage && (appended.role === "user" || appended.role === "assistant");
    this.q.countAppended.run({ sessionId, now, messages: isMessage ? 1 : 0, preview: shown ? previewOf(appended.text) : null });
    return appended;
  }

  history(sessionId: string, opts: { beforeSeq?: number; limit: number; maxBytes?: number; messagesOnly?: boolean; skip?: number }): HistoryPage {
    const { lo, hi } = this.q.seqBounds.get({ sessionId })!;
    if (lo === null || hi === null) return { entries: [], hasMore: false, total: 0 };
    const before = opts.beforeSeq ?? hi + 1;
    const entries: TranscriptEntry[] = [];
    let bytes = 2;
    const query = opts.messagesOnly ? this.q.messagesBefore : this.q.entriesBefore;
    for (const record of query.iterate(sessionId, before, clampCount(opts.limit), Math.max(0, opts.skip ?? 0))) {
      if (opts.maxBytes !== undefined) {
        bytes += entryJsonBytes(record) + (entries.length > 0 ? 1 : 0);
        if (entries.length > 0 && bytes > opts.maxBytes) break;
      }
      entries.push(entryFromRecord(record));
    }
    entries.reverse();
    const firstSeq = entries.length > 0 ? entries[0].seq : before;
    const hasMore = opts.messagesOnly ? entries.length > 0 && this.q.messageBefore.get(sessionId, firstSeq) !== undefined : firstSeq > lo;
    return { entries, hasMore, total: hi - lo + 1 };
  }

  entriesAfter(sessionId: string, afterSeq: number, limit: number): TranscriptEntry[] {
    return this.q.entriesAfter.all(sessionId, afterSeq, clampCount(limit)).map(entryFromRecord);
  }

  lastCompaction(sessionId: string): TranscriptEntry | null {
    const record = this.q.lastCompaction.get(sessionId);
    return record ? entryFromRecord(record) : null;
  }

  getEntry(sessionId: string, entryId: string): TranscriptEntry | null {
    const record = this.q.entry.get(entryId, sessionId);
    return record ? entryFromRecord(record) : null;
  }

  findEntryByIdempotencyKey(sessionId: string, key: string): TranscriptEntry | null {
    const record = this.q.entryByIdempotencyKey.get(sessionId, key);
    return record ? entryFromRecord(record) : null;
  }

  search(query: string, opts: { sessionKeys?: string[]; limit: number }): SearchHit[] {
    const match = ftsMatchQuery(query);
    const limit = clampCount(opts.limit);
    if (match === null || limit === 0) return [];
    this.indexPending();
    if (opts.sessionKeys === undefined) return this.q.search.all({ match, limit });
    if (opts.sessionKeys.length === 0) return [];
    return this.q.searchInSessions.all({ match, limit, keys: JSON.stringify(opts.sessionKeys) });
  }

  insertStartedRun(run: { runId: string; sessionKey: string; source: string; request: Record<string, unknown> }, userEntry: NewEntry | null) {
    this.q.insertRun.run({ ...run, status: "running", request: JSON.stringify(run.request), now: Date.now() });
    return this.startRun(run.runId, userEntry);
  }

  insertRun(run: { runId: string; sessionKey: string; status: "queued" | "running"; source: string; request: Record<string, unknown> }): RunRow {
    this.q.insertRun.run({ ...run, request: JSON.stringify(run.request), now: Date.now() });
    return this.getRun(run.runId)!;
  }

  getRun(runId: string): RunRow | null {
    const record = this.q.run.get(runId);
    return record ? runFromRecord(record) : null;
  }

  private requireRun(runId: string): RunRecord {
    const record = this.q.run.get(runId);
    if (!record) throw new Error(`Unknown run ${runId}`);
    return record;
  }

  startRun(runId: string, userEntry: NewEntry | null): { run: RunRow; session: SessionRow; userEntry: TranscriptEntry | null } {
    const run = this.requireRun(runId);
    if ((run.status !== "queued" && run.status !== "running") || run.started_at !== null) {
      throw new Error(`Run ${runId} cannot start: it is ${run.status}${run.started_at !== null ? " and already started" : ""}`);
    }
    const now = Date.now();
    const { sessionId } = this.getSession(run.session_key) ?? this.createSession(run.session_key, null);
    this.q.markStarted.run({ runId, sessionId, now });
    const appended = userEntry ? this.appendTo(sessionId, { ...userEntry, runId: userEntry.runId ?? runId }, now) : null;
    this.q.sessionStarted.run({ key: run.session_key, runId, now });
    return { run: this.getRun(runId)!, session: this.getSession(run.session_key)!, userEntry: appended };
  }

  savePartialText(runId: string, text: string): void {
    this.q.savePartialText.run(text, runId);
  }

  finishRun(runId: string, outcome: RunOutcome): { run: RunRow; entries: TranscriptEntry[] } {
    const run = this.requireRun(runId);
    if (run.status !== "queued" && run.status !== "running") throw new Error(`Run ${runId} already finished (${run.status})`);
    return this.endRun(run, outcome);
  }

  private endRun(run: RunRecord, outcome: RunOutcome): { run: RunRow; entries: TranscriptEntry[] } {
    const { run_id: runId, session_key: key } = run;
    const now = Date.now();
    const sessionId = run.session_id ?? this.q.sessionIdOf.get(key)?.session_id ?? null;
    const entries = this.appendRunEntries(sessionId, runId, outcome.entries, now);
    const error = outcome.error ?? null;
    this.q.markFinished.run({ runId, sessionId, status: outcome.status, now, error, result: outcome.result ? JSON.stringify(outcome.result) : null });
    const usage = outcome.usage ?? { input: 0, output: 0, cacheRead: 0, total: 0 };
    this.q.sessionFinished.run({
      key,
      runId,
      sessionId,
      now,
      error,
      status: sessionStatusAfter[outcome.status],
      aborted: outcome.status === "aborted" || outcome.status === "interrupted" ? 1 : 0,
      modelProvider: outcome.modelProvider ?? null,
      model: outcome.model ?? null,
      input: usage.input,
      output: usage.output,
      cacheRead: usage.cacheRead,
      total: usage.total,
    });
    return { run: this.getRun(runId)!, entries };
  }

  /** A run's entries go to the transcript it started in; none when that transcript was deleted. */
  private appendRunEntries(sessionId: string | null, runId: string, entries: NewEntry[], now: number): TranscriptEntry[] {
    if (sessionId === null || !this.q.transcriptExists.get(sessionId)) return [];
    return entries.map((entry) => this.appendTo(sessionId, { ...entry, runId: entry.runId ?? runId }, now));
  }

  queuedRuns(): RunRow[] {
    return this.q.runsWithStatus.all("queued").map(runFromRecord);
  }

  recoverInterrupted(): RunRow[] {
    return this.q.runsWithStatus.all("running").map((run) => {
      const note: NewEntry =
        run.partial_text !== ""
          ? { type: "message", role: "assistant", text: run.partial_text, data: { stopReason: "interrupted", interrupted: true }, runId: run.run_id, idempotencyKey: null }
          : { type: "abort", role: null, text: INTERRUPTED_NOTE, data: { reason: "interrupted", interrupted: true }, runId: run.run_id, idempotencyKey: null };
      return this.endRun(run, { status: "interrupted", error: INTERRUPTED_NOTE, entries: [note] }).run;
    });
  }

  cancelQueued(sessionKey: string): string[] {
    return this.q.cancelQueued.all(Date.now(), sessionKey).map((row) => row.run_id);
  }

  close(): void {
    clearInterval(this.indexTimer);
    this.indexQuietly();
    this.db.close();
  }
}
