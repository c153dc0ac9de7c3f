import type { ServerResponse } from "node:http";
import type { RunOutcome } from "../../agents/types.js";
import { ErrorCodes, GatewayError } from "../../protocol/errors.js";
import { SECURITY_HEADERS } from "../probes.js";

/** A validated request part, or the message of the 400 that refuses it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** zod's names for the kinds of value, as in its "Expected x, received y" messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export type OpenAiError = { message: string; type: string; code?: string };

/** What a failed request answers with: an HTTP status and the OpenAI-style error object. */
export type MappedFailure = { status: number; error: OpenAiError };

export const INTERNAL_FAILURE: MappedFailure = { status: 500, error: { message: "internal error", type: "api_error" } };

/** Node appends Content-Length itself (after Connection/Keep-Alive), as the official gateway's answers show. */
export function sendApiJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...SECURITY_HEADERS, "Content-Type": "application/json; charset=utf-8", ...extraHeaders })) {
    res.setHeader(name, value);
  }
  res.end(text);
}

export function sendApiError(res: ServerResponse, status: number, message: string, type = "invalid_request_error", extraHeaders: Record<string, string> = {}): void {
  sendApiJson(res, status, { error: { message, type } }, extraHeaders);
}

export function sendFailure(res: ServerResponse, failure: MappedFailure): void {
  sendApiJson(res, failure.status, { error: failure.error });
}

export function sendPlainText(res: ServerResponse, status: number, text: string, extraHeaders: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries({ ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", ...extraHeaders })) {
    res.setHeader(name, value);
  }
  res.end(text);
}

export function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  sendPlainText(res, 405, "Method Not Allowed", { Allow: allow });
}

/** The common missing-scope answer of the gateway's JSON routes (not the OpenAI error shape). */
export function sendMissingScope(res: ServerResponse, scope: string): void {
  sendApiJson(res, 403, { ok: false, error: { type: "forbidden", message: `missing scope: ${scope}` } });
}

type ReasonDefault = { status: number; type: string; message?: string };

const REASON_DEFAULTS: Record<string, ReasonDefault> = {
  auth: { status: 401, type: "authentication_error" },
  auth_permanent: { status: 403, type: "permission_error" },
  rate_limit: { status: 429, type: "rate_limit_error" },
  billing: { status: 402, type: "insufficient_quota" },
  format: { status: 400, type: "invalid_request_error" },
  context_overflow: { status: 413, type: "invalid_request_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  session_expired: { status: 410, type: "invalid_request_error" },
  overloaded: { status: 503, type: "api_error", message: "upstream provider overloaded" },
  server_error: { status: 502, type: "api_error", message: "upstream provider error" },
  network: { status: 502, type: "api_error", message: "upstream provider error" },
  tls: { status: 502, type: "api_error", message: "upstream provider error" },
  timeout: { status: 504, type: "api_error", message: "upstream provider timeout" },
};

/** Maps a run that did not end `ok` to the status and error a non-streaming caller gets. */
export function failureOfOutcome(outcome: RunOutcome): MappedFailure {
  const reason = outcome.error?.reason ?? (outcome.status === "timeout" ? "timeout" : undefined);
  const known = reason ? REASON_DEFAULTS[reason] : undefined;
  if (!known) return INTERNAL_FAILURE;
  const providerStatus = outcome.error?.status;
  // A provider's own 4xx says more than the class default; its 5xx all mean "upstream failed".
  const status = providerStatus !== undefined && providerStatus >= 400 && providerStatus < 500 ? providerStatus : known.status;
  const message = known.message ?? (outcome.error?.message || "upstream provider error");
  return { status, error: { message, type: known.type } };
}

/** Maps what `submit` or `embed` throws before a run exists. */
export function failureOfThrown(err: unknown): MappedFailure {
  if (!(err instanceof GatewayError)) return INTERNAL_FAILURE;
  switch (err.shape.code) {
    case ErrorCodes.invalidRequest:
      return { status: 400, error: { message: err.shape.message, type: "invalid_request_error" } };
    case ErrorCodes.forbidden:
      return { status: 403, error: { message: err.shape.message, type: "forbidden" } };
    case ErrorCodes.unavailable:
      return { status: 503, error: { message: err.shape.message, type: "api_error" } };
    default:
      return INTERNAL_FAILURE;
  }
}
