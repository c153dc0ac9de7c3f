import type { IncomingMessage, ServerResponse } from "node:http";
import { sendApiError } from "./openai/errors.js";

export const BODY_READ_TIMEOUT_MS = 30_000;

export type BodyFailure = { ok: false; status: 400 | 408 | 413; message: string };
export type BodyResult = { ok: true; value: unknown } | BodyFailure;

const TOO_LARGE: BodyFailure = { ok: false, status: 413, message: "Payload too large" };
const TIMED_OUT: BodyFailure = { ok: false, status: 408, message: "Request body timeout" };
const INVALID_JSON: BodyFailure = { ok: false, status: 400, message: "Invalid JSON body." };
const ABORTED: BodyFailure = { ok: false, status: 400, message: "Request body aborted" };

/**
 * Reads a JSON request body of at most `maxBytes`; an empty body is `{}`. Stops reading (and never
 * holds more than the cap) as soon as the declared or received size passes it.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number, timeoutMs = BODY_READ_TIMEOUT_MS): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.pause();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("aborted", onAbort);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish(TOO_LARGE);
      chunks.push(chunk);
    };
    const onEnd = () => finish(parseJson(Buffer.concat(chunks, size).toString("utf8")));
    const onAbort = () => finish(ABORTED);
    const timer = setTimeout(() => finish(TIMED_OUT), timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("aborted", onAbort);
  });
}

function parseJson(text: string): BodyResult {
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return INVALID_JSON;
  }
}

/** A body we stopped reading leaves the connection unusable, so those answers close it. */
export function sendBodyFailure(res: ServerResponse, failure: BodyFailure): void {
  sendApiError(res, failure.status, failure.message, "invalid_request_error", failure.status === 400 ? {} : { Connection: "close" });
}
