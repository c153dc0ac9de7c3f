import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { IncomingHttpHeaders } from "node:http";
import { metrics } from "../infra/metrics/gateway-metrics.js";
import type WebSocket from "ws";
import type { RawData } from "ws";
import {
  CloseCode,
  MAX_BUFFERED_BYTES,
  MAX_CLOSE_REASON_BYTES,
  MAX_CONSECUTIVE_ROLE_ERRORS,
  MAX_PAYLOAD_BYTES,
  MAX_PENDING_HANDSHAKE_FRAMES,
} from "../protocol/constants.js";
import { ErrorCodes, missingScopeError, toErrorShape, type ErrorShape } from "../protocol/errors.js";
import { requestFrameProblem, serializeResponse, truncateCloseReason, type RequestFrame } from "../protocol/frames.js";
import { eventAllowed, scopeSatisfied, Scope } from "../protocol/scopes.js";
import { createLogger } from "../infra/logger.js";
import type { MethodSpec } from "../methods/registry.js";
import type { ConnectionInfo, SessionSubscriptions } from "./connection-info.js";
import { broadcastPresence, type GatewayContext } from "./context.js";
import type { Audience, EventSubscriber } from "./event-hub.js";
import type { PresenceEntry } from "./presence.js";
import { performConnect } from "./handshake.js";

const wsLog = createLogger("gateway/ws");
const SLOW_CALL_MS = 50;

export type WsLogStyle = "auto" | "compact" | "full";
export const wsLogSettings = { verbose: false, style: "auto" as WsLogStyle };

type State = "handshake" | "connecting" | "connected" | "closed";

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

/** One WebSocket client from challenge to close: handshake, request dispatch and event delivery. */
export class GatewayConnection implements EventSubscriber {
  readonly connId = randomUUID();
  readonly nonce = randomUUID();
  readonly openedAt = Date.now();
  info: ConnectionInfo | null = null;
  presenceKey: string | null = null;
  alive = true;
  readonly subscriptions: SessionSubscriptions = { sessions: false, messages: new Set() };
  private closed: AbortController | null = null;

  private state: State = "handshake";
  /** Frames sent within one turn of the event loop leave in one write (see sendText). */
  private corked = false;
  /** Set once the server decided to close; a connect still being checked must not be admitted then. */
  private closing = false;
  private pending: RawData[] = [];
  private seq = 0;
  private roleErrors = 0;
  private handshakeTimer: NodeJS.Timeout | null;

  constructor(
    readonly ws: WebSocket,
    readonly gateway: GatewayContext,
    readonly remoteIp: string,
    readonly isLoopback: boolean,
    readonly headers: IncomingHttpHeaders,
    private readonly onLeavePreauth: () => void,
    /** The upgrade request's name/value list: tells a repeated header from a comma list. */
    readonly rawHeaders: readonly string[] = [],
  ) {
    // The receiver refuses an over-limit pre-auth frame itself with a bare 1009; name the reason.
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer) => close(code, code === CloseCode.tooLarge && reason === undefined ? "preauth payload too large" : reason);
    ws.on("message", (data) => this.onMessage(data));
    ws.on("pong", () => this.onPong());
    ws.on("close", (code) => this.onClose(code));
    ws.on("error", (err) => wsLog.debug(`socket error conn=${this.connId}: ${err.message}`));
    this.handshakeTimer = setTimeout(() => this.close(CloseCode.normal, ""), gateway.handshakeTimeoutMs);
    this.sendText(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: this.nonce, ts: Date.now() } }));
  }

  close(code: number, reason: string): void {
    if (this.state === "closed" || this.closing) return;
    this.closing = true;
    this.leaveHandshake();
    try {
      this.ws.close(code, truncateCloseReason(reason, MAX_CLOSE_REASON_BYTES));
    } catch {
      this.ws.terminate();
    }
  }

  /**
   * Sends a frame unless the peer stopped reading; a slow consumer is disconnected. Responses go
   * out at once; events (`batch`) may wait for the end of the loop turn to share one write.
   */
  sendText(text: string, batch = false): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(CloseCode.policy, "slow consumer");
      return false;
    }
    if (batch) this.corkUntilNextTurn();
    this.ws.send(text);
    if (wsLogSettings.verbose && wsLogSettings.style === "full") wsLog.debug(`→ ${text.length > 500 ? text.slice(0, 500) + "…" : text}`);
    return true;
  }

  /**
   * A run's events come in bursts (a delta, its chat frame, a session change); holding the socket
   * corked until the loop's next turn turns a burst into one system call instead of one per frame.
   * A response sent meanwhile flushes with them.
   */
  private corkUntilNextTurn(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    setImmediate(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  accepts(event: string, audience?: Audience, sessionKey?: string): boolean {
    const info = this.info;
    if (this.state !== "connected" || !info || !eventAllowed(event, info.role, info.scopes)) return false;
    return !audience || this.wants(info, audience, sessionKey);
  }

  deliver(event: string, framePrefix: string, frameSuffix: string, dropIfSlow: boolean, audience?: Audience, sessionKey?: string): void {
    if (!this.accepts(event, audience, sessionKey)) return;
    const seq = ++this.seq;
    if (dropIfSlow && this.ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    this.sendText(framePrefix + seq + frameSuffix, true);
  }

  private wants(info: ConnectionInfo, audience: Audience, sessionKey: string | undefined): boolean {
    const seesSession = sessionKey === undefined || !info.caps.has("session-scoped-events") || this.subscriptions.messages.has(sessionKey);
    switch (audience) {
      case "session":
        return seesSession;
      case "tool-events":
        return seesSession && info.caps.has("tool-events");
      case "sessions-changed":
        return this.subscriptions.sessions;
      case "session-messages":
        return sessionKey !== undefined && this.subscriptions.messages.has(sessionKey);
    }
  }

  private onPong(): void {
    this.alive = true;
    if (this.presenceKey) this.gateway.presence.touch(this.presenceKey);
  }

  private onMessage(data: RawData): void {
    if (this.state === "closed") return;
    if (this.state === "connected") {
      this.onRequestText(rawToString(data));
      return;
    }
    if (this.state === "connecting") {
      if (this.pending.length >= MAX_PENDING_HANDSHAKE_FRAMES) this.close(CloseCode.policy, "too many pending handshake frames");
      else this.pending.push(data);
      return;
    }
    this.onHandshakeText(rawToString(data));
  }

  private onHandshakeText(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.close(CloseCode.normal, "");
      return;
    }
    if (requestFrameProblem(parsed) !== null) {
      this.close(CloseCode.policy, "invalid request frame");
      return;
    }
    const frame = parsed as RequestFrame;
    if (frame.method !== "connect") {
      this.reject(frame.id, { code: ErrorCodes.invalidRequest, message: "invalid handshake: first request must be connect" }, CloseCode.policy);
      return;
    }
    this.state = "connecting";
    performConnect(this, frame).then(
      (outcome) => {
        if (this.state === "closed" || this.closing) return;
        if (!outcome.ok) {
          this.reject(frame.id, outcome.error, outcome.closeCode, outcome.closeReason);
          return;
        }
        this.admit(frame.id, outcome.info, outcome.hello, outcome.presence);
      },
      (err: unknown) => {
        wsLog.error(`connect failed conn=${this.connId}: ${(err as Error).stack ?? err}`);
        this.reject(frame.id, toErrorShape(err), CloseCode.internal, "gateway message handler unavailable");
      },
    );
  }

  /** Answers the connect with an error, then closes with the matching code. */
  private reject(id: string, error: ErrorShape, closeCode: number, closeReason = error.message): void {
    const reason = (error.details as { code?: string } | undefined)?.code ?? error.code;
    wsLog.warn(`connect rejected conn=${this.connId.slice(0, 8)} remote=${this.remoteIp} reason=${reason}: ${error.message}`);
    metrics.connections.inc(["refused"]);
    this.sendText(serializeResponse(id, false, error));
    this.close(closeCode, closeReason);
  }

  private admit(id: string, info: ConnectionInfo, hello: unknown, presence: { key: string; entry: PresenceEntry } | null): void {
    this.info = info;
    this.state = "connected";
    metrics.connections.inc(["accepted"]);
    metrics.connectionsOpen.inc([info.role]);
    this.leaveHandshake();
    raiseFrameLimit(this.ws, MAX_PAYLOAD_BYTES);
    delete (this.ws as { close?: unknown }).close;
    this.gateway.events.add(this);
    if (info.deviceId) this.gateway.devices?.track(this.connId, { deviceId: info.deviceId, role: info.role, close: (reason) => this.close(CloseCode.policy, reason) });
    if (presence) {
      this.presenceKey = presence.key;
      this.gateway.presence.upsert(presence.key, presence.entry, this.connId);
    }
    this.sendText(serializeResponse(id, true, hello));
    if (presence) broadcastPresence(this.gateway);
    const queued = this.pending;
    this.pending = [];
    for (const data of queued) this.onMessage(data);
  }

  private leaveHandshake(): void {
    if (this.handshakeTimer) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = null;
    }
    this.onLeavePreauth();
  }

  private onRequestText(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      wsLog.debug(`ignored non-JSON frame conn=${this.connId} bytes=${text.length}`);
      return;
    }
    const problem = requestFrameProblem(parsed);
    if (problem !== null) {
      const rawId = (parsed as { id?: unknown } | null)?.id;
      const id = typeof rawId === "string" && rawId.length > 0 ? rawId : "invalid";
      this.sendText(serializeResponse(id, false, { code: ErrorCodes.invalidRequest, message: `invalid request frame: ${problem}` }));
      return;
    }
    this.dispatch(parsed as RequestFrame);
  }

  private dispatch(frame: RequestFrame): void {
    const started = performance.now();
    const info = this.info!;
    const spec = this.gateway.methods.get(frame.method);
    const denied = frame.method === "connect"
      ? { code: ErrorCodes.invalidRequest, message: "connect is only valid as the first request" }
      : authorize(frame.method, spec, info);
    if (denied) {
      this.roleErrors = denied.message.startsWith("unauthorized role:") ? this.roleErrors + 1 : 0;
      this.respond(frame, false, denied, started);
      if (this.roleErrors > MAX_CONSECUTIVE_ROLE_ERRORS) this.close(CloseCode.policy, "repeated unauthorized calls");
      return;
    }
    this.roleErrors = 0;
    if (!spec) {
      this.respond(frame, false, { code: ErrorCodes.invalidRequest, message: `unknown method: ${frame.method}` }, started);
      return;
    }
    const params = frame.params ?? {};
    if (spec.params && !spec.params.check(params)) {
      const message = `invalid ${frame.method} params: ${spec.params.problems(params).join("; ")}`;
      this.respond(frame, false, { code: ErrorCodes.invalidRequest, message }, started);
      return;
    }
    const dynamicScope = spec.scopeFor?.(params);
    if (dynamicScope && info.role === "operator" && !scopeSatisfied(dynamicScope, info.scopes)) {
      this.respond(frame, false, missingScopeError(dynamicScope), started);
      return;
    }
    let result: unknown;
    try {
      result = spec.handler({
        params,
        gateway: this.gateway,
        client: info,
        subscriptions: this.subscriptions,
        sendInterim: (payload) => {
          if (this.state !== "closed") this.sendText(serializeResponse(frame.id, true, payload));
        },
        signal: this.closeSignal(),
      });
    } catch (err) {
      this.respond(frame, false, toErrorShape(err), started);
      return;
    }
    if (result instanceof Promise) {
      this.gateway.activeRequests++;
      result
        .then(
          (value) => this.respond(frame, true, value, started),
          (err) => this.respond(frame, false, toErrorShape(err), started),
        )
        .finally(() => this.gateway.activeRequests--);
    } else {
      this.respond(frame, true, result, started);
    }
  }

  private respond(frame: RequestFrame, ok: boolean, payloadOrError: unknown, started: number): void {
    if (this.state === "closed") return;
    this.sendText(serializeResponse(frame.id, ok, payloadOrError));
    metrics.rpc.inc([this.gateway.methods.get(frame.method) ? frame.method : "other", ok ? "ok" : "error"]);
    const ms = performance.now() - started;
    const notable = !ok || ms >= SLOW_CALL_MS;
    if (notable || wsLogSettings.verbose) {
      const detail = ok ? "" : ` error=${(payloadOrError as ErrorShape).code}: ${(payloadOrError as ErrorShape).message}`;
      const line = `⇄ res ${ok ? "✓" : "✗"} ${frame.method} ${Math.round(ms)}ms conn=${this.connId.slice(0, 8)} id=${frame.id}${detail}`;
      if (notable) wsLog.info(line);
      else wsLog.debug(line);
    }
  }

  /** Aborted when this connection closes; made on first use (most methods never ask). */
  private closeSignal(): AbortSignal {
    this.closed ??= new AbortController();
    if (this.state === "closed") this.closed.abort();
    return this.closed.signal;
  }

  private onClose(code: number): void {
    if (this.state === "closed") return;
    const wasConnected = this.state === "connected";
    this.state = "closed";
    if (wasConnected && this.info) metrics.connectionsOpen.inc([this.info.role], -1);
    this.closed?.abort();
    this.leaveHandshake();
    this.gateway.events.remove(this);
    this.gateway.devices?.untrack(this.connId);
    if (wasConnected && wsLogSettings.verbose) wsLog.debug(`→ close code=${code} conn=${this.connId.slice(0, 8)} durationMs=${Date.now() - this.openedAt}`);
    if (this.presenceKey && this.gateway.presence.markDisconnected(this.presenceKey, this.connId)) broadcastPresence(this.gateway);
  }
}

/**
 * ws fixes the frame cap per server; admitted clients get the larger post-auth cap on their own
 * receiver. The field is internal to ws 8, so a missing receiver leaves the pre-auth cap in place.
 */
function raiseFrameLimit(ws: WebSocket, maxPayload: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === "number") receiver._maxPayload = maxPayload;
}

/** Role and scope check; runs before the unknown-method check so non-admins cannot probe for names. */
export function authorize(method: string, spec: MethodSpec | undefined, info: ConnectionInfo): ErrorShape | null {
  if (method === "health") return null;
  const nodeOnly = spec?.scope === "node";
  if (nodeOnly !== (info.role === "node")) {
    return { code: ErrorCodes.invalidRequest, message: `unauthorized role: ${info.role}` };
  }
  if (info.role === "node" || info.scopes.has(Scope.admin)) return null;
  const required = spec && spec.scope !== "any" ? spec.scope : Scope.admin;
  return scopeSatisfied(required, info.scopes) ? null : missingScopeError(required);
}
