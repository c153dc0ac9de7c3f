import type { Api } from "grammy";
import type { ConnectContext, ConnectionEnd } from "../types.js";
import type { TelegramAccount, WebhookSettings } from "./account.js";
import { ALLOWED_UPDATES, apiSignal } from "./api.js";
import { botApiFailure, describeBotApiError, TOKEN_REFUSED } from "./errors.js";
import { pause } from "../pause.js";

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/** Registers the webhook; Telegram keeps it (and queues updates) while the gateway is down. */
export async function registerWebhook(api: Api, settings: WebhookSettings, signal: AbortSignal): Promise<void> {
  await api.setWebhook(settings.url, { secret_token: settings.secret, allowed_updates: ALLOWED_UPDATES }, apiSignal(signal));
}

/**
 * A webhook is silent while nobody writes, so the connection checks itself with getWebhookInfo
 * every poll interval: that feeds the silence watchdog and notices another process taking the
 * token over (the webhook URL changed, or removed by someone polling).
 */
export async function watchWebhook(api: Api, ctx: ConnectContext<TelegramAccount>, settings: WebhookSettings, signal: AbortSignal): Promise<ConnectionEnd> {
  const intervalMs = Math.max(ctx.account.pollTimeoutSeconds, 1) * 1000;
  let lastReported: string | undefined;
  while (!signal.aborted) {
    await pause(intervalMs, signal);
    if (signal.aborted) break;
    try {
      const info = await api.getWebhookInfo(apiSignal(signal));
      ctx.activity();
      if (!sameUrl(info.url ?? "", settings.url)) {
        return { error: "409 Conflict: the webhook of this bot token was replaced (another process uses this token)", retryAfterMs: 30_000 };
      }
      const lastError = info.last_error_message ?? "";
      if (lastError !== lastReported) {
        lastReported = lastError;
        ctx.setStatus({ webhookLastError: lastError || null, webhookPendingUpdates: info.pending_update_count });
      }
    } catch (err) {
      if (signal.aborted) break;
      if (botApiFailure(err)?.code === 401) return { error: TOKEN_REFUSED, fatal: true };
      ctx.log.debug(`telegram: getWebhookInfo failed: ${describeBotApiError(err, ctx.account.token)}`);
    }
  }
  return {};
}
