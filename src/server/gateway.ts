import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server } from "node:net";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocketServer } from "ws";
import {
  CloseCode,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  GATEWAY_VERSION,
  HEALTH_REFRESH_INTERVAL_MS,
  MAX_PREAUTH_PAYLOAD_BYTES,
  MAX_PREAUTH_SOCKETS_PER_IP,
  PING_INTERVAL_MS,
  TICK_INTERVAL_MS,
} from "../protocol/constants.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { EventLoopMonitor } from "../infra/event-loop.js";
import { createLogger, logSink } from "../infra/logger.js";
import { isLoopback } from "../infra/loopback.js";
import { handleHttpRequest } from "../http/router.js";
import { createCoreRegistry } from "../methods/index.js";
import { secretFingerprint, type ResolvedAuth } from "./auth.js";
import { AuthRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitSettings } from "./auth-rate-limit.js";
import { GatewayConnection } from "./connection.js";
import { refreshHealth, scheduleHealthRefresh, type GatewayContext, type GatewayControl, type GatewayPhase } from "./context.js";
import type { BreakerState } from "./boot-history.js";
import { closeAgentStack, createAgentStack, type AgentStack } from "./agent-stack.js";
import { DeviceService } from "../devices/device-service.js";
import { NodeService } from "../nodes/node-service.js";
import { nodeRunner } from "../nodes/node-runner.js";
import { killLeftoverCommands } from "../agents/tools/exec/leftovers.js";
import { AgentEventBroadcaster } from "./agent-events.js";
import { EventHub } from "./event-hub.js";
import { HealthMonitor } from "./health.js";
import { PresenceRegistry } from "./presence.js";
import { SystemEventQueue } from "./system-events.js";
import { WriteRateLimiter } from "./write-rate-limit.js";
import { startTailscaleIngress, type TailscaleIngress } from "./tailscale-ingress.js";
import { requestClientIp } from "./tailscale-provenance.js";
import { refuseUpgrade } from "./upgrade-refusal.js";
import { listenLoopbackTwin, type LoopbackTwin } from "./loopback-twin.js";
import { requiredLoopbackHost } from "../config/bind.js";
import type { LoadedTls } from "../infra/tls/tls-material.js";
import { TlsReloader } from "../infra/tls/tls-reloader.js";

const log = createLogger("gateway");

export const ADVERTISED_EVENTS = [
  "connect.challenge", "agent", "chat", "chat.metadata.changed", "session.message", "session.tool", "sessions.changed",
  "presence", "tick", "shutdown", "health", "exec.approval.requested", "exec.approval.resolved",
  "device.pair.requested", "device.pair.resolved", "device.pair.changed",
  "node.pair.requested", "node.pair.resolved", "node.hostStats", "node.runnerInventory.changed", "node.invoke.cancel", "node.invoke.request",
] as const;

export type GatewayOptions = {
  port: number;
  bindHost: string;
  config: ConfigSnapshot;
  auth: ResolvedAuth;
  stateDir: string;
  profile?: string;
  handshakeTimeoutMs?: number;
  /** How often and how long to retry a port that is still in use (TIME_WAIT, a stopping gateway). */
  portRetry?: { attempts: number; intervalMs: number };
  intervals?: { tickMs?: number; pingMs?: number; healthMs?: number };
  control?: GatewayControl;
  breaker?: () => BreakerState | null;
  /** The process's agent runtime, tools and approvals, kept across in-process restarts; a bare server makes its own. */
  agents?: AgentStack;
  /** Tailscale Serve/Funnel: a managed loopback listener for the route, claimed at start and released on stop. */
  tailscale?: "serve" | "funnel";
  /** Validated certificate material: the port then speaks https/wss only. */
  tls?: LoadedTls | null;
};

export type RunningGateway = {
  readonly port: number;
  readonly context: GatewayContext;
  /**
   * Waits (bounded) for requests in flight, broadcasts `shutdown`, closes every socket with 1012
   * and stops listening.
   */
  stop(reason?: string, opts?: { restartExpectedMs?: number; drainMs?: number }): Promise<void>;
  /** Swaps in a config the running server can take live; a new shared secret drops old-secret clients. */
  applyConfig(next: ConfigSnapshot, nextAuth: ResolvedAuth): void;
};

const DEFAULT_DRAIN_MS = 5000;
/** How long a stopping gateway lets agent runs finish before it records them as interrupted. */
export const AGENT_DRAIN_MS = 3000;

export class PortInUseError extends Error {}

function rateLimitSettings(config: ConfigSnapshot): RateLimitSettings {
  return { ...DEFAULT_RATE_LIMIT, ...(config.config.gateway?.auth?.rateLimit ?? {}) };
}

function handshakeTimeout(): number {
  const fromEnv = Number(process.env.OPENCLAW_HANDSHAKE_TIMEOUT_MS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_HANDSHAKE_TIMEOUT_MS;
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  refuseUpgrade(socket, status, text, { error: { message: text, type: "unavailable" } });
}

async function listen(server: Server, port: number, host: string, retry: { attempts: number; intervalMs: number }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          server.off("listening", onListening);
          reject(err);
        };
        const onListening = () => {
          server.off("error", onError);
          resolve();
        };
        server.once("error", onError);
        server.once("listening", onListening);
        server.listen({ port, host, exclusive: true });
      });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" && attempt + 1 < retry.attempts) {
        await sleep(retry.intervalMs);
        continue;
      }
      if (code === "EADDRINUSE") throw new PortInUseError(`another gateway instance is already listening on ws://${host}:${port}`);
      throw new Error(`failed to bind gateway socket on ws://${host}:${port}: ${(err as Error).message}`);
    }
  }
}

/** Starts the HTTP + WebSocket server on one port and the background timers (tick, ping, health). */
export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  let config = opts.config;
  let auth = opts.auth;
  let phase: GatewayPhase = "starting";
  const bootId = randomUUID();
  const eventLoop = new EventLoopMonitor();
  eventLoop.start();
  const events = new EventHub();
  const connections = new Set<GatewayConnection>();
  const preauthByIp = new Map<string, number>();

  let context!: GatewayContext;
  let tlsReloader: TlsReloader | null = null;
  const health = new HealthMonitor(() => context);
  const nodes = new NodeService(opts.stateDir, events);
  const stack =
    opts.agents ??
    createAgentStack({ stateDir: opts.stateDir, config: () => config, events, nodes: nodeRunner(() => nodes), onChannelStatus: () => scheduleHealthRefresh(context) });
  const { agents, approvals, tools, channels } = stack;
  context = {
    version: GATEWAY_VERSION,
    bootId,
    startedAt: Date.now(),
    stateDir: opts.stateDir,
    profile: opts.profile,
    port: opts.port,
    bindHost: opts.bindHost,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? handshakeTimeout(),
    config: () => config,
    auth: () => auth,
    phase: () => phase,
    logFilePath: () => logSink.filePath,
    presence: new PresenceRegistry({ version: GATEWAY_VERSION, instanceId: bootId }),
    health,
    events,
    methods: createCoreRegistry(),
    rateLimiter: new AuthRateLimiter(rateLimitSettings(config)),
    writeLimiter: new WriteRateLimiter(),
    eventLoop,
    systemEvents: new SystemEventQueue(),
    agents,
    approvals,
    tools,
    channels,
    devices: new DeviceService(opts.stateDir, events),
    nodes,
    advertisedEvents: ADVERTISED_EVENTS,
    activeRequests: 0,
    control: opts.control,
    breaker: opts.breaker ?? (() => null),
    get tls() {
      const material = tlsReloader?.material;
      return material ? { fingerprint: material.fingerprint, certPath: material.certPath } : null;
    },
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => handleHttpRequest(req, res, context);
  // Until a client is admitted its frames are capped at 64 KiB by the receiver itself, so an
  // unauthenticated peer cannot make the server buffer large messages; admission raises the cap.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PREAUTH_PAYLOAD_BYTES, perMessageDeflate: false, clientTracking: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const ip = requestClientIp(req);
    if (phase === "draining") return rejectUpgrade(socket, 503, "Service Unavailable");
    const preauth = preauthByIp.get(ip) ?? 0;
    if (preauth >= MAX_PREAUTH_SOCKETS_PER_IP) return rejectUpgrade(socket, 503, "Service Unavailable");
    wss.handleUpgrade(req, socket, head, (ws) => {
      preauthByIp.set(ip, (preauthByIp.get(ip) ?? 0) + 1);
      let counted = true;
      const leavePreauth = () => {
        if (!counted) return;
        counted = false;
        const left = (preauthByIp.get(ip) ?? 1) - 1;
        if (left <= 0) preauthByIp.delete(ip);
        else preauthByIp.set(ip, left);
      };
      const conn = new GatewayConnection(ws, context, ip, isLoopback(ip), req.headers, leavePreauth, req.rawHeaders);
      connections.add(conn);
      ws.once("close", () => connections.delete(conn));
    });
  };
  const tlsServer = opts.tls ? createHttpsServer(opts.tls.options, onRequest) : null;
  const server = tlsServer ?? createServer(onRequest);
  server.on("upgrade", onUpgrade);
  if (tlsServer && opts.tls) tlsReloader = new TlsReloader(tlsServer, opts.tls);
  server.on("clientError", (_err, socket) => socket.destroy());

  await listen(server, opts.port, opts.bindHost, opts.portRetry ?? { attempts: 20, intervalMs: 500 });
  // gateway.reload.mode "off" pauses certificate renewal as well.
  if (config.config.gateway?.reload?.mode !== "off") tlsReloader?.start();
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  (context as { port: number }).port = port;

  const detachAgents = agents.observe(new AgentEventBroadcaster(events, agents));
  health.refresh();
  phase = "running";
  const leftovers = killLeftoverCommands(opts.stateDir);
  if (leftovers > 0) log.warn(`stopped ${leftovers} command(s) a previous gateway process left running`);
  agents.recover().then(
    () => {
      refreshHealth(context);
      agents.announceModel().catch(() => {});
      void channels.reconcile();
    },
    (err: Error) => log.error(`agent state recovery failed: ${err.message}`),
  );

  const intervals = opts.intervals ?? {};
  const tick = setInterval(() => events.broadcast("tick", { ts: Date.now() }, { dropIfSlow: true }), intervals.tickMs ?? TICK_INTERVAL_MS);
  const ping = setInterval(() => {
    for (const conn of connections) {
      if (!conn.info) continue;
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, intervals.pingMs ?? PING_INTERVAL_MS);
  const healthTimer = setInterval(() => refreshHealth(context), intervals.healthMs ?? HEALTH_REFRESH_INTERVAL_MS);
  for (const timer of [tick, ping, healthTimer]) timer.unref();

  let tailscaleIngress: TailscaleIngress | null = null;
  let loopbackTwin: LoopbackTwin | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (reason = "gateway stopping", stopOpts: { restartExpectedMs?: number; drainMs?: number } = {}) => {
    stopping ??= (async () => {
      phase = "draining";
      clearInterval(tick);
      clearInterval(ping);
      clearInterval(healthTimer);
      const drainUntil = Date.now() + (stopOpts.drainMs ?? DEFAULT_DRAIN_MS);
      if (context.activeRequests > 0) log.info(`draining active work before ${reason} with timeout ${stopOpts.drainMs ?? DEFAULT_DRAIN_MS}ms: requests=${context.activeRequests}`);
      while (context.activeRequests > 0 && Date.now() < drainUntil) await sleep(20);
      const { restartExpectedMs } = stopOpts;
      events.broadcast("shutdown", restartExpectedMs === undefined ? { reason } : { reason, restartExpectedMs });
      for (const conn of connections) conn.close(CloseCode.serviceRestart, "service restart");
      await tailscaleIngress?.stop();
      loopbackTwin?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      const deadline = Date.now() + 1000;
      while (connections.size > 0 && Date.now() < deadline) await sleep(20);
      for (const conn of connections) conn.ws.terminate();
      await closed;
      detachAgents();
      context.devices?.close();
      context.nodes?.close();
      if (!opts.agents) await closeAgentStack(stack, AGENT_DRAIN_MS);
      tlsReloader?.stop();
      eventLoop.stop();
      log.info(`gateway stopped (${reason})`);
    })();
    return stopping;
  };

  const applyConfig = (next: ConfigSnapshot, nextAuth: ResolvedAuth) => {
    const oldFingerprint = secretFingerprint(auth);
    config = next;
    auth = nextAuth;
    context.rateLimiter.configure(rateLimitSettings(next));
    if (next.config.gateway?.reload?.mode === "off") tlsReloader?.stop();
    else tlsReloader?.resume();
    void channels.reconcile();
    const newFingerprint = secretFingerprint(nextAuth);
    if (newFingerprint !== oldFingerprint) {
      let dropped = 0;
      for (const conn of connections) {
        if (conn.info && conn.info.authSecretFingerprint !== newFingerprint) {
          conn.close(CloseCode.authChanged, "gateway auth changed");
          dropped++;
        }
      }
      log.info(`gateway auth rotated; disconnected ${dropped} client(s) that used the old secret`);
    }
    refreshHealth(context);
  };

  try {
    const loopbackHost = requiredLoopbackHost(opts.bindHost);
    if (loopbackHost) loopbackTwin = await listenLoopbackTwin(server, loopbackHost, port);
    if (opts.tailscale) tailscaleIngress = await startTailscaleIngress({ mode: opts.tailscale, gatewayPort: port, onRequest, onUpgrade });
  } catch (err) {
    await stop("start-up failed");
    throw err;
  }

  return {
    get port() {
      return port;
    },
    context,
    stop,
    applyConfig,
  };
}
