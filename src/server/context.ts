import type { AgentService } from "../agents/types.js";
import type { ExecApprovals } from "../agents/tools/approvals/index.js";
import type { GatewayTools } from "../agents/tools/gateway-tools.js";
import type { ChannelManager } from "../channels/manager.js";
import type { DeviceService } from "../devices/device-service.js";
import type { NodeService } from "../nodes/node-service.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { EventLoopMonitor } from "../infra/event-loop.js";
import type { MethodRegistry } from "../methods/registry.js";
import type { ResolvedAuth } from "./auth.js";
import type { AuthRateLimiter } from "./auth-rate-limit.js";
import type { BreakerState } from "./boot-history.js";
import type { WriteRateLimiter } from "./write-rate-limit.js";
import type { EventHub } from "./event-hub.js";
import type { HealthMonitor } from "./health.js";
import type { PresenceRegistry } from "./presence.js";
import type { SystemEventQueue } from "./system-events.js";

export type GatewayPhase = "starting" | "running" | "draining";

/** What the process around the server offers: config reload and restart (absent in bare servers). */
export type GatewayControl = {
  /** Re-reads the config from disk and applies it; resolves with what happened. */
  reloadConfig(trigger: string): Promise<ReloadOutcome>;
  requestRestart(reason: string): void;
};

export type ReloadOutcome =
  | { status: "unchanged" }
  | { status: "skipped"; reason: string }
  | { status: "applied"; mode: "noop" | "hot" | "restart"; changedPaths: string[] };

/** Everything a connection or a method handler may use; built once per gateway start. */
export type GatewayContext = {
  readonly version: string;
  readonly bootId: string;
  readonly startedAt: number;
  readonly stateDir: string;
  readonly profile?: string;
  readonly port: number;
  readonly bindHost: string;
  readonly handshakeTimeoutMs: number;
  config(): ConfigSnapshot;
  auth(): ResolvedAuth;
  phase(): GatewayPhase;
  logFilePath(): string;
  readonly presence: PresenceRegistry;
  readonly health: HealthMonitor;
  readonly events: EventHub;
  readonly methods: MethodRegistry;
  readonly rateLimiter: AuthRateLimiter;
  readonly writeLimiter: WriteRateLimiter;
  readonly eventLoop: EventLoopMonitor;
  readonly systemEvents: SystemEventQueue;
  /** Agent runs, sessions and models (src/agents). */
  readonly agents: AgentService;
  /** Exec approvals: the command gate, pending requests and the approvals file (absent in bare servers). */
  readonly approvals?: ExecApprovals;
  /** The tool registry and host shared by agent runs, `/tools/invoke` and `tools.invoke`. */
  readonly tools?: GatewayTools;
  /** The chat channels: accounts, their status, the inbound and outbound queues, pairing. */
  readonly channels?: ChannelManager;
  /** Device identities: pairing, device tokens, and which connections each device holds. */
  readonly devices?: DeviceService;
  /** Nodes: connected capability hosts, their approved surfaces and the invokes waiting on them. */
  readonly nodes?: NodeService;
  readonly advertisedEvents: readonly string[];
  /** Requests being handled right now; a restart waits for them (bounded). */
  activeRequests: number;
  control?: GatewayControl;
  /** The crash-loop breaker, when the process records boots. */
  breaker(): BreakerState | null;
  /** The certificate being served (it follows renewals), or null when the port speaks plain http/ws. */
  readonly tls: { fingerprint: string; certPath: string } | null;
};

export function uptimeMs(gateway: Pick<GatewayContext, "startedAt">): number {
  return Math.max(0, Math.round(Date.now() - gateway.startedAt));
}

export function stateVersionOf(gateway: Pick<GatewayContext, "presence" | "health">) {
  return { presence: gateway.presence.version, health: gateway.health.version };
}

export function broadcastPresence(gateway: GatewayContext): void {
  gateway.events.broadcast("presence", { presence: gateway.presence.list() }, { dropIfSlow: true, stateVersion: stateVersionOf(gateway) });
}

/** Takes a fresh health snapshot and broadcasts it. */
export function refreshHealth(gateway: GatewayContext): void {
  gateway.health.refresh();
  gateway.events.broadcast("health", gateway.health.current, { stateVersion: stateVersionOf(gateway) });
}

const pendingRefresh = new WeakSet<GatewayContext>();

/** refreshHealth soon, once for a burst of changes (several channel accounts reconnecting at once). */
export function scheduleHealthRefresh(gateway: GatewayContext): void {
  if (pendingRefresh.has(gateway)) return;
  pendingRefresh.add(gateway);
  setTimeout(() => {
    pendingRefresh.delete(gateway);
    if (gateway.phase() !== "draining") refreshHealth(gateway);
  }, 50).unref();
}
