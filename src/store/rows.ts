import type { EntryRole, EntryType, RunRow, RunStatus, SessionRow, SessionStatus, TranscriptEntry } from "./types.js";

/** The rows as SQLite returns them (see migrations.ts), before they become the typed rows of types.ts. */
export type SessionRecord = {
  key: string;
  session_id: string;
  created_at: number;
  updated_at: number;
  last_interaction_at: number | null;
  label: string | null;
  model_override: string | null;
  thinking_level: string | null;
  model_provider: string | null;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  total_tokens: number;
  message_count: number;
  last_message_preview: string | null;
  last_run_id: string | null;
  status: string | null;
  aborted_last_run: number;
  last_run_error: string | null;
  started_at: number | null;
  ended_at: number | null;
  channel: string | null;
};

export type EntryRecord = {
  id: string;
  session_id: string;
  seq: number;
  parent_id: string | null;
  type: string;
  role: string | null;
  text: string;
  data: string;
  run_id: string | null;
  idempotency_key: string | null;
  timestamp: number;
};

/** The keys and punctuation of an entry's JSON (what entryJsonBytes adds to the values). */
const ENTRY_JSON_KEYS = `{"id":,"sessionId":,"seq":,"parentId":,"type":,"role":,"text":,"data":,"runId":,"idempotencyKey":,"timestamp":}`.length;

const jsonBytes = (value: string | null) => (value === null ? 4 : Buffer.byteLength(JSON.stringify(value)));

/**
 * The size of the entry's JSON, exactly, without parsing `data` (stored as the JSON it becomes)
 * or building the entry: history pages are cut by bytes on every call.
 */
export function entryJsonBytes(r: EntryRecord): number {
  return (
    ENTRY_JSON_KEYS +
    jsonBytes(r.id) + jsonBytes(r.session_id) + String(r.seq).length + jsonBytes(r.parent_id) + jsonBytes(r.type) + jsonBytes(r.role) +
    jsonBytes(r.text) + Buffer.byteLength(r.data) + jsonBytes(r.run_id) + jsonBytes(r.idempotency_key) + String(r.timestamp).length
  );
}

export type RunRecord = {
  run_id: string;
  session_key: string;
  session_id: string | null;
  status: string;
  source: string;
  request: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  partial_text: string;
  result: string | null;
};

export function sessionFromRecord(r: SessionRecord): SessionRow {
  return {
    key: r.key,
    sessionId: r.session_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastInteractionAt: r.last_interaction_at,
    label: r.label,
    modelOverride: r.model_override,
    thinkingLevel: r.thinking_level,
    modelProvider: r.model_provider,
    model: r.model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens,
    totalTokens: r.total_tokens,
    messageCount: r.message_count,
    lastMessagePreview: r.last_message_preview,
    lastRunId: r.last_run_id,
    status: r.status as SessionStatus | null,
    abortedLastRun: r.aborted_last_run !== 0,
    lastRunError: r.last_run_error,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    channel: r.channel,
  };
}

export function entryFromRecord(r: EntryRecord): TranscriptEntry {
  return {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    parentId: r.parent_id,
    type: r.type as EntryType,
    role: r.role as EntryRole | null,
    text: r.text,
    data: JSON.parse(r.data) as Record<string, unknown>,
    runId: r.run_id,
    idempotencyKey: r.idempotency_key,
    timestamp: r.timestamp,
  };
}

export function runFromRecord(r: RunRecord): RunRow {
  return {
    runId: r.run_id,
    sessionKey: r.session_key,
    sessionId: r.session_id,
    status: r.status as RunStatus,
    source: r.source,
    request: JSON.parse(r.request) as Record<string, unknown>,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    error: r.error,
    partialText: r.partial_text,
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
  };
}
