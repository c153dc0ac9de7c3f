import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../infra/logger.js";
import type { AccountSnapshot } from "./status-types.js";
import type { ChannelStore } from "../store/channel-store.js";
import { pause } from "./pause.js";
import type { ChannelAdapter, ChannelConnection, ConnectionEnd, InboundMessage, ResolvedAccount } from "./types.js";

const STABLE_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 60_000;
const MIN_BACKOFF_MS = 1000;
const RECEIVE_RETRIES_MS = [100, 500, 2000, 5000];


export type RunnerDeps = {
  store: ChannelStore;
  stateDir: string;
  log: Logger;
  /** Commits an inbound message (core's ingress); resolves once it is durable. */
  receive(message: InboundMessage): Promise<void>;
  /** The account connected (its waiting replies can go) or stopped. */
  onConnected(): void;
  /** Its lifecycle changed (connected, recovering, blocked, stopped): status views can refresh. */
  onStatusChange?(): void;
};

/** `<stateDir>/credentials/<channel>/<accountId>`, created 0700. */
export function credentialsDir(stateDir: string, channel: string, accountId: string): string {
  const dir = join(stateDir, "credentials", channel, accountId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function backoffMs(attempt: number, retryAfterMs: number | undefined): number {
  const exp = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = exp * (0.8 + Math.random() * 0.4);
  return Math.max(MIN_BACKOFF_MS, retryAfterMs ?? 0, jittered);
}

function endOfError(err: unknown): ConnectionEnd {
  const e = err as { message?: string; fatal?: boolean; loggedOut?: boolean; retryAfterMs?: number };
  return { error: e?.message ?? String(err), fatal: e?.fatal === true, loggedOut: e?.loggedOut === true, ...(typeof e?.retryAfterMs === "number" ? { retryAfterMs: e.retryAfterMs } : {}) };
}

/**
 * Keeps one account connected: connect, watch for silence, and after any disconnect try again
 * with exponential backoff and jitter (never faster than once a second). A refused login
 * (logged out, bad token) stops it with a status that says what to do.
 */
export class AccountRunner {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private live: ChannelConnection | null = null;
  private lastActivity = 0;
  private readonly snap: AccountSnapshot;

  constructor(
    readonly channel: string,
    private readonly adapter: ChannelAdapter,
    readonly resolved: ResolvedAccount<unknown>,
    private readonly deps: RunnerDeps,
  ) {
    this.snap = {
      accountId: resolved.accountId,
      enabled: resolved.enabled,
      configured: resolved.configured,
      running: false,
      connected: false,
      lifecycle: "stopped",
      healthState: "stopped",
      reconnectAttempts: 0,
      lastConnectedAt: null,
      lastDisconnect: null,
      lastError: resolved.configured ? null : (resolved.unconfiguredReason ?? "not configured"),
      lastStartAt: null,
      lastStopAt: null,
      lastInboundAt: null,
      lastOutboundAt: null,
      lastTransportActivityAt: null,
      ...resolved.summary,
    };
  }

  get connection(): ChannelConnection | null {
    return this.live;
  }

  snapshot(): AccountSnapshot {
    return { ...this.snap };
  }

  noteInbound(at = Date.now()): void {
    this.snap.lastInboundAt = at;
  }

  noteOutbound(error?: string): void {
    this.snap.lastOutboundAt = Date.now();
    if (error) this.snap.lastError = `send failed: ${error}`;
  }

  get running(): boolean {
    return this.loop !== null;
  }

  start(): void {
    if (this.loop && this.controller?.signal.aborted) {
      // Still stopping: start again once the old loop has ended.
      void this.loop.then(() => this.start());
      return;
    }
    if (this.loop) return;
    this.controller = new AbortController();
    this.snap.running = true;
    this.snap.lastStartAt = Date.now();
    this.snap.lifecycle = "starting";
    this.snap.healthState = "connecting";
    const signal = this.controller.signal;
    this.loop = this.run(signal)
      .catch((err: Error) => {
        this.snap.lastError = `channel stopped: ${err.message}`;
        this.deps.log.error(`${this.channel}/${this.resolved.accountId} stopped unexpectedly: ${err.stack ?? err.message}`);
      })
      .finally(() => {
        this.snap.running = false;
        this.snap.connected = false;
        this.snap.lastStopAt = Date.now();
        if (this.snap.lifecycle !== "blocked") {
          this.snap.lifecycle = "stopped";
          this.snap.healthState = "stopped";
        }
        this.live = null;
        this.loop = null;
        this.deps.onConnected();
        this.deps.onStatusChange?.();
      });
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { log } = this.deps;
    let attempt = 0;
    while (!signal.aborted) {
      let end: ConnectionEnd;
      let connection: ChannelConnection | null = null;
      try {
        connection = await this.adapter.connect(this.context(signal));
      } catch (err) {
        end = endOfError(err);
      }
      if (connection) {
        if (signal.aborted) {
          await connection.close().catch(() => {});
          break;
        }
        end = await this.hold(connection, signal);
        if (signal.aborted) break;
      }
      end ??= { error: "connection ended" };
      this.snap.connected = false;
      this.snap.lastDisconnect = { at: Date.now(), ...(end.error ? { error: end.error } : {}), ...(end.loggedOut ? { loggedOut: true } : {}) };
      if (end.loggedOut || end.fatal) {
        this.snap.lifecycle = "blocked";
        this.snap.healthState = "blocked";
        this.snap.lastError = end.error ?? "login refused";
        log.warn(`${this.channel}/${this.resolved.accountId} stopped: ${this.snap.lastError}`);
        this.deps.onStatusChange?.();
        return;
      }
      attempt = this.snap.lastConnectedAt !== null && Date.now() - this.snap.lastConnectedAt > STABLE_AFTER_MS && connection ? 1 : attempt + 1;
      this.snap.reconnectAttempts++;
      this.snap.lifecycle = "recovering";
      this.snap.healthState = this.snap.healthState === "stale" ? "stale" : "disconnected";
      this.snap.lastError = end.error ?? "disconnected";
      const delay = backoffMs(attempt, end.retryAfterMs);
      log.warn(`${this.channel}/${this.resolved.accountId} disconnected (${this.snap.lastError}); reconnecting in ${Math.round(delay / 100) / 10} s`);
      this.deps.onStatusChange?.();
      await pause(delay, signal);
    }
  }

  /** Serves one connection until it closes, the account stops, or it goes silent. */
  private async hold(connection: ChannelConnection, signal: AbortSignal): Promise<ConnectionEnd> {
    this.live = connection;
    this.lastActivity = Date.now();
    Object.assign(this.snap, { connected: true, lifecycle: "ready", healthState: "healthy", lastError: null, lastConnectedAt: Date.now() });
    this.deps.log.info(`${this.channel}/${this.resolved.accountId} connected`);
    this.deps.onConnected();
    this.deps.onStatusChange?.();
    let stale: string | null = null;
    const silentAfter = connection.silentAfterMs ?? this.adapter.silentAfterMs;
    const watchdog = setInterval(() => {
      const quiet = Date.now() - this.lastActivity;
      if (quiet > silentAfter && !stale) {
        stale = `no traffic from ${this.adapter.label} for ${Math.round(quiet / 1000)} s; the connection is treated as dead`;
        this.snap.healthState = "stale";
        this.snap.connected = false;
        void connection.close().catch(() => {});
      }
    }, Math.max(50, Math.min(10_000, Math.floor(silentAfter / 4))));
    watchdog.unref();
    let onAbort = () => {};
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => resolve("aborted");
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const first = await Promise.race([connection.closed, aborted]);
      if (first === "aborted") {
        await connection.close().catch(() => {});
        return {};
      }
      return stale ? { ...first, error: stale } : first;
    } finally {
      signal.removeEventListener("abort", onAbort);
      clearInterval(watchdog);
      this.live = null;
    }
  }

  /**
   * A commit that fails (a busy or full disk) is tried a few more times before the adapter hears
   * of it: IRC and WhatsApp do not deliver a message twice, so giving up early would lose it.
   */
  private async receiveWithRetry(message: InboundMessage, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.receive(message);
      } catch (err) {
        if (attempt >= RECEIVE_RETRIES_MS.length || signal.aborted) throw err;
        this.deps.log.warn(`${this.channel}/${this.resolved.accountId}: could not store an inbound message (${(err as Error).message}); retrying`);
        await pause(RECEIVE_RETRIES_MS[attempt], signal);
      }
    }
  }

  private context(signal: AbortSignal) {
    const { store, stateDir } = this.deps;
    const { channel } = this;
    const accountId = this.resolved.accountId;
    return {
      accountId,
      account: this.resolved.account,
      signal,
      receive: (message: InboundMessage) => this.receiveWithRetry({ ...message, accountId }, signal),
      activity: () => {
        this.lastActivity = Date.now();
        this.snap.lastTransportActivityAt = this.lastActivity;
        if (this.snap.healthState === "stale" && this.live) this.snap.healthState = "healthy";
      },
      setStatus: (patch: Record<string, unknown>) => {
        const { accountId: _ignored, ...rest } = patch;
        Object.assign(this.snap, rest);
      },
      state: {
        get: (key: string) => store.getState(channel, accountId, key),
        set: (key: string, value: string) => store.setState(channel, accountId, key, value),
      },
      credentialsDir: () => credentialsDir(stateDir, channel, accountId),
      log: this.deps.log,
    };
  }
}
