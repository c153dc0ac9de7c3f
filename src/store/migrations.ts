import type { Database } from "better-sqlite3";

/**
 * The agent database schema, one step per entry: step N brings `PRAGMA user_version` from N-1 to N.
 * Steps are append-only; a released step is never edited.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE transcripts (
    session_id TEXT PRIMARY KEY,
    session_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX transcripts_by_key ON transcripts (session_key);

  CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE REFERENCES transcripts (session_id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_interaction_at INTEGER,
    label TEXT,
    model_override TEXT,
    thinking_level TEXT,
    model_provider TEXT,
    model TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    last_message_preview TEXT,
    last_run_id TEXT,
    status TEXT,
    aborted_last_run INTEGER NOT NULL DEFAULT 0,
    last_run_error TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    channel TEXT
  );
  CREATE INDEX sessions_by_updated ON sessions (updated_at DESC);
  CREATE INDEX sessions_by_label ON sessions (label) WHERE label IS NOT NULL;

  CREATE TABLE entries (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES transcripts (session_id),
    seq INTEGER NOT NULL,
    parent_id TEXT,
    type TEXT NOT NULL,
    role TEXT,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    run_id TEXT,
    idempotency_key TEXT,
    timestamp INTEGER NOT NULL,
    UNIQUE (session_id, seq)
  );
  CREATE INDEX entries_by_idempotency_key ON entries (session_id, idempotency_key, seq) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX entries_compactions ON entries (session_id, seq) WHERE type = 'compaction';
  CREATE INDEX entries_by_run ON entries (run_id) WHERE run_id IS NOT NULL;

  CREATE VIRTUAL TABLE entries_fts USING fts5 (
    text,
    content = 'entries',
    content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  -- New entries are indexed in batches (indexPending), off the write path; rows up to
  -- indexed_rowid are in entries_fts, so only those may be deleted from it.
  CREATE TABLE fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_rowid INTEGER NOT NULL);
  INSERT INTO fts_progress (id, indexed_rowid) VALUES (1, 0);
  CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries
    WHEN old.type = 'message' AND old.role IN ('user', 'assistant') AND old.rowid <= (SELECT indexed_rowid FROM fts_progress)
  BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  END;

  CREATE TABLE runs (
    ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    session_key TEXT NOT NULL,
    session_id TEXT,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    error TEXT,
    partial_text TEXT NOT NULL DEFAULT '',
    result TEXT
  );
  CREATE INDEX runs_by_status ON runs (status, ordinal);
  CREATE INDEX runs_by_session_key ON runs (session_key);
  `,
];

export class SchemaTooNewError extends Error {
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(`${path} has schema version ${fileVersion}, but this gateway only knows versions up to ${knownVersion}; upgrade openclaw-gateway to open it`);
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Brings the file up to the newest schema, each step in its own transaction. */
export function migrate(db: Database, steps: readonly string[] = migrations): void {
  const found = schemaVersion(db);
  if (found > steps.length) throw new SchemaTooNewError(db.name, found, steps.length);
  steps.forEach((sql, index) => {
    const target = index + 1;
    db.transaction(() => {
      // Re-read inside the write lock: another process may have applied this step meanwhile.
      if (schemaVersion(db) >= target) return;
      db.exec(sql);
      db.pragma(`user_version = ${target}`);
    }).immediate();
  });
}
