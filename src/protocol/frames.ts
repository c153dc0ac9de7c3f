import type { ErrorShape } from "./errors.js";

export type RequestFrame = {
  type: "req";
  id: string;
  method: string;
  params?: unknown;
  traceparent?: string;
  expectedProfileId?: string;
};

export type ResponseFrame = { type: "res"; id: string; ok: boolean; payload?: unknown; error?: ErrorShape };

export type StateVersion = { presence: number; health: number };

export type EventFrame = {
  type: "event";
  event: string;
  payload?: unknown;
  seq?: number;
  stateVersion?: StateVersion;
};

const REQUEST_KEYS = new Set(["type", "id", "method", "params", "traceparent", "expectedProfileId"]);

/** Checks a parsed value against the closed RequestFrame schema; returns a problem description or null. */
export function requestFrameProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "frame must be an object";
  const frame = value as Record<string, unknown>;
  if (frame.type !== "req") return "type must be \"req\"";
  if (typeof frame.id !== "string" || frame.id.length === 0) return "id must be a non-empty string";
  if (typeof frame.method !== "string" || frame.method.length === 0) return "method must be a non-empty string";
  for (const key in frame) if (!REQUEST_KEYS.has(key)) return `unexpected property "${key}"`;
  if (frame.traceparent !== undefined && (typeof frame.traceparent !== "string" || frame.traceparent.length > 128)) {
    return "traceparent must be a string of at most 128 characters";
  }
  if (frame.expectedProfileId !== undefined) {
    const v = frame.expectedProfileId;
    if (typeof v !== "string" || v.length < 1 || v.length > 128) return "expectedProfileId must be a string of 1 to 128 characters";
  }
  return null;
}

/** Wraps a JSON text that is already serialized so responses can embed it without re-encoding. */
export class RawJson {
  constructor(readonly json: string) {}
}

export function serializeResponse(id: string, ok: boolean, payloadOrError: unknown): string {
  const idJson = JSON.stringify(id);
  if (!ok) return `{"type":"res","id":${idJson},"ok":false,"error":${JSON.stringify(payloadOrError)}}`;
  if (payloadOrError === undefined) return `{"type":"res","id":${idJson},"ok":true}`;
  const payload = payloadOrError instanceof RawJson ? payloadOrError.json : JSON.stringify(payloadOrError);
  return `{"type":"res","id":${idJson},"ok":true,"payload":${payload}}`;
}

export function truncateCloseReason(reason: string, maxBytes: number): string {
  const buf = Buffer.from(reason, "utf8");
  if (buf.length <= maxBytes) return reason;
  let end = maxBytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8");
}
