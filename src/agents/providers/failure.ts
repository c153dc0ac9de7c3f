import { ProviderError, type FailureReason } from "./types.js";

/** Who was being called, so an error can name it and scrub its key. */
export type FailureContext = { provider: string; model: string; apiKey?: string; signal?: AbortSignal };

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined;

const MAX_MESSAGE_CHARS = 600;
const MIN_SECRET_CHARS = 4;

const BEARER_TOKEN = /\bBearer\s+[A-Za-z0-9._~+\/=-]+/gi;
const SK_KEY = /\bsk-[A-Za-z0-9_*.-]{3,}/g;
const KEY_ASSIGNMENT = /\b(x-api-key|api[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

/** Removes the configured key and anything key-shaped; what is left is safe to log and to show. */
export function scrubSecrets(text: string, apiKey?: string): string {
  let out = text;
  if (apiKey && apiKey.length >= MIN_SECRET_CHARS) out = out.split(apiKey).join("***");
  out = out.replace(BEARER_TOKEN, "Bearer ***").replace(SK_KEY, "sk-***");
  out = out.replace(KEY_ASSIGNMENT, (_match, name: string, separator: string) => `${name}${separator}***`);
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS)}…` : out;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `retry-after-ms`, else `retry-after` as seconds or as an HTTP date. */
export function parseRetryAfter(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(header(headers, "retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = header(headers, "retry-after")?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number.parseFloat(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CONTEXT_OVERFLOW =
  /context[ _-]?(length|window)|maximum context|prompt is too long|too many tokens|input is too long|reduce the length|exceeds the (model'?s )?(context|maximum)|request_too_large/i;
const BILLING = /insufficient[_ ]quota|credit balance|billing|payment required|quota exceeded/i;
const NETWORK =
  /ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+|socket hang up|terminated|fetch failed|other side closed|network|connection error/i;

/** Statuses servers use for "the prompt does not fit" (local servers often answer 500). */
const OVERFLOW_STATUSES = new Set([400, 413, 422, 500]);
/** Statuses under which "quota" or "billing" means an account problem (OpenAI's insufficient_quota is a 429). */
const BILLING_STATUSES = new Set([400, 402, 403, 429]);

/** The failure class of an HTTP status, refined by what the body says. */
export function reasonForStatus(status: number, message: string): FailureReason {
  if (status === 413 || (OVERFLOW_STATUSES.has(status) && CONTEXT_OVERFLOW.test(message))) return "context_overflow";
  if (status === 402 || (BILLING_STATUSES.has(status) && BILLING.test(message))) return "billing";
  if (status === 401) return "auth";
  if (status === 403) return "auth_permanent";
  if (status === 404) return "model_not_found";
  if (status === 408 || status === 504) return "timeout";
  if (status === 429) return "rate_limit";
  if (status === 503 || status === 529) return "overloaded";
  if (status === 400 || status === 422) return "format";
  if (status >= 500) return "server_error";
  return "format";
}

/** Error types and codes that arrive without an HTTP status (inside a stream or an error event). */
function reasonForCode(code: string, message: string): FailureReason | undefined {
  const c = code.toLowerCase();
  if (CONTEXT_OVERFLOW.test(c) || CONTEXT_OVERFLOW.test(message)) return "context_overflow";
  if (BILLING.test(c)) return "billing";
  if (c.includes("overloaded")) return "overloaded";
  if (c.includes("rate_limit")) return "rate_limit";
  if (c.includes("authentication") || c.includes("invalid_api_key")) return "auth";
  if (c.includes("permission")) return "auth_permanent";
  if (c.includes("not_found")) return "model_not_found";
  if (c.includes("timeout")) return "timeout";
  if (c === "api_error" || c.includes("server_error") || c.includes("internal")) return "server_error";
  if (c.includes("invalid")) return "format";
  return undefined;
}

export function failureFromStatus(
  status: number,
  message: string,
  headers: HeaderSource,
  ctx: FailureContext,
): ProviderError {
  const reason = reasonForStatus(status, message);
  const text = scrubSecrets(message.startsWith(String(status)) ? message : `${status} ${message}`, ctx.apiKey);
  const retryAfterMs = reason === "rate_limit" || reason === "overloaded" ? parseRetryAfter(headers) : undefined;
  return new ProviderError(text, reason, { provider: ctx.provider, model: ctx.model, status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
}

/** The innermost `{type, code, message}` of bodies like `{type: "error", error: {...}}`. */
function innermost(payload: unknown): Record<string, unknown> {
  let inner = (payload && typeof payload === "object" ? payload : {}) as Record<string, unknown>;
  for (let depth = 0; depth < 3 && inner.error && typeof inner.error === "object"; depth++) inner = inner.error as Record<string, unknown>;
  return inner;
}

/** A failure reported inside a stream or an error event: `{error: {type, code, message}}` or flatter. */
export function failureFromPayload(payload: unknown, ctx: FailureContext): ProviderError {
  const inner = innermost(payload);
  const message =
    typeof inner.message === "string" ? inner.message : typeof inner.error === "string" ? inner.error : JSON.stringify(payload ?? null);
  const code = [inner.code, inner.type].filter((v): v is string => typeof v === "string").join(" ");
  const reason = reasonForCode(code, message) ?? "server_error";
  return new ProviderError(scrubSecrets(message, ctx.apiKey), reason, { provider: ctx.provider, model: ctx.model });
}

function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    parts.push([e.name, e.code, e.message].filter((v) => typeof v === "string").join(" "));
    current = e.cause;
  }
  return parts.join(" <- ");
}

function isAbortLike(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  return name === "AbortError" || name === "APIUserAbortError";
}

/**
 * Any error from an SDK, fetch or a stream, as a ProviderError. Our own signal having fired wins
 * over whatever the transport reported, because that is the real cause.
 */
export function classifyFailure(error: unknown, ctx: FailureContext): ProviderError {
  if (error instanceof ProviderError) return error;
  const details = { provider: ctx.provider, model: ctx.model };
  if (ctx.signal?.aborted) return abortedError(ctx);
  const e = (error ?? {}) as { status?: unknown; headers?: HeaderSource; error?: unknown; message?: unknown; name?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  if (typeof e.status === "number" && e.status >= 400) {
    const bodyMessage = innermost(e.error).message;
    return failureFromStatus(e.status, typeof bodyMessage === "string" ? bodyMessage : message, e.headers, ctx);
  }
  if (e.error && typeof e.error === "object") return failureFromPayload(e.error, ctx);
  if (e.name === "APIConnectionTimeoutError" || e.name === "TimeoutError" || /timed? ?out/i.test(message)) {
    return new ProviderError(scrubSecrets(message, ctx.apiKey), "timeout", details);
  }
  const chain = causeChain(error);
  if (NETWORK.test(chain) || isAbortLike(error)) {
    return new ProviderError(scrubSecrets(`network error: ${chain}`, ctx.apiKey), "network", details);
  }
  return new ProviderError(scrubSecrets(message, ctx.apiKey), "server_error", details);
}

/** The abort a caller asked for, as the error every adapter throws for it. */
export function abortedError(ctx: FailureContext): ProviderError {
  return new ProviderError("request aborted", "aborted", { provider: ctx.provider, model: ctx.model });
}
