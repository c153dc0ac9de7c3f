import type { AgentRuntime } from "../agents/runtime.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { createLogger } from "../infra/logger.js";
import { ChannelStore } from "../store/channel-store.js";
import { normalizeAccountId } from "./accounts.js";
import { AccountRunner, credentialsDir } from "./account-runner.js";
import type { AccountSnapshot } from "./status-types.js";
import { CHANNEL_CATALOG, catalogEntry, channelLabel } from "./catalog.js";
import { chunkText } from "./chunk-text.js";
import { DeliveryQueue } from "./delivery.js";
import { InboundProcessor, type LiveAccount } from "./inbound.js";
import type { ChannelAdapter, ProbeResult, ResolvedAccount } from "./types.js";

const log = createLogger("channels");
const PRUNE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
const SHUTDOWN_GRACE_MS = 2000;

/** One configured channel: its adapter (loaded on demand), accounts and the config they came from. */
type ChannelRun = {
  id: string;
  adapter: ChannelAdapter | null;
  /** Why the channel cannot run (unknown to this gateway, module failed to load). */
  blocked: string | null;
  sectionJson: string;
  defaultAccountId: string;
  runners: Map<string, AccountRunner>;
};

export type ChannelManagerOptions = {
  stateDir: string;
  config(): ConfigSnapshot;
  agents: AgentRuntime;
  env?: NodeJS.ProcessEnv;
  /** While true (the crash-loop breaker), accounts are not started automatically. */
  autoStartSuppressed?(): boolean;
  /** An account's lifecycle changed or a pairing request arrived (the gateway pushes fresh health to clients). */
  onStatusChange?(): void;
};

export type ChannelView = { id: string; label: string; blocked: string | null; defaultAccountId: string; accounts: AccountSnapshot[]; summary: Record<string, unknown> };

function sections(config: ConfigSnapshot): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, raw] of Object.entries(config.config.channels ?? {})) {
    if (id === "defaults" || !raw || typeof raw !== "object" || Array.isArray(raw)) continue;
    out.set(id, raw as Record<string, unknown>);
  }
  return out;
}

/**
 * Runs the configured channels: loads each channel's module when its config appears, keeps its
 * accounts connected, and restarts only the channel whose config changed. Owns the durable
 * inbound and outbound queues in the gateway state database, opened once a channel is configured.
 */
export class ChannelManager {
  private readonly channels = new Map<string, ChannelRun>();
  private storeValue: ChannelStore | null = null;
  private storeOpening: Promise<ChannelStore> | null = null;
  private delivery: DeliveryQueue | null = null;
  private inbound: InboundProcessor | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private closed = false;
  private intakeClosed = false;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ChannelManagerOptions) {}

  /** Zero until the state database is open: a gateway without channels has no queue. */
  queueDepths(): { inbound: number; outbound: number } {
    return this.storeValue?.queueDepths() ?? { inbound: 0, outbound: 0 };
  }

  /** The state database; opened on first need (a gateway without channels never loads the driver). */
  async store(): Promise<ChannelStore> {
    if (this.storeValue) return this.storeValue;
    this.storeOpening ??= ChannelStore.open(this.opts.stateDir).then((store) => {
      this.storeValue = store;
      store.prune(PRUNE_AFTER_MS);
      this.delivery = new DeliveryQueue(store, {
        connection: (channel, accountId) => this.runner(channel, accountId)?.connection ?? null,
        delivered: (channel, accountId, _row, error) => this.runner(channel, accountId)?.noteOutbound(error),
      }, log);
      this.inbound = new InboundProcessor({
        store,
        agents: this.opts.agents,
        config: () => this.opts.config().config,
        delivery: this.delivery,
        account: (channel, accountId) => this.live(channel, accountId),
        log,
        onPairingRequest: () => this.opts.onStatusChange?.(),
      });
      this.pruneTimer = setInterval(() => store.prune(PRUNE_AFTER_MS), 60 * 60 * 1000);
      this.pruneTimer.unref();
      return store;
    });
    return this.storeOpening;
  }

  /** Brings the running channels in line with the config; calls are serialized. */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.reconcileOnce()).catch((err: Error) => log.error(`channel start failed: ${err.stack ?? err.message}`));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.closed) return;
    const wanted = sections(this.opts.config());
    for (const [id, run] of this.channels) {
      if (!wanted.has(id)) {
        await this.stopRun(run);
        this.channels.delete(id);
        log.info(`${channelLabel(id)} removed from config; stopped`);
      }
    }
    for (const [id, section] of wanted) {
      const json = JSON.stringify(section);
      const existing = this.channels.get(id);
      if (existing && existing.sectionJson === json) continue;
      if (existing) {
        log.info(`${channelLabel(id)} config changed; restarting that channel`);
        await this.stopRun(existing);
      }
      this.channels.set(id, await this.buildRun(id, section, json));
    }
    if (this.channels.size === 0) return;
    await this.store();
    for (const run of this.channels.values()) {
      if (!run.adapter) continue;
      for (const runner of run.runners.values()) {
        // Only accounts never started: one an operator stopped, a login holds or a refused login blocked stays as it is.
        const fresh = runner.snapshot().lastStartAt === null;
        if (fresh && runner.resolved.enabled && runner.resolved.configured && !this.opts.autoStartSuppressed?.()) runner.start();
      }
    }
    this.inbound!.resume();
    this.delivery!.resumeAll();
  }

  private async buildRun(id: string, section: Record<string, unknown>, json: string): Promise<ChannelRun> {
    const run: ChannelRun = { id, adapter: null, blocked: null, sectionJson: json, defaultAccountId: "default", runners: new Map() };
    const entry = catalogEntry(id);
    if (!entry) {
      run.blocked = `this gateway has no ${channelLabel(id)} channel (it runs ${CHANNEL_CATALOG.map((c) => c.label).join(", ")})`;
      return run;
    }
    if (section.enabled === false) {
      run.blocked = "disabled in config (enabled: false)";
      return run;
    }
    try {
      run.adapter = (await entry.load()).adapter;
    } catch (err) {
      run.blocked = `the ${entry.label} module failed to load: ${(err as Error).message}`;
      log.error(run.blocked);
      return run;
    }
    let resolved: { accounts: ResolvedAccount<unknown>[]; defaultAccountId: string };
    try {
      resolved = run.adapter.resolveAccounts(section, this.opts.env ?? process.env);
    } catch (err) {
      run.blocked = `invalid ${entry.label} config: ${(err as Error).message}`;
      return run;
    }
    run.defaultAccountId = resolved.defaultAccountId;
    const store = await this.store();
    for (const account of resolved.accounts) {
      const accountLog = createLogger(`channels/${id}`);
      run.runners.set(
        account.accountId,
        new AccountRunner(id, run.adapter, account, {
          store,
          stateDir: this.opts.stateDir,
          log: accountLog,
          receive: (message) => (this.intakeClosed ? Promise.reject(new Error("the gateway is stopping")) : this.inbound!.accept(id, message)),
          onConnected: () => {
            this.delivery?.resume(id, account.accountId);
            this.inbound?.resume(id, account.accountId);
          },
          onStatusChange: () => this.opts.onStatusChange?.(),
        }),
      );
    }
    return run;
  }

  private async stopRun(run: ChannelRun): Promise<void> {
    await Promise.all([...run.runners.values()].map((r) => r.stop()));
  }

  runner(channel: string, accountId: string): AccountRunner | undefined {
    return this.channels.get(channel)?.runners.get(accountId);
  }

  private live(channel: string, accountId: string): LiveAccount | null {
    const run = this.channels.get(channel);
    const runner = run?.runners.get(accountId);
    if (!run?.adapter || !runner) return null;
    return { adapter: run.adapter, runner, defaultAccountId: run.defaultAccountId };
  }

  /** A configured channel's adapter and account, for sends and logins. */
  account(channel: string, accountId?: string): { adapter: ChannelAdapter; runner: AccountRunner } | { error: string } {
    const run = this.channels.get(channel);
    if (!run) return { error: catalogEntry(channel) ? `${channelLabel(channel)} is not configured (add channels.${channel} to the config)` : `unknown channel: ${channel}` };
    if (!run.adapter) return { error: `${channelLabel(channel)} cannot run: ${run.blocked}` };
    const id = accountId?.trim() ? normalizeAccountId(accountId) : run.defaultAccountId;
    const runner = run.runners.get(id);
    if (!runner) return { error: `${channelLabel(channel)} has no account "${id}" (accounts: ${[...run.runners.keys()].join(", ")})` };
    return { adapter: run.adapter, runner };
  }

  configuredIds(): string[] {
    return [...this.channels.keys()];
  }

  views(filter?: string): ChannelView[] {
    const order = (id: string) => {
      const i = CHANNEL_CATALOG.findIndex((c) => c.id === id);
      return i === -1 ? CHANNEL_CATALOG.length : i;
    };
    return [...this.channels.values()]
      .filter((run) => !filter || run.id === filter)
      .sort((a, b) => order(a.id) - order(b.id) || a.id.localeCompare(b.id))
      .map((run) => {
        const accounts = [...run.runners.values()].map((r) => r.snapshot());
        if (run.blocked && accounts.length === 0) {
          accounts.push(blockedSnapshot(run.defaultAccountId, run.blocked));
        }
        const main = accounts.find((a) => a.accountId === run.defaultAccountId) ?? accounts[0];
        return { id: run.id, label: channelLabel(run.id), blocked: run.blocked, defaultAccountId: run.defaultAccountId, accounts, summary: main };
      });
  }

  async probe(channel: string, accountId: string, timeoutMs: number): Promise<ProbeResult | null> {
    const run = this.channels.get(channel);
    const runner = run?.runners.get(accountId);
    if (!run?.adapter?.probe || !runner || !runner.resolved.enabled || !runner.resolved.configured) return null;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: `probe timed out after ${timeoutMs}ms` }), timeoutMs);
    });
    try {
      const result = await Promise.race([run.adapter.probe(runner.resolved.account, timeoutMs).catch((err: Error) => ({ ok: false, error: err.message })), timeout]);
      return { elapsedMs: Date.now() - started, ...result };
    } finally {
      clearTimeout(timer);
    }
  }

  async startAccount(channel: string, accountId?: string): Promise<string[]> {
    const found = this.resolveRunners(channel, accountId);
    for (const runner of found) {
      if (!runner.resolved.configured) throw new Error(`${channelLabel(channel)}/${runner.resolved.accountId} is not configured: ${runner.resolved.unconfiguredReason ?? "missing settings"}`);
      runner.start();
    }
    return found.map((r) => r.resolved.accountId);
  }

  async stopAccount(channel: string, accountId?: string): Promise<string[]> {
    const found = this.resolveRunners(channel, accountId);
    await Promise.all(found.map((r) => r.stop()));
    return found.map((r) => r.resolved.accountId);
  }

  private resolveRunners(channel: string, accountId?: string): AccountRunner[] {
    if (!accountId) {
      const run = this.channels.get(channel);
      if (!run) throw new Error(catalogEntry(channel) ? `${channelLabel(channel)} is not configured` : `unknown channel: ${channel}`);
      if (!run.adapter) throw new Error(`${channelLabel(channel)} cannot run: ${run.blocked}`);
      return [...run.runners.values()];
    }
    const found = this.account(channel, accountId);
    if ("error" in found) throw new Error(found.error);
    return [found.runner];
  }

  /**
   * `send` without a fixed channel: `telegram:123` names its channel; a bare target needs
   * `channel` unless only one channel is configured.
   */
  sendMessage(req: { channel?: string; accountId?: string; to: string; text: string; threadId?: string; replyToId?: string; idempotencyKey: string }) {
    if (!req.text.trim()) throw new Error("nothing to send: message is empty");
    let channel = req.channel?.trim().toLowerCase();
    if (!channel) {
      const prefix = /^([a-z]+):/i.exec(req.to)?.[1].toLowerCase();
      const configured = this.configuredIds();
      if (prefix === "tg") channel = "telegram";
      else if (prefix && catalogEntry(prefix)) channel = prefix;
      else if (configured.length === 1) channel = configured[0];
      else throw new Error(configured.length === 0 ? "no channel is configured: add one under channels in the config" : `say which channel to send on (channel: ${configured.join(" | ")})`);
    }
    return this.send({ ...req, channel });
  }

  /**
   * Sends text to a chat through the persisted queue (so a send survives a restart) and waits a
   * while for the platform to take it. The same idempotency key never sends twice.
   */
  async send(req: { channel: string; accountId?: string; to: string; text: string; threadId?: string; replyToId?: string; idempotencyKey: string; waitMs?: number }) {
    const found = this.account(req.channel, req.accountId);
    if ("error" in found) throw new Error(found.error);
    const { adapter, runner } = found;
    if (!runner.running) throw new Error(`${adapter.label} account "${runner.resolved.accountId}" is not running${runner.snapshot().lastError ? ` (${runner.snapshot().lastError})` : ""}; start it with openclaw gateway call channels.start`);
    const target = adapter.parseTarget(req.to);
    if ("error" in target) throw new Error(target.error);
    const threadId = req.threadId ?? target.threadId ?? null;
    const chunks = chunkText(req.text, { limit: runner.resolved.textChunkLimit, measure: adapter.chunkMeasure });
    if (chunks.length === 0) throw new Error("message is empty");
    const store = await this.store();
    const ids = store.enqueue(
      chunks.map((text, i) => ({
        channel: req.channel,
        accountId: runner.resolved.accountId,
        conversationId: target.conversationId,
        threadId,
        kind: "text" as const,
        text,
        replyToId: i === 0 ? (req.replyToId ?? null) : null,
        idempotencyKey: `send:${req.idempotencyKey}:${i}`,
      })),
    );
    this.delivery!.wake(req.channel, runner.resolved.accountId, target.conversationId);
    const rows = await Promise.all(ids.map((id) => this.delivery!.waitFor(id, req.waitMs ?? 15_000)));
    const failed = rows.find((r) => r?.status === "failed");
    if (failed) throw new Error(`${adapter.label} refused the message: ${failed.lastError}`);
    const queued = rows.some((r) => !r || r.status === "pending");
    return { channel: req.channel, accountId: runner.resolved.accountId, conversationId: target.conversationId, messageId: rows[0]?.messageId ?? null, messageIds: rows.map((r) => r?.messageId ?? null), queued };
  }

  /** Clears an account's stored login (the account is stopped first). */
  async logout(channel: string, accountId: string): Promise<{ cleared: boolean; loggedOut?: boolean }> {
    const { adapter, runner } = this.loginTarget(channel, accountId);
    await runner.stop();
    return adapter.login!.logout({ accountId: runner.resolved.accountId, account: runner.resolved.account, credentialsDir: credentialsDir(this.opts.stateDir, channel, runner.resolved.accountId), log });
  }

  /** Starts a QR login; the account's own connection is stopped while it runs. */
  async loginStart(channel: string, accountId: string | undefined, opts: { force: boolean; timeoutMs: number }) {
    const { adapter, runner } = this.loginTarget(channel, accountId);
    await runner.stop();
    const id = runner.resolved.accountId;
    const result = await adapter.login!.start({ accountId: id, account: runner.resolved.account, credentialsDir: credentialsDir(this.opts.stateDir, channel, id), force: opts.force, timeoutMs: opts.timeoutMs, log });
    // No code to scan: already linked, so the account goes back to its own connection.
    if (!result.qr && !result.qrDataUrl) runner.start();
    return { accountId: id, ...result };
  }

  /** Waits for a QR login to finish; once linked, the account connects. */
  async loginWait(channel: string, accountId: string | undefined, timeoutMs: number) {
    const { adapter, runner } = this.loginTarget(channel, accountId);
    const id = runner.resolved.accountId;
    const result = await adapter.login!.wait({ accountId: id, timeoutMs });
    if (result.connected) runner.start();
    return { accountId: id, ...result };
  }

  private loginTarget(channel: string, accountId: string | undefined): { adapter: ChannelAdapter; runner: AccountRunner } {
    const found = this.account(channel, accountId);
    if ("error" in found) throw new Error(found.error);
    if (!found.adapter.login) throw new Error(`${found.adapter.label} has no QR login`);
    return found;
  }

  deliveryQueue(): DeliveryQueue | null {
    return this.delivery;
  }

  /**
   * The first step of a stop: new platform messages are refused (so they are not acknowledged and
   * come again, or wait on the platform), while runs finishing now still get their replies out.
   */
  stopIntake(): void {
    this.intakeClosed = true;
    this.inbound?.drain();
  }

  /** After the agents drained: lets the last replies go (bounded), then disconnects and closes the database. */
  async shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopIntake();
    this.closed = true;
    await this.reconciling;
    await this.inbound?.idle(graceMs);
    this.inbound?.stop();
    await this.delivery?.idle(graceMs);
    this.delivery?.stop();
    await Promise.all([...this.channels.values()].map((run) => this.stopRun(run)));
    this.channels.clear();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    const store = this.storeValue ?? (this.storeOpening ? await this.storeOpening.catch(() => null) : null);
    store?.close();
    this.storeValue = null;
    this.storeOpening = null;
  }
}

function blockedSnapshot(accountId: string, reason: string): AccountSnapshot {
  return {
    accountId,
    enabled: false,
    configured: false,
    running: false,
    connected: false,
    lifecycle: "blocked",
    healthState: "blocked",
    reconnectAttempts: 0,
    lastConnectedAt: null,
    lastDisconnect: null,
    lastError: reason,
    lastStartAt: null,
    lastStopAt: null,
    lastInboundAt: null,
    lastOutboundAt: null,
    lastTransportActivityAt: null,
  };
}
