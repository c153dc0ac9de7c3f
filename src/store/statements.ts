import type { Database, Statement } from "better-sqlite3";
import type { EntryRecord, RunRecord, SessionRecord } from "./rows.js";
import type { SearchHit } from "./types.js";

const SNIPPET_TOKENS = 24;
const CANCELLED_ERROR = "cancelled before it started";

/** Parameters are checked by SQLite when bound; `R` is the row a SELECT returns. */
type Query<R = unknown> = Statement<any[], R>;

function searchSql(filtered: boolean): string {
  return `SELECT s.key AS sessionKey, e.session_id AS sessionId, e.id AS entryId, e.role AS role, e.timestamp AS timestamp,
      snippet(entries_fts, 0, '', '', '…', ${SNIPPET_TOKENS}) AS snippet, -entries_fts.rank AS score
    FROM entries_fts
    JOIN entries e ON e.rowid = entries_fts.rowid
    JOIN sessions s ON s.session_id = e.session_id
    WHERE entries_fts MATCH @match${filtered ? ` AND s.key IN (SELECT value FROM json_each(@keys))` : ""}
    ORDER BY entries_fts.rank
    LIMIT @limit`;
}

/** Every statement of the agent store, prepared once when the file is opened. */
export function prepareStatements(db: Database) {
  const p = <R = unknown>(sql: string): Query<R> => db.prepare(sql) as Query<R>;
  return {
    session: p<SessionRecord>(`SELECT * FROM sessions WHERE key = ?`),
    sessionIdOf: p<{ session_id: string }>(`SELECT session_id FROM sessions WHERE key = ?`),
    countSessions: p<{ n: number }>(`SELECT count(*) AS n FROM sessions`),
    insertTranscript: p(`INSERT INTO transcripts (session_id, session_key, created_at) VALUES (?, ?, ?)`),
    transcriptExists: p<{ one: number }>(`SELECT 1 AS one FROM transcripts WHERE session_id = ?`),
    insertSession: p(`INSERT INTO sessions (key, session_id, created_at, updated_at, channel) VALUES (@key, @sessionId, @now, @now, @channel)`),
    patchSession: p(
      `UPDATE sessions SET label = @label, model_override = @modelOverride, thinking_level = @thinkingLevel, channel = @channel, updated_at = @now WHERE key = @key`,
    ),
    resetSession: p(
      `UPDATE sessions SET session_id = @sessionId, updated_at = @now, model_provider = NULL, model = NULL,
         input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, total_tokens = 0, message_count = 0,
         last_message_preview = NULL, last_run_id = NULL, status = NULL, aborted_last_run = 0, last_run_error = NULL,
         started_at = NULL, ended_at = NULL
       WHERE key = @key`,
    ),
    deleteSession: p(`DELETE FROM sessions WHERE key = ?`),
    deleteEntriesOfKey: p(`DELETE FROM entries WHERE session_id IN (SELECT session_id FROM transcripts WHERE session_key = ?)`),
    deleteTranscriptsOfKey: p(`DELETE FROM transcripts WHERE session_key = ?`),
    deleteRunsOfKey: p(`DELETE FROM runs WHERE session_key = ? AND status <> 'running'`),

    lastEntry: p<{ seq: number; id: string }>(`SELECT seq, id FROM entries WHERE session_id = ? ORDER BY seq DESC LIMIT 1`),
    insertEntry: p(
      `INSERT INTO entries (id, session_id, seq, parent_id, type, role, text, data, run_id, idempotency_key, timestamp)
       VALUES (@id, @sessionId, @seq, @parentId, @type, @role, @text, @data, @runId, @idempotencyKey, @timestamp)`,
    ),
    countAppended: p(
      `UPDATE sessions SET updated_at = @now, message_count = message_count + @messages,
         last_message_preview = coalesce(@preview, last_message_preview)
       WHERE session_id = @sessionId`,
    ),
    seqBounds: p<{ lo: number | null; hi: number | null }>(
      `SELECT (SELECT min(seq) FROM entries WHERE session_id = @sessionId) AS lo, (SELECT max(seq) FROM entries WHERE session_id = @sessionId) AS hi`,
    ),
    entriesBefore: p<EntryRecord>(`SELECT * FROM entries WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ? OFFSET ?`),
    messagesBefore: p<EntryRecord>(`SELECT * FROM entries WHERE session_id = ? AND seq < ? AND type = 'message' ORDER BY seq DESC LIMIT ? OFFSET ?`),
    messageBefore: p<{ seq: number }>(`SELECT seq FROM entries WHERE session_id = ? AND seq < ? AND type = 'message' ORDER BY seq DESC LIMIT 1`),
    entriesAfter: p<EntryRecord>(`SELECT * FROM entries WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
    lastCompaction: p<EntryRecord>(`SELECT * FROM entries WHERE session_id = ? AND type = 'compaction' ORDER BY seq DESC LIMIT 1`),
    entry: p<EntryRecord>(`SELECT * FROM entries WHERE id = ? AND session_id = ?`),
    entryByIdempotencyKey: p<EntryRecord>(
      `SELECT * FROM entries WHERE session_id = ? AND idempotency_key = ? ORDER BY seq LIMIT 1`,
    ),
    indexedRowid: p<{ indexed_rowid: number }>(`SELECT indexed_rowid FROM fts_progress WHERE id = 1`),
    newestRowid: p<{ rowid: number | null }>(`SELECT max(rowid) AS rowid FROM entries`),
    indexRange: p(
      `INSERT INTO entries_fts (rowid, text)
         SELECT rowid, text FROM entries WHERE rowid > @from AND rowid <= @to AND type = 'message' AND role IN ('user', 'assistant')`,
    ),
    markIndexed: p(`UPDATE fts_progress SET indexed_rowid = @to WHERE id = 1`),
    search: p<SearchHit>(searchSql(false)),
    searchInSessions: p<SearchHit>(searchSql(true)),

    insertRun: p(
      `INSERT INTO runs (run_id, session_key, status, source, request, created_at) VALUES (@runId, @sessionKey, @status, @source, @request, @now)`,
    ),
    run: p<RunRecord>(`SELECT * FROM runs WHERE run_id = ?`),
    markStarted: p(`UPDATE runs SET status = 'running', started_at = @now, session_id = @sessionId WHERE run_id = @runId`),
    sessionStarted: p(
      `UPDATE sessions SET last_interaction_at = @now, updated_at = @now, status = 'running', last_run_id = @runId,
         started_at = @now, ended_at = NULL
       WHERE key = @key`,
    ),
    savePartialText: p(`UPDATE runs SET partial_text = ? WHERE run_id = ? AND status = 'running'`),
    markFinished: p(
      `UPDATE runs SET status = @status, ended_at = @now, error = @error, result = @result, session_id = coalesce(session_id, @sessionId)
       WHERE run_id = @runId`,
    ),
    sessionFinished: p(
      `UPDATE sessions SET status = @status, aborted_last_run = @aborted, last_run_error = @error, ended_at = @now, updated_at = @now,
         model_provider = coalesce(@modelProvider, model_provider), model = coalesce(@model, model),
         input_tokens = input_tokens + iif(session_id = @sessionId, @input, 0),
         output_tokens = output_tokens + iif(session_id = @sessionId, @output, 0),
         cache_read_tokens = cache_read_tokens + iif(session_id = @sessionId, @cacheRead, 0),
         total_tokens = total_tokens + iif(session_id = @sessionId, @total, 0)
       WHERE key = @key AND last_run_id = @runId`,
    ),
    runsWithStatus: p<RunRecord>(`SELECT * FROM runs WHERE status = ? ORDER BY ordinal`),
    cancelQueued: p<{ run_id: string }>(
      `UPDATE runs SET status = 'aborted', ended_at = ?, error = '${CANCELLED_ERROR}' WHERE session_key = ? AND status = 'queued' RETURNING run_id`,
    ),
  };
}

export type StoreStatements = ReturnType<typeof prepareStatements>;
