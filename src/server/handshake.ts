import { setTimeout as sleep } from "node:timers/promises";
import {
  CloseCode,
  MAX_BUFFERED_BYTES,
  MAX_PAYLOAD_BYTES,
  MIN_NODE_PROTOCOL_VERSION,
  MIN_PROBE_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  TICK_INTERVAL_MS,
} from "../protocol/constants.js";
import { isLoopback } from "../infra/loopback.js";
import { validateConnectParams, type ConnectParams } from "../protocol/connect-params.js";
import { ErrorCodes, type ErrorShape } from "../protocol/errors.js";
import type { RequestFrame } from "../protocol/frames.js";
import { KNOWN_OPERATOR_SCOPES, Scope } from "../protocol/scopes.js";
import { authFailureError, secretFingerprint, type AuthFailureReason } from "./auth.js";
import { checkConnectAuth } from "./connect-auth.js";
import { capScopes, identityScopeLimit, scopesHeader } from "./identity-scopes.js";
import { admitDevice, type Admission } from "../devices/device-admission.js";
import type { ConnectionInfo } from "./connection-info.js";
import type { GatewayConnection } from "./connection.js";
import { uptimeMs, type GatewayContext } from "./context.js";
import { sessionDefaults } from "../agents/session-key.js";
import type { PresenceEntry } from "./presence.js";
import type { NodeService } from "../nodes/node-service.js";
import type { NodeDeclaration } from "../nodes/types.js";

export type ConnectOutcome =
  | { ok: true; info: ConnectionInfo; hello: unknown; presence: { key: string; entry: PresenceEntry } | null }
  | { ok: false; error: ErrorShape; closeCode: number; closeReason?: string };

const EPHEMERAL_MODES = new Set(["cli", "backend", "probe"]);
const FORWARD_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip"];

/** A proxy relayed this connection: its socket address says nothing about the client. */
function isForwarded(conn: GatewayConnection): boolean {
  return FORWARD_HEADERS.some((h) => conn.headers[h] !== undefined);
}

function hostIsLocal(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return isLoopback(name) || /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(name);
}
const CREDENTIAL_CLASS = "shared-secret";

function fail(error: ErrorShape, closeCode: number = CloseCode.policy, closeReason?: string): ConnectOutcome {
  return { ok: false, error, closeCode, ...(closeReason !== undefined ? { closeReason } : {}) };
}

function invalid(message: string, details?: unknown): ErrorShape {
  return details === undefined ? { code: ErrorCodes.invalidRequest, message } : { code: ErrorCodes.invalidRequest, message, details };
}

function protocolAccepted(params: ConnectParams): boolean {
  const { minProtocol: min, maxProtocol: max } = params;
  if (max >= PROTOCOL_VERSION && min <= PROTOCOL_VERSION) return true;
  if (params.client.mode === "probe" && max >= MIN_PROBE_PROTOCOL_VERSION && min <= PROTOCOL_VERSION) return true;
  return params.role === "node" && params.client.mode === "node" && max >= MIN_NODE_PROTOCOL_VERSION && min <= MIN_NODE_PROTOCOL_VERSION;
}

function originProblem(origin: string, hostHeader: string | undefined, allowed: unknown): string | null {
  if (Array.isArray(allowed) && allowed.includes(origin)) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "origin-invalid";
  }
  if (isLoopback(url.hostname)) return null;
  if (hostHeader && url.host.toLowerCase() === hostHeader.toLowerCase()) return null;
  return "origin-not-allowed";
}

/** Validates a connect request in the documented order and builds the hello-ok payload. */
export async function performConnect(conn: GatewayConnection, frame: RequestFrame): Promise<ConnectOutcome> {
  const gateway = conn.gateway;
  const params = frame.params ?? {};
  if (!validateConnectParams.check(params)) {
    const message = `invalid connect params: ${validateConnectParams.problems(params).join("; ")}`;
    return fail(invalid(message));
  }
  if (gateway.phase() === "draining") {
    const error = { code: ErrorCodes.unavailable, message: "gateway restart in progress; retry shortly", retryable: true, retryAfterMs: 1000, details: { reason: "gateway-restarting" } };
    return fail(error, CloseCode.tryAgainLater, "gateway restart in progress");
  }
  if (!protocolAccepted(params)) {
    const details = {
      code: "PROTOCOL_MISMATCH",
      clientMinProtocol: params.minProtocol,
      clientMaxProtocol: params.maxProtocol,
      expectedProtocol: PROTOCOL_VERSION,
      minimumProbeProtocol: MIN_PROBE_PROTOCOL_VERSION,
    };
    return fail(invalid("protocol mismatch", details), CloseCode.protocolError, "protocol mismatch");
  }
  const role = params.role ?? "operator";
  if (role !== "operator" && role !== "node") return fail(invalid("invalid role"));
  if (params.client.id === "openclaw-worker" || params.client.mode === "worker") {
    return fail(invalid("worker clients must use the worker endpoint"), CloseCode.policy, "invalid-handshake");
  }
  const origin = conn.headers.origin;
  if (origin) {
    const allowed = (gateway.config().config.gateway?.controlUi as { allowedOrigins?: unknown } | undefined)?.allowedOrigins;
    const reason = originProblem(origin, conn.headers.host, allowed);
    if (reason) {
      return fail(invalid("origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)", { code: "CONTROL_UI_ORIGIN_NOT_ALLOWED", reason }));
    }
  }

  const auth = gateway.auth();
  const limiterKey = origin && conn.isLoopback ? `browser-origin:${origin}` : conn.remoteIp;
  const lockedMs = auth.mode === "none" ? 0 : gateway.rateLimiter.lockedFor(limiterKey, CREDENTIAL_CLASS);
  if (lockedMs > 0) return authFailure("rate_limited", lockedMs);
  const result = await checkConnectAuth(conn, auth, params.auth);
  const recordFailure = async () => {
    const wait = gateway.rateLimiter.recordFailure(limiterKey, CREDENTIAL_CLASS);
    if (wait > 0) await sleep(wait);
  };
  // A device may present its device token where the shared secret would go (§3).
  const deviceTokenOffered = !!params.device && (!!params.auth?.deviceToken || (result.ok === false && result.reason === "token_mismatch"));
  if (!result.ok && !deviceTokenOffered) {
    if (result.reason === "token_mismatch" || result.reason === "password_mismatch") await recordFailure();
    return authFailure(result.reason);
  }
  if (result.ok && auth.mode !== "none") gateway.rateLimiter.recordSuccess(limiterKey, CREDENTIAL_CLASS);
  // Behind a trusted proxy the socket shows the proxy; the client is where the proxy says.
  const where = result.ok && result.clientIp !== undefined ? { remoteIp: result.clientIp, isLoopback: false } : { remoteIp: conn.remoteIp, isLoopback: conn.isLoopback };
  const verifiedUser = result.ok ? result.user : undefined;

  if (role === "node") {
    if (!params.device) {
      return fail({ code: ErrorCodes.notPaired, message: "device identity required", details: { code: "DEVICE_IDENTITY_REQUIRED" } });
    }
    if (!gateway.devices || !gateway.nodes) {
      return fail({ code: ErrorCodes.unavailable, message: "this gateway does not accept nodes" }, CloseCode.policy, "nodes unavailable");
    }
  }

  let device: Extract<Admission, { ok: true }> | null = null;
  if (params.device && gateway.devices) {
    const admission = await admitDevice(gateway.devices, {
      params: params as ConnectParams & { device: NonNullable<ConnectParams["device"]> },
      role,
      nonce: conn.nonce,
      remoteIp: where.remoteIp,
      isLoopback: where.isLoopback,
      forwarded: isForwarded(conn),
      hostIsLocal: hostIsLocal(conn.headers.host),
      ...(origin ? { browserOrigin: origin } : {}),
      sharedSecretOk: result.ok,
      authMethod: result.ok ? result.method : "device-token",
      autoApproveLocal: (gateway.config().config.gateway as { nodes?: { pairing?: { autoApproveLocal?: unknown } } } | undefined)?.nodes?.pairing?.autoApproveLocal !== false,
    });
    if (!admission.ok) {
      if (admission.authFailure) {
        await recordFailure();
        return authFailure(admission.authFailure);
      }
      return fail(admission.error, CloseCode.policy, admission.closeReason ?? admission.error.message);
    }
    device = admission;
  } else if (!result.ok) {
    return authFailure(result.reason);
  }

  const requested = role === "node" ? [] : (params.scopes ?? []).filter((s) => KNOWN_OPERATOR_SCOPES.has(s));
  // A verified user's session is capped by identityScopes and by the x-openclaw-scopes its ingress set.
  const scopes = verifiedUser === undefined ? new Set(requested) : capScopes(requested, identityScopeLimit(gateway.config().config, verifiedUser), scopesHeader(conn.headers));
  const info: ConnectionInfo = {
    connId: conn.connId,
    role,
    scopes,
    clientId: params.client.id,
    clientMode: params.client.mode,
    clientVersion: params.client.version,
    remoteIp: where.remoteIp,
    isLoopback: where.isLoopback,
    ...(verifiedUser !== undefined ? { user: verifiedUser } : {}),
    authMethod: device ? (device.authMethod as ConnectionInfo["authMethod"]) : (result as { method: ConnectionInfo["authMethod"] }).method,
    authSecretFingerprint: secretFingerprint(auth),
    caps: new Set(params.caps ?? []),
    ...(device ? { deviceId: device.deviceId } : {}),
  };

  if (role === "node" && device && gateway.nodes) await registerNode(conn, gateway.nodes, params, device.deviceId);

  const nodeDeviceId = role === "node" ? device?.deviceId : undefined;
  const presence = EPHEMERAL_MODES.has(params.client.mode)
    ? null
    : { key: nodeDeviceId ?? params.client.instanceId ?? conn.connId, entry: presenceEntryFor(params, info, [...scopes], nodeDeviceId) };
  const hello = buildHello(gateway, conn.connId, info, presence?.entry, device?.deviceToken ? { deviceToken: device.deviceToken, issuedAtMs: device.issuedAtMs! } : undefined);
  return { ok: true, info, hello, presence };
}

function authFailure(reason: AuthFailureReason, retryAfterMs?: number): ConnectOutcome {
  const error = authFailureError(reason, retryAfterMs);
  return fail(error, CloseCode.policy, error.message);
}

/**
 * Makes an admitted node reachable: its declaration goes to the node registry (which opens a
 * capability request for a new or widened surface) and leaves it when the socket closes.
 */
async function registerNode(conn: GatewayConnection, nodes: NodeService, params: ConnectParams, nodeId: string): Promise<void> {
  const c = params.client;
  const p = params as ConnectParams & { permissions?: Record<string, boolean>; pathEnv?: string };
  const decl: NodeDeclaration = {
    nodeId,
    clientId: c.id,
    clientMode: c.mode,
    ...(c.displayName !== undefined ? { displayName: c.displayName } : {}),
    ...(c.platform !== undefined ? { platform: c.platform } : {}),
    ...(c.version !== undefined ? { version: c.version } : {}),
    ...(c.deviceFamily !== undefined ? { deviceFamily: c.deviceFamily } : {}),
    ...(c.modelIdentifier !== undefined ? { modelIdentifier: c.modelIdentifier } : {}),
    ...(conn.isLoopback ? {} : { remoteIp: conn.remoteIp }),
    caps: [...new Set(params.caps ?? [])],
    commands: [...new Set((params as { commands?: string[] }).commands ?? [])],
    ...(p.permissions ? { permissions: p.permissions } : {}),
    ...(p.pathEnv !== undefined ? { pathEnv: p.pathEnv } : {}),
  };
  const send = (event: string, payload: unknown) => void conn.sendText(JSON.stringify({ type: "event", event, payload }), true);
  const local = conn.isLoopback && !isForwarded(conn);
  await nodes.connected(decl, conn.connId, send, { silent: local });
  if (conn.ws.readyState !== conn.ws.OPEN) nodes.disconnected(nodeId, conn.connId);
  else conn.ws.once("close", () => nodes.disconnected(nodeId, conn.connId));
}

function presenceEntryFor(params: ConnectParams, who: Pick<ConnectionInfo, "remoteIp" | "isLoopback" | "user">, scopes: string[], deviceId?: string): PresenceEntry {
  const now = Date.now();
  const c = params.client;
  const host = c.displayName ?? c.id;
  return {
    host,
    clientId: c.id,
    ...(who.isLoopback ? {} : { ip: who.remoteIp }),
    version: c.version,
    platform: c.platform,
    ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
    ...(c.modelIdentifier ? { modelIdentifier: c.modelIdentifier } : {}),
    ...(c.timeZone ? { timeZone: c.timeZone } : {}),
    mode: c.mode,
    reason: "connect",
    ts: now,
    onlineSince: now,
    roles: [params.role ?? "operator"],
    ...(deviceId ? { deviceId } : {}),
    scopes,
    ...(c.instanceId ? { instanceId: c.instanceId } : {}),
    text: `${host} · app ${c.version} · mode ${c.mode}${who.user !== undefined ? ` · user ${who.user}` : ""} · reason connect`,
  };
}

function buildHello(gateway: GatewayContext, connId: string, info: ConnectionInfo, self?: PresenceEntry, issued?: { deviceToken: string; issuedAtMs: number }) {
  const admin = info.scopes.has(Scope.admin);
  const presence = gateway.presence.list();
  return {
    type: "hello-ok",
    protocol: PROTOCOL_VERSION,
    server: { version: gateway.version, bootId: gateway.bootId, connId },
    features: { methods: gateway.methods.advertised(), events: [...gateway.advertisedEvents] },
    snapshot: {
      presence: self ? [...presence, self] : presence,
      health: gateway.health.forHello,
      stateVersion: { presence: gateway.presence.version, health: gateway.health.version },
      uptimeMs: uptimeMs(gateway),
      ...(admin ? { configPath: gateway.config().path, stateDir: gateway.stateDir, authMode: gateway.auth().mode } : {}),
      sessionDefaults: sessionDefaults(gateway.agents.defaultAgentId()),
    },
    auth: { method: info.authMethod, role: info.role, scopes: [...info.scopes], ...(issued ?? {}) },
    policy: { maxPayload: MAX_PAYLOAD_BYTES, maxBufferedBytes: MAX_BUFFERED_BYTES, tickIntervalMs: TICK_INTERVAL_MS },
  };
}
