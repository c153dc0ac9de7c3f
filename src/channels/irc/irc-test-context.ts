/**
 * Test helpers for the IRC adapter (not a *.test.ts file): a minimal ConnectContext that records
 * what the adapter hands core, and an IrcAccount from settings as the config would give them.
 */
import { createLogger, type Logger } from "../../infra/logger.js";
import type { ConnectContext, InboundMessage } from "../types.js";
import { resolveIrcAccount, type IrcAccount } from "./irc-config.js";

export type FakeContext = {
  ctx: ConnectContext<IrcAccount>;
  received: InboundMessage[];
  statuses: Record<string, unknown>[];
  /** Every message logged, at any level. */
  logs: string[];
  activity: { count: number };
  abort: AbortController;
  /** Resolves with the n-th received message (1-based) once it arrived. */
  waitForReceived(n: number, timeoutMs?: number): Promise<InboundMessage>;
};

export function ircAccount(settings: Record<string, unknown>, overrides: Partial<IrcAccount> = {}): IrcAccount {
  const resolved = resolveIrcAccount("default", settings, {});
  if (!resolved.configured) throw new Error(`test account not configured: ${resolved.unconfiguredReason}`);
  return { ...resolved.account, ...overrides };
}

export function fakeContext(account: IrcAccount, opts: { receive?: (m: InboundMessage) => Promise<void> } = {}): FakeContext {
  const received: InboundMessage[] = [];
  const statuses: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const activity = { count: 0 };
  const abort = new AbortController();
  const state = new Map<string, string>();
  const listeners = new Set<() => void>();
  const base = createLogger("channels/irc/test");
  const record =
    (level: "trace" | "debug" | "info" | "warn" | "error") =>
    (message: string): void => {
      logs.push(`${level}: ${message}`);
      base[level](message);
    };
  const log: Logger = { subsystem: base.subsystem, enabled: base.enabled, trace: record("trace"), debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  const ctx: ConnectContext<IrcAccount> = {
    accountId: "default",
    account,
    signal: abort.signal,
    async receive(message) {
      await opts.receive?.(message);
      received.push(message);
      for (const l of [...listeners]) l();
    },
    activity: () => void activity.count++,
    setStatus: (patch) => void statuses.push(patch),
    state: { get: (k) => state.get(k) ?? null, set: (k, v) => void state.set(k, v) },
    credentialsDir: () => {
      throw new Error("IRC keeps no credentials on disk");
    },
    log,
  };
  const waitForReceived = (n: number, timeoutMs = 5000) =>
    new Promise<InboundMessage>((resolve, reject) => {
      const check = () => {
        if (received.length < n) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(received[n - 1]);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs}ms waiting for inbound message #${n}; got ${JSON.stringify(received.map((m) => m.text))}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { ctx, received, statuses, logs, activity, abort, waitForReceived };
}
