import type { Api } from "grammy";
import type { ConnectContext, ConnectionEnd } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { ALLOWED_UPDATES, apiSignal } from "./api.js";
import { botApiFailure, describeBotApiError, TOKEN_REFUSED } from "./errors.js";
import { normalizeUpdate, type BotIdentity } from "./normalize.js";
import { pause } from "../pause.js";

/** Durable state key: the next `offset` to ask getUpdates for (last committed update_id + 1). */
export const OFFSET_KEY = "offset";

export const CONFLICT_RETRY_MS = 30_000;
/** Longer 429 waits end the connection (with retryAfterMs) rather than outlast the silence watchdog. */
const MAX_INLINE_WAIT_MS = 30_000;
const RECEIVE_RETRY_MS = 500;
const RECEIVE_RETRY_MAX_MS = 30_000;

function storedOffset(ctx: ConnectContext<TelegramAccount>): number | undefined {
  const raw = ctx.state.get(OFFSET_KEY);
  const n = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function conflictEnd(description: string): ConnectionEnd {
  const who = /webhook/i.test(description) ? "a webhook is set for this bot token" : "another process is polling this bot token";
  return { error: `409 Conflict: ${who} (${description})`, retryAfterMs: CONFLICT_RETRY_MS };
}

/**
 * Long-polls getUpdates until `signal` aborts or the link fails; resolves with why it ended.
 * An update is acknowledged (the offset moves past it, durably) only once `ctx.receive`
 * committed it; if receive fails, the same batch is fetched again after a backoff.
 */
export async function pollUpdates(api: Api, ctx: ConnectContext<TelegramAccount>, self: BotIdentity, signal: AbortSignal): Promise<ConnectionEnd> {
  const timeout = ctx.account.pollTimeoutSeconds;
  let offset = storedOffset(ctx);
  let receiveFailures = 0;
  while (!signal.aborted) {
    let updates: unknown[];
    try {
      updates = await api.getUpdates({ ...(offset !== undefined ? { offset } : {}), timeout, allowed_updates: ALLOWED_UPDATES }, apiSignal(signal));
    } catch (err) {
      if (signal.aborted) break;
      const failure = botApiFailure(err);
      if (failure?.code === 409) return conflictEnd(failure.description);
      if (failure?.code === 401) return { error: TOKEN_REFUSED, fatal: true };
      if (failure?.code === 429) {
        ctx.activity();
        const waitMs = (failure.retryAfterSeconds ?? 1) * 1000;
        if (waitMs > MAX_INLINE_WAIT_MS) return { error: `getUpdates: ${describeBotApiError(err)}`, retryAfterMs: waitMs };
        ctx.log.warn(`telegram: getUpdates rate limited, waiting ${waitMs} ms`);
        await pause(waitMs, signal);
        continue;
      }
      return { error: `getUpdates: ${describeBotApiError(err, ctx.account.token)}` };
    }
    ctx.activity();
    let failed = false;
    for (const update of updates) {
      const updateId = (update as { update_id?: unknown }).update_id;
      if (typeof updateId !== "number" || !Number.isSafeInteger(updateId)) continue;
      try {
        const message = normalizeUpdate(update, self, ctx.accountId);
        if (message) await ctx.receive(message);
        offset = updateId + 1;
        ctx.state.set(OFFSET_KEY, String(offset));
      } catch (err) {
        failed = true;
        receiveFailures++;
        ctx.log.warn(`telegram: update ${updateId} not committed, fetching it again: ${err instanceof Error ? err.message : String(err)}`);
        break;
      }
      if (signal.aborted) break;
    }
    if (failed) await pause(Math.min(RECEIVE_RETRY_MS * 2 ** (receiveFailures - 1), RECEIVE_RETRY_MAX_MS), signal);
    else receiveFailures = 0;
  }
  return {};
}
