import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const RESERVED_SESSION_KEY_MESSAGE = "`x-openclaw-session-key` cannot use reserved internal session namespaces.";

/** Chat completions sessions are `openai…`, Responses sessions `openresponses…`. */
export type SessionKeyPrefix = "openai" | "openresponses";

/** Namespaces the gateway uses for its own runs; an HTTP caller must not write into them. */
const RESERVED_NAMESPACES = ["subagent:", "cron:", "acp:"];

/** True for `subagent:…`, `cron:…`, `acp:…` and the same shapes under `agent:<id>:`. */
export function isReservedSessionKey(key: string): boolean {
  const lower = key.trim().toLowerCase();
  const rest = /^agent:[^:]+:/.exec(lower) ? lower.slice(lower.indexOf(":", "agent:".length) + 1) : lower;
  return RESERVED_NAMESPACES.some((ns) => lower.startsWith(ns) || rest.startsWith(ns));
}

export type ExplicitSessionKey = { ok: true; key: string | undefined } | { ok: false; message: string };

/** The raw `x-openclaw-session-key` header, checked against the reserved namespaces. */
export function explicitSessionKey(req: IncomingMessage): ExplicitSessionKey {
  const header = req.headers["x-openclaw-session-key"];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!key) return { ok: true, key: undefined };
  return isReservedSessionKey(key) ? { ok: false, message: RESERVED_SESSION_KEY_MESSAGE } : { ok: true, key };
}

/**
 * The session for a request without an explicit key: one per OpenAI `user`, else a fresh one
 * per call (stateless).
 */
export function derivedSessionKey(agentId: string, prefix: SessionKeyPrefix, user: string | undefined): string {
  const trimmed = user?.trim();
  if (trimmed) return `agent:${agentId}:${`${prefix}-user:${trimmed}`.toLowerCase()}`;
  return `agent:${agentId}:${prefix}:${randomUUID()}`;
}
