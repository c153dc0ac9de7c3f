/**
 * What a Baileys close means. Its `lastDisconnect.error` is a Boom whose `output.statusCode` is
 * one of Baileys' `DisconnectReason`s (or a stream-error code WhatsApp sent).
 */
import type { ConnectionEnd } from "../types.js";

/** Another client took over this login (a second gateway, WhatsApp Web elsewhere): back off long. */
const REPLACED_RETRY_MS = 60_000;

export type CloseKind =
  /** 401: the device was unlinked; the stored login is useless. */
  | "loggedOut"
  /** 515: the server asks for a fresh socket (always right after pairing). */
  | "restartRequired"
  /** 440: another connection with the same login replaced ours. */
  | "replaced"
  /** 403 banned, 411 multi-device mismatch: retrying cannot help. */
  | "refused"
  /** 408, 428, 499, 500, 503, network errors, no error: try again later. */
  | "transient";

export type CloseReason = { kind: CloseKind; statusCode?: number; message: string };

function statusCodeOf(error: unknown): number | undefined {
  const e = error as { output?: { statusCode?: unknown }; statusCode?: unknown } | undefined;
  const code = e?.output?.statusCode ?? e?.statusCode;
  return typeof code === "number" ? code : undefined;
}

export function classifyClose(error: unknown): CloseReason {
  const statusCode = statusCodeOf(error);
  const text = error instanceof Error ? error.message : typeof error === "string" ? error : "connection closed";
  const message = statusCode !== undefined ? `${text} (${statusCode})` : text;
  const kind: CloseKind =
    statusCode === 401 ? "loggedOut"
    : statusCode === 515 ? "restartRequired"
    : statusCode === 440 ? "replaced"
    : statusCode === 403 || statusCode === 411 ? "refused"
    : "transient";
  return { kind, ...(statusCode !== undefined ? { statusCode } : {}), message };
}

const RELINK_HINT = "run openclaw channels login --channel whatsapp";

function relinkHint(accountId: string): string {
  return accountId === "default" ? RELINK_HINT : `${RELINK_HINT} --account ${accountId}`;
}

/** How core should treat the end of an open connection. */
export function connectionEndOf(reason: CloseReason, accountId: string): ConnectionEnd {
  switch (reason.kind) {
    case "loggedOut":
      return { loggedOut: true, error: `logged out by WhatsApp: ${reason.message}; ${relinkHint(accountId)}` };
    case "restartRequired":
      return { error: `restart required: ${reason.message}`, retryAfterMs: 0 };
    case "replaced":
      return { error: `replaced by another WhatsApp Web session: ${reason.message}`, retryAfterMs: REPLACED_RETRY_MS };
    case "refused":
      return { fatal: true, error: `WhatsApp refused the connection: ${reason.message}` };
    case "transient":
      return { error: reason.message };
  }
}

/** A failed `connect()`: core reads `loggedOut`, `fatal` and `retryAfterMs` off the error. */
export class WhatsAppConnectError extends Error {
  readonly loggedOut?: boolean;
  readonly fatal?: boolean;
  readonly retryAfterMs?: number;
  constructor(end: ConnectionEnd) {
    super(end.error ?? "WhatsApp connection failed");
    this.name = "WhatsAppConnectError";
    if (end.loggedOut) this.loggedOut = true;
    if (end.fatal) this.fatal = true;
    if (end.retryAfterMs !== undefined) this.retryAfterMs = end.retryAfterMs;
  }
}

/** No usable login in the auth dir: core stops the account until someone logs in. */
export function notLinkedEnd(accountId: string): ConnectionEnd {
  return { loggedOut: true, error: `WhatsApp account "${accountId}" is not linked: ${relinkHint(accountId)}` };
}
