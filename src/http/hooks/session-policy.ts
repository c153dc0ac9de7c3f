import { randomUUID } from "node:crypto";
import type { HooksConfig, SessionMode } from "./config.js";

/**
 * Where a session key came from: the caller's request body, a fixed mapping key, or a mapping
 * template filled from the payload (which is as untrusted as a request key).
 */
export type SessionKeySource = "request" | "static" | "template";

/** The key a hook names before it is scoped to an agent (`hook:<uuid>`, `github:pr-12`, …). */
export type LogicalSession = { ok: true; logicalKey: string; generated: boolean } | { ok: false; message: string };

export const GENERATED_KEY_PREFIX = "hook:";

export function normalisedPrefixes(prefixes: readonly string[] | undefined): string[] {
  return (prefixes ?? []).map((p) => p.trim().toLowerCase()).filter((p) => p !== "");
}

/** `agent:<id>:<rest>` → `<rest>`; other keys unchanged. */
export function withoutAgentScope(key: string): string {
  const match = /^agent:[^:]+:(.+)$/i.exec(key);
  return match ? match[1] : key;
}

/** Case-insensitive; an agent-scoped key is checked by what follows its agent id. No prefixes: anything goes. */
export function keyAllowedByPrefixes(key: string, prefixes: readonly string[]): boolean {
  if (prefixes.length === 0) return true;
  const lower = key.trim().toLowerCase();
  const rest = withoutAgentScope(lower);
  return prefixes.some((p) => lower.startsWith(p) || rest.startsWith(p));
}

function notAllowedByPrefixes(key: string): LogicalSession {
  return { ok: false, message: `sessionKey "${key}" is not allowed by hooks.allowedSessionKeyPrefixes` };
}

/**
 * Picks the logical session of an agent run: the request's or mapping's key (subject to the
 * caller-key opt-in and the prefix allowlist), else `hooks.defaultSessionKey`, else a fresh `hook:<uuid>`.
 */
export function resolveLogicalSession(hooks: HooksConfig, key: string | undefined, source: SessionKeySource, mode: SessionMode): LogicalSession {
  const prefixes = hooks.allowedSessionKeyPrefixes;
  if (key !== undefined) {
    if (key.trim() === "") return { ok: false, message: source === "template" ? "mapping sessionKey rendered an empty value" : "sessionKey must not be empty" };
    if (source !== "static" && !hooks.allowRequestSessionKey) {
      return { ok: false, message: "sessionKey is not allowed: set hooks.allowRequestSessionKey to true to accept caller session keys" };
    }
    if (mode === "persistent" && source === "request" && prefixes.length === 0) {
      return { ok: false, message: 'sessionMode "persistent" requires a non-empty hooks.allowedSessionKeyPrefixes' };
    }
    if (!keyAllowedByPrefixes(key, prefixes)) return notAllowedByPrefixes(key);
    return { ok: true, logicalKey: key.trim(), generated: false };
  }
  if (mode === "persistent" && source === "request") {
    return { ok: false, message: 'sessionMode "persistent" requires a sessionKey (with hooks.allowRequestSessionKey and hooks.allowedSessionKeyPrefixes)' };
  }
  if (hooks.defaultSessionKey !== undefined) {
    if (!keyAllowedByPrefixes(hooks.defaultSessionKey, prefixes)) return notAllowedByPrefixes(hooks.defaultSessionKey);
    return { ok: true, logicalKey: hooks.defaultSessionKey, generated: false };
  }
  if (mode === "persistent") return { ok: false, message: 'sessionMode "persistent" requires a mapping sessionKey or hooks.defaultSessionKey' };
  if (!keyAllowedByPrefixes(GENERATED_KEY_PREFIX, prefixes)) {
    return { ok: false, message: 'generated "hook:<uuid>" session keys are not allowed by hooks.allowedSessionKeyPrefixes; set hooks.defaultSessionKey' };
  }
  return { ok: true, logicalKey: `${GENERATED_KEY_PREFIX}${randomUUID()}`, generated: true };
}

/**
 * The stored session a run goes to. Agent-scoped keys are re-scoped to the selected agent.
 * Isolated runs under a stable logical key get a session of their own (`…:run:<runId>`), so
 * they start with no earlier context; persistent runs (and fresh generated keys) use the key itself.
 */
export function storedSessionKey(agentId: string, session: { logicalKey: string; generated: boolean }, mode: SessionMode, runId: string): string {
  const base = `agent:${agentId}:${withoutAgentScope(session.logicalKey).toLowerCase()}`;
  return mode === "persistent" || session.generated ? base : `${base}:run:${runId}`;
}
