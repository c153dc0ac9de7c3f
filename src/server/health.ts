import { agentStorePath } from "../agents/agent-config.js";
import type { AgentRuntime } from "../agents/runtime.js";
import { RawJson } from "../protocol/frames.js";
import type { GatewayContext } from "./context.js";
import { channelViews } from "./channel-summary.js";

const RECENT_SESSIONS = 5;

/** An agent's session count and most recent sessions; agents whose store is not open report none. */
export function sessionsSummary(gateway: GatewayContext, agentId: string) {
  const store = (gateway.agents as AgentRuntime).openStore(agentId);
  const now = Date.now();
  const recent = store
    ? store.listSessions({ limit: RECENT_SESSIONS, offset: 0 }).rows.map((r) => ({ key: r.key, updatedAt: r.updatedAt, age: Math.max(0, now - r.updatedAt) }))
    : [];
  return { path: agentStorePath(gateway.stateDir, agentId), count: store ? store.countSessions() : 0, recent };
}

/** The heartbeat runner is not part of this gateway yet, so every agent reports it disabled. */
export function disabledHeartbeat() {
  return { enabled: false, every: "disabled", everyMs: null, prompt: "", target: "none", ackMaxChars: 300 };
}

function buildHealthSummary(gateway: GatewayContext, startedAt: number) {
  const snapshot = gateway.config();
  const channelList = channelViews(gateway);
  const channels: Record<string, unknown> = {};
  for (const channel of channelList) {
    channels[channel.id] = {
      configured: channel.accounts.some((a) => a.configured),
      running: channel.accounts.some((a) => a.running),
      connected: channel.accounts.some((a) => a.connected),
      accounts: Object.fromEntries(channel.accounts.map((a) => [a.accountId, a])),
    };
  }
  const runtime = gateway.agents as AgentRuntime;
  const agentsConfig = runtime.agentsConfig();
  const agents = agentsConfig.agents.map((a) => ({
    agentId: a.id,
    ...(a.name ? { name: a.name } : {}),
    isDefault: a.isDefault,
    heartbeat: disabledHeartbeat(),
    sessions: sessionsSummary(gateway, a.id),
  }));
  return {
    ok: true as const,
    ts: Date.now(),
    durationMs: Math.round(performance.now() - startedAt),
    configReload: { hotReloadStatus: snapshot.config.gateway?.reload?.mode === "off" ? "disabled" : "active" },
    channels,
    channelOrder: channelList.map((c) => c.id),
    channelLabels: Object.fromEntries(channelList.map((c) => [c.id, c.label])),
    heartbeatSeconds: 0,
    defaultAgentId: agentsConfig.defaultId,
    agents,
    sessions: agents[0].sessions,
    eventLoop: gateway.eventLoop.sample(),
    ...safeModeOf(gateway),
  };
}

/** Present only while the crash-loop breaker holds channel auto-start back. */
export function safeModeOf(gateway: GatewayContext): { safeMode?: { reason: string; uncleanBoots: number; windowMs: number; channelAutoStart: false } } {
  const breaker = gateway.breaker();
  if (!breaker?.tripped) return {};
  return {
    safeMode: {
      reason: `restart-loop breaker tripped: ${breaker.uncleanBoots} unclean boots within ${breaker.windowMs}ms; channel auto-start suppressed`,
      uncleanBoots: breaker.uncleanBoots,
      windowMs: breaker.windowMs,
      channelAutoStart: false,
    },
  };
}

export type HealthSummary = ReturnType<typeof buildHealthSummary>;

/** Holds the latest health snapshot (object and JSON) and its state version. */
export class HealthMonitor {
  private summary: HealthSummary | null = null;
  private json = new RawJson("{}");
  version = 1;

  constructor(private gateway: () => GatewayContext) {}

  /** The cached snapshot, or `{}` before the first refresh. */
  get current(): HealthSummary | Record<string, never> {
    return this.summary ?? {};
  }

  /** The snapshot as hello-ok may carry it: that schema is closed, so extensions stay out. */
  get forHello(): Omit<HealthSummary, "safeMode"> | Record<string, never> {
    if (!this.summary) return {};
    const { safeMode: _omitted, ...rest } = this.summary;
    return rest;
  }

  get currentJson(): RawJson {
    return this.json;
  }

  refresh(): HealthSummary {
    const summary = buildHealthSummary(this.gateway(), performance.now());
    this.summary = summary;
    this.json = new RawJson(JSON.stringify(summary));
    this.version++;
    return summary;
  }
}
