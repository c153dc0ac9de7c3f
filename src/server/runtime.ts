import { setTimeout as sleep } from "node:timers/promises";
import { readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { planReload, type ReloadPlan } from "../config/reload-plan.js";
import { ConfigWatcher } from "../config/watcher.js";
import { createLogger, logSink } from "../infra/logger.js";
import { BootHistory, type BreakerState } from "./boot-history.js";
import { refreshHealth, scheduleHealthRefresh, type GatewayControl, type ReloadOutcome } from "./context.js";
import { nodeRunner } from "../nodes/node-runner.js";
import { closeAgentStack, createAgentStack, type AgentStack } from "./agent-stack.js";
import type { EventHub } from "./event-hub.js";
import { AGENT_DRAIN_MS, startGateway, type RunningGateway } from "./gateway.js";
import { applyLogSettings, type LogOverrides } from "./log-settings.js";
import { resetTailscaleOnExit } from "./tailscale-ingress.js";
import { GatewaySetupError, resolveSettings, type GatewaySettings, type SettingsOverrides } from "./settings.js";
import { loadServerTls, type LoadedTls } from "../infra/tls/tls-material.js";

const log = createLogger("gateway");
const reloadLog = createLogger("gateway/reload");

const MISSING_FILE_RETRIES = 2;
const MISSING_FILE_RETRY_MS = 150;
const RESTART_EXPECTED_MS = 1500;
const SUPERVISED_RESTART_EXPECTED_MS = 10_000;

export type RuntimeOptions = {
  configPath: string;
  stateDir: string;
  profile?: string;
  snapshot: ConfigSnapshot;
  overrides: SettingsOverrides;
  logOverrides: LogOverrides;
  /** Test hook: shorter timers. */
  intervals?: { tickMs?: number; pingMs?: number; healthMs?: number };
  /**
   * Set when a service manager owns the process: a restart then stops cleanly and hands over
   * (the process exits and the manager starts a fresh one) instead of restarting in-process.
   */
  supervisedExit?: (reason: string) => void;
};

/**
 * The gateway process around the server: it keeps the accepted config, watches the file, applies
 * reloads live or restarts the server in-process, and records boots for the crash-loop breaker.
 */
export class GatewayRuntime implements GatewayControl {
  private snapshot: ConfigSnapshot;
  private settings: GatewaySettings;
  private server: RunningGateway | null = null;
  private watcher: ConfigWatcher | null = null;
  private reloading: Promise<ReloadOutcome> = Promise.resolve({ status: "unchanged" });
  private restarting: Promise<void> | null = null;
  private restartAgain = false;
  private readonly bootHistory: BootHistory;
  private breakerState: BreakerState | null = null;
  private breakerTimer: NodeJS.Timeout | null = null;
  private bootId = "";
  /** Outlives in-process restarts, so a config change does not cut agent runs (or approvals) short. */
  private readonly agents: AgentStack;
  /** The certificate material of the last start; a restart whose new material fails keeps it. */
  private tls: LoadedTls | null = null;

  constructor(private readonly opts: RuntimeOptions) {
    this.snapshot = opts.snapshot;
    this.settings = resolveSettings(opts.snapshot, opts.overrides);
    this.bootHistory = new BootHistory(opts.stateDir);
    // Approval events go to whichever server is listening now.
    const events = { broadcast: (...args: Parameters<EventHub["broadcast"]>) => this.server?.context.events.broadcast(...args), wanted: (...args: Parameters<EventHub["wanted"]>) => this.server?.context.events.wanted(...args) ?? false };
    this.agents = createAgentStack({
      stateDir: opts.stateDir,
      config: () => this.snapshot,
      events,
      nodes: nodeRunner(() => this.server?.context.nodes),
      autoStartSuppressed: () => this.breakerState?.tripped ?? false,
      onChannelStatus: () => this.server && scheduleHealthRefresh(this.server.context),
    });
  }

  get gateway(): RunningGateway {
    if (!this.server) throw new Error("gateway is not running");
    return this.server;
  }

  get currentSettings(): GatewaySettings {
    return this.settings;
  }

  get breaker(): BreakerState | null {
    return this.breakerState;
  }

  async start(): Promise<RunningGateway> {
    applyLogSettings(this.snapshot, this.opts.logOverrides, this.settings.auth);
    for (const warning of this.settings.warnings) log.warn(warning);
    try {
      this.tls = await this.loadTls();
    } catch (err) {
      throw new GatewaySetupError((err as Error).message);
    }
    this.server = await this.startServer();
    this.bootId = this.server.context.bootId;
    this.bootHistory.recordBoot(this.bootId);
    this.checkBreaker();
    this.watchConfig();
    return this.server;
  }

  /** A fallback start after a failed restart passes the previous listener, which has no Tailscale route: it stays on loopback only. */
  private startServer(listen: { port: number; bindHost: string; tailscale?: GatewaySettings["tailscale"] } = this.settings): Promise<RunningGateway> {
    return startGateway({
      port: listen.port,
      bindHost: listen.bindHost,
      config: this.snapshot,
      auth: this.settings.auth,
      stateDir: this.opts.stateDir,
      profile: this.opts.profile,
      control: this,
      breaker: () => this.breakerState,
      intervals: this.opts.intervals,
      agents: this.agents,
      tls: this.tls,
      ...(listen.tailscale && listen.tailscale.mode !== "off" ? { tailscale: listen.tailscale.mode } : {}),
    });
  }

  private loadTls(): Promise<LoadedTls | null> {
    return loadServerTls(this.snapshot.config.gateway?.tls, this.opts.stateDir, (certPath) => log.info(`gateway tls: generated a self-signed certificate at ${certPath}`));
  }

  private checkBreaker(): void {
    const state = this.bootHistory.breaker(this.bootId);
    const wasTripped = this.breakerState?.tripped ?? false;
    this.breakerState = state;
    if (state.tripped && !wasTripped) {
      log.warn(
        `gateway restart-loop breaker tripped: ${state.uncleanBoots} unclean boot(s) within ${state.windowMs}ms; suppressing channel/provider account auto-start. ` +
          `Start a channel manually with: openclaw gateway call channels.start --params '{"channel":"<id>"}'`,
      );
    }
    if (!state.tripped && wasTripped) log.info("gateway restart-loop breaker recovered; channel auto-start restored");
    if (state.tripped !== wasTripped && this.server) refreshHealth(this.server.context);
    if (state.tripped && !this.breakerTimer) {
      this.breakerTimer = setInterval(() => this.checkBreaker(), 10_000);
      this.breakerTimer.unref();
    } else if (!state.tripped && this.breakerTimer) {
      clearInterval(this.breakerTimer);
      this.breakerTimer = null;
    }
  }

  private watchConfig(): void {
    if (this.snapshot.config.gateway?.reload?.mode === "off") {
      this.watcher?.close();
      this.watcher = null;
      reloadLog.info("config reload disabled (gateway.reload.mode=off)");
      return;
    }
    this.watcher ??= new ConfigWatcher(() => void this.reloadConfig("file change"));
    this.watcher.watchFiles([this.opts.configPath, ...this.snapshot.includedPaths]);
  }

  /** Reloads are serialized: each one sees the config the previous one accepted. */
  reloadConfig(trigger: string): Promise<ReloadOutcome> {
    this.reloading = this.reloading.then(() => this.reloadOnce(trigger)).catch((err: Error) => {
      reloadLog.error(`config reload failed: ${err.message}`);
      return { status: "skipped", reason: err.message } as ReloadOutcome;
    });
    return this.reloading;
  }

  private async readWithRetry(): Promise<ConfigSnapshot | null> {
    for (let attempt = 0; ; attempt++) {
      const next = readConfigSnapshot(this.opts.configPath);
      if (next.exists) return next;
      if (attempt >= MISSING_FILE_RETRIES) return null;
      reloadLog.info(`config reload retry (${attempt + 1}/${MISSING_FILE_RETRIES}): config file not found`);
      await sleep(MISSING_FILE_RETRY_MS);
    }
  }

  private async reloadOnce(trigger: string): Promise<ReloadOutcome> {
    const next = await this.readWithRetry();
    if (!next) {
      reloadLog.warn("config reload skipped (config file not found)");
      return { status: "skipped", reason: "config file not found" };
    }
    if (next.valid && next.hash === this.snapshot.hash) return { status: "unchanged" };
    const verdict = this.vet(next);
    if ("problem" in verdict) {
      reloadLog.warn(`config reload skipped (${verdict.kind}): ${verdict.problem}`);
      return { status: "skipped", reason: verdict.kind === "invalid config" ? `invalid config: ${verdict.problem}` : verdict.problem };
    }
    const plan = planReload(this.snapshot.config, next.config);
    reloadLog.info(`config change detected; evaluating reload (${plan.changedPaths.join(", ") || "formatting only"}) [${trigger}]`);
    this.adopt(next, verdict.settings);
    return { status: "applied", mode: this.apply(plan), changedPaths: plan.changedPaths };
  }

  /** The settings `next` would run with, or why it cannot replace the running config. */
  private vet(next: ConfigSnapshot): { settings: GatewaySettings } | { kind: "invalid config" | "unsafe config"; problem: string } {
    if (!next.valid) return { kind: "invalid config", problem: next.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
    try {
      return { settings: resolveSettings(next, this.opts.overrides, this.settings) };
    } catch (err) {
      return { kind: "unsafe config", problem: (err as Error).message };
    }
  }

  private adopt(next: ConfigSnapshot, settings: GatewaySettings): void {
    this.snapshot = next;
    this.settings = settings;
    applyLogSettings(next, this.opts.logOverrides, settings.auth);
    this.watchConfig();
  }

  private apply(plan: ReloadPlan): "noop" | "hot" | "restart" {
    if (plan.restartGateway) {
      reloadLog.info(`config change requires gateway restart (${plan.restartReasons.join(", ")}) — preparing`);
      this.requestRestart(`config reload: ${plan.restartReasons.join(", ")}`);
      return "restart";
    }
    this.gateway.applyConfig(this.snapshot, this.settings.auth);
    if (plan.hotReasons.length > 0) {
      const actions = plan.actions.length > 0 ? `; actions: ${plan.actions.join(", ")}` : "";
      reloadLog.info(`config hot reload applied (${plan.hotReasons.join(", ")})${actions}`);
      return "hot";
    }
    reloadLog.info(`config change applied (dynamic reads: ${plan.noopPaths.join(", ") || "none"})`);
    return "noop";
  }

  /** Coalesces: a request while a restart runs schedules exactly one more afterwards. */
  requestRestart(reason: string): void {
    if (this.restarting) {
      this.restartAgain = true;
      return;
    }
    if (this.opts.supervisedExit) {
      const exit = this.opts.supervisedExit;
      log.info(`restart mode: full process restart (supervisor restart; ${reason})`);
      this.restarting = this.stop("gateway restarting", "planned_restart", { restartExpectedMs: SUPERVISED_RESTART_EXPECTED_MS }).then(() => exit(reason));
      return;
    }
    this.restarting = this.restartLoop(reason).finally(() => {
      this.restarting = null;
    });
  }

  /** Resolves once no restart is running (tests and the stop path wait on it). */
  async settled(): Promise<void> {
    while (this.restarting) await this.restarting;
  }

  /** A restart not caused by a reload (SIGUSR2, RPC) starts from the file as it is now, if it is valid. */
  private adoptConfigFromDisk(): void {
    const next = readConfigSnapshot(this.opts.configPath);
    if (!next.exists || next.hash === this.snapshot.hash) return;
    const verdict = this.vet(next);
    if ("problem" in verdict) reloadLog.warn(`restart keeps the running config (${verdict.kind} on disk): ${verdict.problem}`);
    else this.adopt(next, verdict.settings);
  }

  private async restartLoop(reason: string): Promise<void> {
    do {
      this.restartAgain = false;
      this.adoptConfigFromDisk();
      log.info(`restart mode: in-process restart (${reason})`);
      const previous = this.server;
      await previous?.stop("gateway restarting", { restartExpectedMs: RESTART_EXPECTED_MS });
      try {
        this.tls = await this.loadTls();
        this.server = await this.startServer();
      } catch (err) {
        log.error(`config restart failed: ${(err as Error).message}; keeping the previous listener settings`);
        this.server = await this.startServer(previous?.context ?? this.settings);
      }
      log.info(`listening on ${this.server.context.tls ? "wss" : "ws"}://${this.server.context.bindHost}:${this.server.port} after restart`);
      reason = "coalesced restart request";
    } while (this.restartAgain);
  }

  async stop(reason = "gateway stopping", outcome = "clean_stop", stopOpts: { restartExpectedMs?: number } = {}): Promise<void> {
    this.watcher?.close();
    if (this.breakerTimer) clearInterval(this.breakerTimer);
    if (outcome === "clean_stop") await this.settled();
    await this.server?.stop(reason, stopOpts);
    const { tailscale } = this.settings;
    if (tailscale.resetOnExit && tailscale.mode !== "off") await resetTailscaleOnExit(tailscale.mode);
    await closeAgentStack(this.agents, AGENT_DRAIN_MS);
    this.bootHistory.markEnded(this.bootId, outcome);
    await logSink.drained();
  }
}
