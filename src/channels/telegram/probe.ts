import type { ProbeResult } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { apiSignal, createApi } from "./api.js";
import { TOKEN_MISSING } from "./config.js";
import { botApiFailure, describeBotApiError, TOKEN_REFUSED } from "./errors.js";

/** getMe with a deadline, on its own client: the running connection is not touched. Never throws. */
export async function probeTelegram(account: TelegramAccount, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const elapsedMs = () => Date.now() - started;
  if (!account.token) return { ok: false, error: TOKEN_MISSING, elapsedMs: 0 };
  try {
    const api = await createApi(account);
    const me = await api.getMe(apiSignal(AbortSignal.timeout(Math.max(1, timeoutMs))));
    return { ok: true, bot: { id: me.id, username: me.username }, elapsedMs: elapsedMs() };
  } catch (err) {
    const failure = botApiFailure(err);
    if (failure?.code === 401) return { ok: false, error: TOKEN_REFUSED, elapsedMs: elapsedMs() };
    const timedOut = elapsedMs() >= timeoutMs && !failure;
    return { ok: false, error: timedOut ? `getMe timed out after ${timeoutMs} ms` : `getMe failed: ${describeBotApiError(err, account.token)}`, elapsedMs: elapsedMs() };
  }
}
