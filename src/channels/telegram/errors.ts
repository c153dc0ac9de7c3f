import { ChannelSendError } from "../types.js";

/** What the Bot API said when it refused a call (grammY's GrammyError, read by shape). */
export type BotApiFailure = { code: number; description: string; retryAfterSeconds?: number };

export const TOKEN_REFUSED = "Telegram refused the bot token (401 Unauthorized); get a valid token from @BotFather";

export function botApiFailure(err: unknown): BotApiFailure | undefined {
  if (!err || typeof err !== "object") return undefined;
  const { error_code, description, parameters } = err as { error_code?: unknown; description?: unknown; parameters?: { retry_after?: unknown } };
  if (typeof error_code !== "number") return undefined;
  const retryAfter = parameters?.retry_after;
  return {
    code: error_code,
    description: typeof description === "string" ? description : "",
    ...(typeof retryAfter === "number" && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}

function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join("<token>") : text;
}

/** One line for logs and status; never contains the token (network errors can quote the URL). */
export function describeBotApiError(err: unknown, token?: string): string {
  const failure = botApiFailure(err);
  if (failure) return `${failure.code} ${failure.description}`.trim();
  if (err instanceof Error) {
    const cause = (err as { error?: unknown }).error;
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return redact(`${err.message}${detail}`, token);
  }
  return redact(String(err), token);
}

/** Fails a connection attempt so that core stops the account instead of retrying. */
export function tokenRefused(): Error {
  const err = new Error(TOKEN_REFUSED);
  (err as Error & { fatal?: boolean }).fatal = true;
  return err;
}

/**
 * 429 pauses the chat for `retry_after`; 400 (chat not found, message too long, bad thread),
 * 401, 403 (blocked, kicked) and 404 cannot succeed on retry; the rest (5xx, network) can.
 */
export function toSendError(method: string, err: unknown, token?: string): ChannelSendError {
  const message = `telegram ${method}: ${describeBotApiError(err, token)}`;
  const failure = botApiFailure(err);
  if (!failure) return new ChannelSendError(message);
  if (failure.code === 429) return new ChannelSendError(message, { retryAfterMs: (failure.retryAfterSeconds ?? 1) * 1000 });
  const permanent = failure.code === 400 || failure.code === 401 || failure.code === 403 || failure.code === 404;
  return new ChannelSendError(message, { permanent });
}
