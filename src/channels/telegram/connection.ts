import type { Api } from "grammy";
import type { ChannelConnection, ConnectContext, ConnectionEnd } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { apiSignal, createApi } from "./api.js";
import { syncCommandMenu } from "./commands.js";
import { TOKEN_MISSING } from "./config.js";
import { botApiFailure, describeBotApiError, tokenRefused } from "./errors.js";
import type { BotIdentity } from "./normalize.js";
import { telegramOutbound } from "./outbound.js";
import { pollUpdates } from "./polling.js";
import { claimToken } from "./token-registry.js";
import { listenForWebhooks, type WebhookListener } from "./webhook-listener.js";
import { registerWebhook, watchWebhook } from "./webhook.js";

/** getMe, deleteWebhook/setWebhook and the menu sync must finish within this. */
const CONNECT_TIMEOUT_MS = 30_000;
/** After close(), how long the loop may take to notice (it may be inside a slow receive). */
const CLOSE_GRACE_MS = 3_000;

type Fatal = Error & { fatal?: boolean; retryAfterMs?: number };

/**
 * A failed connection attempt as one clear error. Fatal (core stops the account): a refused
 * token, or a webhook URL Telegram rejects (400). A 429 carries its wait as `retryAfterMs`.
 */
function connectError(err: unknown, step: string, token: string): Error {
  if (err instanceof Error && (err as Fatal).fatal) return err;
  const failure = botApiFailure(err);
  if (failure?.code === 401) return tokenRefused();
  const out: Fatal = new Error(`Telegram ${step} failed: ${describeBotApiError(err, token)}`);
  if (failure?.code === 429) out.retryAfterMs = (failure.retryAfterSeconds ?? 1) * 1000;
  if (failure?.code === 400 && step === "setWebhook") out.fatal = true;
  return out;
}

async function identify(api: Api, signal: AbortSignal): Promise<BotIdentity> {
  const me = await api.getMe(apiSignal(signal));
  return { id: me.id, ...(me.username ? { username: me.username } : {}) };
}

/**
 * One Telegram connection: getMe, then the transport (long polling, or a webhook listener),
 * then the command menu. Resolves once updates flow; `closed` says why it ended.
 */
export async function connectTelegram(ctx: ConnectContext<TelegramAccount>): Promise<ChannelConnection> {
  const { account } = ctx;
  const token = account.token;
  if (!token) throw Object.assign(new Error(TOKEN_MISSING), { fatal: true });
  if (ctx.signal.aborted) throw new Error("Telegram: the account stopped before it connected");
  const claim = claimToken(token, { accountId: ctx.accountId, mode: account.mode });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener("abort", onAbort, { once: true });

  let listener: WebhookListener | undefined;
  let step = "getMe";
  let api: Api;
  let self: BotIdentity;
  const deadline = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  const setup = AbortSignal.any([stop.signal, deadline]);
  try {
    api = await createApi(account);
    self = await identify(api, setup);
    ctx.activity();
    ctx.setStatus({ mode: account.mode, botId: self.id, botUsername: self.username ?? null });
    if (account.webhook) {
      step = "webhook listener";
      listener = await listenForWebhooks(account.webhook, ctx, self);
      ctx.setStatus({ webhookPath: account.webhook.path, webhookPort: listener.port });
      step = "setWebhook";
      await registerWebhook(api, account.webhook, setup);
    } else {
      step = "deleteWebhook";
      await api.deleteWebhook({ drop_pending_updates: false }, apiSignal(setup));
    }
    await syncCommandMenu(api, ctx, self.id, setup);
    if (setup.aborted) throw new Error("connect interrupted");
  } catch (err) {
    ctx.signal.removeEventListener("abort", onAbort);
    stop.abort();
    await listener?.close();
    claim.release();
    if (ctx.signal.aborted) throw new Error("Telegram: the account stopped while connecting");
    if (deadline.aborted) throw new Error(`Telegram ${step} timed out after ${CONNECT_TIMEOUT_MS / 1000} s`);
    throw connectError(err, step, token);
  }

  const run: Promise<ConnectionEnd> = (account.webhook ? watchWebhook(api, ctx, account.webhook, stop.signal) : pollUpdates(api, ctx, self, stop.signal)).catch(
    (err: unknown) => ({ error: describeBotApiError(err, token) }),
  );
  let finished = false;
  const closed = new Promise<ConnectionEnd>((resolve) => {
    const finish = async (end: ConnectionEnd) => {
      if (finished) return;
      finished = true;
      ctx.signal.removeEventListener("abort", onAbort);
      stop.abort();
      await listener?.close().catch(() => undefined);
      claim.release();
      if (end.error) ctx.log.debug(`telegram: connection ended: ${end.error}`);
      resolve(end);
    };
    void run.then(finish);
    stop.signal.addEventListener("abort", () => setTimeout(() => void finish({}), CLOSE_GRACE_MS).unref(), { once: true });
  });

  const outbound = telegramOutbound(api, token);
  return {
    closed,
    async close() {
      stop.abort();
      await closed;
    },
    sendText: outbound.sendText,
    editText: outbound.editText,
    sendTyping: outbound.sendTyping,
    selfId: () => self.username,
  };
}
