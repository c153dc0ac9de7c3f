import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AuthRateLimiter, type RateLimitSettings } from "../../server/auth-rate-limit.js";
import { bearerToken } from "../http-auth.js";

/** Fixed, not configurable, and loopback is not exempt: hook senders are usually local relays. */
export const HOOK_RATE_LIMIT: RateLimitSettings = { maxAttempts: 20, windowMs: 60_000, lockoutMs: 60_000, exemptLoopback: false };

const CREDENTIAL_CLASS = "hook-auth";

export const QUERY_TOKEN_MESSAGE =
  "Hook token must be provided via Authorization: Bearer <token> or X-OpenClaw-Token header (query parameters are not allowed).";

export function createHookLimiter(): AuthRateLimiter {
  return new AuthRateLimiter(HOOK_RATE_LIMIT);
}

/** A non-empty Bearer token wins over `X-OpenClaw-Token`. */
export function presentedHookToken(req: IncomingMessage): string | undefined {
  const bearer = bearerToken(req);
  if (bearer) return bearer;
  const header = req.headers["x-openclaw-token"];
  return (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
export function hookTokenMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && timingSafeEqual(digest(presented), digest(expected));
}

export type HookAuthResult = { ok: true } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterSeconds: number };

/**
 * A right token always passes and clears the client's failures. A missing or wrong one counts as a
 * failure; after 20 within a minute the client's further failures are answered 429 for a minute.
 */
export function authenticateHook(req: IncomingMessage, token: string, limiter: AuthRateLimiter, now = Date.now()): HookAuthResult {
  const ip = req.socket.remoteAddress ?? "unknown";
  if (hookTokenMatches(presentedHookToken(req), token)) {
    limiter.recordSuccess(ip, CREDENTIAL_CLASS);
    return { ok: true };
  }
  const lockedMs = limiter.lockedFor(ip, CREDENTIAL_CLASS, now);
  if (lockedMs > 0) return { ok: false, status: 429, retryAfterSeconds: Math.ceil(lockedMs / 1000) };
  limiter.recordFailure(ip, CREDENTIAL_CLASS, now);
  return { ok: false, status: 401 };
}
