/** Test helper: a ConnectContext that records what the adapter hands to core. Not used by the gateway. */
import { createLogger, logSink } from "../../infra/logger.js";
import type { ConnectContext, InboundMessage } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { resolveTelegramAccounts } from "./config.js";

logSink.configure({ fileLevel: "silent", consoleLevel: process.env.TELEGRAM_TEST_LOG ? "debug" : "silent" });

export type FakeContext = {
  ctx: ConnectContext<TelegramAccount>;
  received: InboundMessage[];
  status: Record<string, unknown>;
  state: Map<string, string>;
  activity(): number;
  stop(): void;
};

/** The account `settings` resolve to as the default account, with no environment. */
export function accountFrom(settings: Record<string, unknown>): TelegramAccount {
  const resolved = resolveTelegramAccounts(settings, {}).accounts[0];
  if (!resolved.configured) throw new Error(resolved.unconfiguredReason);
  return resolved.account;
}

export function fakeContext(
  account: TelegramAccount,
  opts: { accountId?: string; state?: Map<string, string>; receive?: (m: InboundMessage) => Promise<void> } = {},
): FakeContext {
  const received: InboundMessage[] = [];
  const status: Record<string, unknown> = {};
  const state = opts.state ?? new Map<string, string>();
  const controller = new AbortController();
  let activity = 0;
  const ctx: ConnectContext<TelegramAccount> = {
    accountId: opts.accountId ?? "default",
    account,
    signal: controller.signal,
    async receive(message) {
      if (opts.receive) await opts.receive(message);
      received.push(message);
    },
    activity: () => void activity++,
    setStatus: (patch) => void Object.assign(status, patch),
    state: { get: (k) => state.get(k) ?? null, set: (k, v) => void state.set(k, v) },
    credentialsDir: () => {
      throw new Error("telegram needs no credentials directory");
    },
    log: createLogger("channels/telegram/test"),
  };
  return { ctx, received, status, state, activity: () => activity, stop: () => controller.abort() };
}

export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
