import { randomUUID } from "node:crypto";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { NodeInvokes, type InvokeResultParams, type InvokeSuccess } from "./node-invokes.js";
import { NodeStore } from "./node-store.js";
import type { NodeDeclaration, NodePairingRequest, PairedNode } from "./types.js";

/** A pending node request expires this long after it was created or last retried. */
export const NODE_REQUEST_TTL_MS = 5 * 60 * 1000;
export const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;

/** Commands whose approval needs `operator.admin` on top of `operator.pairing` (§6.3). */
export const ADMIN_APPROVAL_COMMANDS: ReadonlySet<string> = new Set([
  "system.run", "system.run.prepare", "system.which", "browser.proxy", "browser.proxy.upload.v1", "fs.listDir",
  "system.execApprovals.get", "system.execApprovals.set",
]);

/** Commands whose `node.invoke` needs `operator.admin` (§4.3). */
export const ADMIN_INVOKE_COMMANDS: ReadonlySet<string> = new Set(["browser.proxy", "browser.proxy.upload.v1", "fs.listDir", "terminal.upload"]);

type Events = { broadcast(event: string, payload: unknown): void };

/** A connected node: its declaration and the socket to push `node.invoke.*` to. */
type LiveNode = {
  decl: NodeDeclaration;
  connId: string;
  connectedAtMs: number;
  lastSeenAtMs: number;
  lastSeenReason: string;
  /** Sends an event frame straight to the node's socket (no `seq`). */
  send(event: string, payload: unknown): void;
};

export type InvokeRequest = {
  nodeId: string;
  command: string;
  params?: unknown;
  timeoutMs?: number;
  idempotencyKey: string;
  sessionKey?: string;
  signal?: AbortSignal;
  onProgress?(chunk: string): void;
};

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function covers(approved: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(approved);
  return wanted.every((v) => set.has(v));
}

function invalid(message: string, details?: unknown): GatewayError {
  return new GatewayError(details === undefined ? { code: ErrorCodes.invalidRequest, message } : { code: ErrorCodes.invalidRequest, message, details });
}

/** Scopes `node.pair.approve` needs for a surface declaring these commands. */
export function requiredApproveScopes(commands: readonly string[]): string[] {
  if (commands.length === 0) return [Scope.pairing];
  return [Scope.pairing, commands.some((c) => ADMIN_APPROVAL_COMMANDS.has(c)) ? Scope.admin : Scope.write];
}

/** The scope a `node.invoke` needs (§4.3): admin for a few commands, else write. */
export function invokeScope(command: string, params: unknown): string {
  if (!ADMIN_INVOKE_COMMANDS.has(command)) return Scope.write;
  if (command === "browser.proxy" && params && typeof params === "object") {
    const p = params as { method?: unknown; path?: unknown };
    const method = typeof p.method === "string" ? p.method.toUpperCase() : "GET";
    const path = typeof p.path === "string" ? p.path : "";
    if ((method === "POST" && (path === "/profiles/create" || path === "/reset-profile")) || (method === "DELETE" && /^\/profiles\/[^/]+$/.test(path))) return Scope.write;
  }
  return Scope.admin;
}

/**
 * Nodes of one gateway: the connected ones (with the socket each can be reached on), the pending
 * capability requests (one per node, written through to the store), the approved surfaces
 * (NodeStore, opened on first use) and the invokes waiting for a node's answer.
 */
export class NodeService {
  private storeValue: NodeStore | null = null;
  private opening: Promise<NodeStore> | null = null;
  private readonly live = new Map<string, LiveNode>();
  private readonly pending = new Map<string, { request: NodePairingRequest; expiresAtMs: number }>();
  private readonly invokes = new NodeInvokes();
  private closed = false;

  constructor(
    private readonly stateDir: string,
    private readonly events: Events,
  ) {}

  /** Opens the store on first use and loads the requests that were pending when the gateway stopped. */
  store(): Promise<NodeStore> {
    if (this.closed) return Promise.reject(new GatewayError({ code: ErrorCodes.unavailable, message: "the gateway is restarting: nodes are not reachable right now", retryable: true }));
    if (this.storeValue) return Promise.resolve(this.storeValue);
    this.opening ??= NodeStore.open(this.stateDir).then((store) => {
      for (const entry of store.pendingRequests()) this.pending.set(entry.request.requestId, entry);
      return (this.storeValue = store);
    });
    return this.opening;
  }

  close(): void {
    this.closed = true;
    this.invokes.failAll(new GatewayError({ code: ErrorCodes.unavailable, message: "gateway shutting down", retryable: true }));
    this.storeValue?.close();
    this.storeValue = null;
    this.opening = null;
  }

  // ---- connections ----

  /**
   * Registers a node connection. A surface the store does not cover gets a pending request
   * (created, or refreshed when the same surface retries) and a `node.pair.requested` broadcast.
   */
  async connected(decl: NodeDeclaration, connId: string, send: LiveNode["send"], opts: { silent?: boolean } = {}, now = Date.now()): Promise<void> {
    const store = await this.store();
    this.live.set(decl.nodeId, { decl, connId, connectedAtMs: now, lastSeenAtMs: now, lastSeenReason: "connect", send });
    const paired = store.get(decl.nodeId);
    if (paired && covers(paired.commands, decl.commands) && covers(paired.caps, decl.caps)) {
      store.save({ ...paired, ...metadataOf(decl), lastSeenAtMs: now, lastSeenReason: "connect" });
      this.dropPendingFor(decl.nodeId);
      return;
    }
    this.requestApproval(decl, opts.silent === true, now);
  }

  disconnected(nodeId: string, connId: string, now = Date.now()): void {
    const node = this.live.get(nodeId);
    if (!node || node.connId !== connId) return;
    this.live.delete(nodeId);
    this.storeValue?.touch(nodeId, now, "disconnect");
    this.invokes.failAll(new GatewayError({ code: ErrorCodes.unavailable, message: "node disconnected", retryable: true, details: { code: "NODE_DISCONNECTED", nodeId } }), nodeId);
  }

  isConnected(nodeId: string): boolean {
    return this.live.has(nodeId);
  }

  /** The node's pending request, refreshed (a retry keeps it alive), or null when its surface is approved. */
  pendingFor(nodeId: string, refresh = false, now = Date.now()): NodePairingRequest | null {
    this.expire(now);
    for (const entry of this.pending.values()) {
      if (entry.request.nodeId !== nodeId) continue;
      if (refresh) this.keepAlive(entry, now);
      return entry.request;
    }
    return null;
  }

  /** Throws the trace's UNAVAILABLE while the node's surface waits for an operator. */
  requireApproved(nodeId: string): void {
    const request = this.pendingFor(nodeId, true);
    if (!request) return;
    throw new GatewayError({
      code: ErrorCodes.unavailable,
      message: `node capability surface is awaiting operator approval; run \`openclaw nodes approve ${request.requestId}\` (see \`openclaw nodes pending\`), then this node retries automatically`,
    });
  }

  touch(nodeId: string, reason: string, now = Date.now()): void {
    const node = this.live.get(nodeId);
    if (node) {
      node.lastSeenAtMs = now;
      node.lastSeenReason = reason;
    }
    this.storeValue?.touch(nodeId, now, reason);
  }

  // ---- pairing ----

  private requestApproval(decl: NodeDeclaration, silent: boolean, now: number): void {
    const existing = this.pendingFor(decl.nodeId, false, now);
    const commands = sorted(decl.commands);
    const caps = sorted(decl.caps);
    if (existing && sameList(existing.commands, commands) && sameList(existing.caps, caps)) {
      this.keepAlive(this.pending.get(existing.requestId)!, now);
      return;
    }
    if (existing) this.resolve(existing, "rejected", now);
    const request: NodePairingRequest = {
      requestId: randomUUID(),
      ...metadataOf(decl),
      nodeId: decl.nodeId,
      clientId: decl.clientId,
      clientMode: decl.clientMode,
      ...(decl.remoteIp ? { remoteIp: decl.remoteIp } : {}),
      caps,
      commands,
      ...(decl.permissions ? { permissions: decl.permissions } : {}),
      requiredApproveScopes: requiredApproveScopes(commands),
      ...(silent ? { silent: true } : {}),
      ts: now,
    };
    const entry = { request, expiresAtMs: now + NODE_REQUEST_TTL_MS };
    this.pending.set(request.requestId, entry);
    this.storeValue?.putRequest(request, entry.expiresAtMs);
    this.events.broadcast("node.pair.requested", request);
  }

  /** A node retrying keeps its request alive. */
  private keepAlive(entry: { request: NodePairingRequest; expiresAtMs: number }, now: number): void {
    entry.expiresAtMs = now + NODE_REQUEST_TTL_MS;
    this.storeValue?.putRequest(entry.request, entry.expiresAtMs);
  }

  private drop(requestId: string): void {
    this.pending.delete(requestId);
    this.storeValue?.deleteRequest(requestId);
  }

  private dropPendingFor(nodeId: string): void {
    for (const [id, entry] of this.pending) if (entry.request.nodeId === nodeId) this.drop(id);
  }

  private expire(now: number): void {
    for (const [id, entry] of this.pending) if (entry.expiresAtMs <= now) this.drop(id);
  }

  private resolve(request: NodePairingRequest, decision: "approved" | "rejected", now: number): void {
    this.drop(request.requestId);
    const payload = { requestId: request.requestId, nodeId: request.nodeId, decision, ts: now };
    this.events.broadcast("node.pair.resolved", payload);
    this.live.get(request.nodeId)?.send("node.pair.resolved", payload);
  }

  listPending(now = Date.now()): NodePairingRequest[] {
    this.expire(now);
    return [...this.pending.values()].map((e) => e.request).sort((a, b) => a.ts - b.ts);
  }

  getRequest(requestId: string, now = Date.now()): NodePairingRequest | null {
    this.expire(now);
    return this.pending.get(requestId)?.request ?? null;
  }

  /** Approves a pending surface (the caller checked `requiredApproveScopes`); stores it durably. */
  async approve(requestId: string, now = Date.now()): Promise<{ requestId: string; node: PairedNode }> {
    const store = await this.store();
    const request = this.getRequest(requestId, now);
    if (!request) throw invalid("unknown requestId");
    const old = store.get(request.nodeId);
    const node: PairedNode = {
      ...(old ?? {}),
      ...metadataOf(request),
      nodeId: request.nodeId,
      clientId: request.clientId,
      clientMode: request.clientMode,
      caps: sorted([...(old?.caps ?? []), ...request.caps]),
      commands: sorted([...(old?.commands ?? []), ...request.commands]),
      ...(request.permissions ? { permissions: request.permissions } : {}),
      createdAtMs: old?.createdAtMs ?? now,
      approvedAtMs: now,
      lastSeenAtMs: this.live.get(request.nodeId)?.lastSeenAtMs ?? old?.lastSeenAtMs ?? request.ts,
      lastSeenReason: this.live.get(request.nodeId)?.lastSeenReason ?? old?.lastSeenReason ?? "connect",
    };
    store.save(node);
    this.events.broadcast("node.runnerInventory.changed", { nodeId: node.nodeId });
    this.resolve(request, "approved", now);
    return { requestId, node };
  }

  async reject(requestId: string, now = Date.now()): Promise<{ requestId: string; nodeId: string }> {
    await this.store();
    const request = this.getRequest(requestId, now);
    if (!request) throw invalid("unknown requestId");
    this.resolve(request, "rejected", now);
    return { requestId, nodeId: request.nodeId };
  }

  async remove(nodeId: string): Promise<{ nodeId: string; removed: boolean }> {
    const store = await this.store();
    const removed = store.remove(nodeId);
    store.work.forget(nodeId);
    const hadPending = this.listPending().some((r) => r.nodeId === nodeId);
    this.dropPendingFor(nodeId);
    if (!removed && !hadPending) throw invalid("unknown nodeId");
    return { nodeId, removed };
  }

  async rename(nodeId: string, displayName: string): Promise<{ nodeId: string; displayName: string }> {
    const store = await this.store();
    const renamed = store.rename(nodeId, displayName);
    const node = this.live.get(nodeId);
    if (node) node.decl = { ...node.decl, displayName };
    if (!renamed && !node) throw invalid("unknown nodeId");
    return { nodeId, displayName };
  }

  // ---- views ----

  /** Every known node (paired or connected) as node.list shows it. */
  async list(): Promise<Record<string, unknown>[]> {
    const store = await this.store();
    const paired = new Map(store.list().map((n) => [n.nodeId, n]));
    const ids = new Set([...paired.keys(), ...this.live.keys()]);
    return [...ids].map((id) => this.view(id, paired.get(id) ?? null)).sort((a, b) => Number(b.connected) - Number(a.connected) || String(a.displayName ?? a.nodeId).localeCompare(String(b.displayName ?? b.nodeId)));
  }

  async describe(nodeId: string): Promise<Record<string, unknown> | null> {
    const store = await this.store();
    const paired = store.get(nodeId);
    if (!paired && !this.live.has(nodeId)) return null;
    return this.view(nodeId, paired);
  }

  /** Declared commands that are also approved (what node.invoke may call). */
  private effectiveCommands(live: LiveNode | undefined, paired: PairedNode | null): string[] {
    if (!paired) return [];
    if (!live) return paired.commands;
    const approved = new Set(paired.commands);
    return sorted(live.decl.commands.filter((c) => approved.has(c)));
  }

  private view(nodeId: string, paired: PairedNode | null): Record<string, unknown> {
    const live = this.live.get(nodeId);
    const decl = live?.decl;
    const pending = this.pendingFor(nodeId);
    const approvedCaps = new Set(paired?.caps ?? []);
    const caps = decl ? sorted(decl.caps.filter((c) => approvedCaps.has(c))) : (paired?.caps ?? []);
    const meta = { ...(paired ? metadataOf(paired) : {}), ...(decl ? metadataOf(decl) : {}) };
    return {
      nodeId,
      ...meta,
      clientId: decl?.clientId ?? paired?.clientId,
      clientMode: decl?.clientMode ?? paired?.clientMode,
      ...(decl?.remoteIp ? { remoteIp: decl.remoteIp } : {}),
      caps,
      commands: this.effectiveCommands(live, paired),
      ...(decl?.permissions ? { permissions: decl.permissions } : paired?.permissions ? { permissions: paired.permissions } : {}),
      sessionHost: false,
      nodePluginTools: [],
      ...(decl?.pathEnv !== undefined ? { pathEnv: decl.pathEnv } : {}),
      approvalState: pending ? "pending" : paired ? "approved" : "unpaired",
      ...(pending ? { pendingRequestId: pending.requestId, declaredCommands: pending.commands, declaredCaps: pending.caps } : {}),
      ...(live ? { connectedAtMs: live.connectedAtMs, lastConnectedAtMs: live.connectedAtMs } : {}),
      ...((live?.lastSeenAtMs ?? paired?.lastSeenAtMs) !== undefined ? { lastSeenAtMs: live?.lastSeenAtMs ?? paired?.lastSeenAtMs } : {}),
      ...((live?.lastSeenReason ?? paired?.lastSeenReason) !== undefined ? { lastSeenReason: live?.lastSeenReason ?? paired?.lastSeenReason } : {}),
      ...(paired ? { approvedAtMs: paired.approvedAtMs } : {}),
      paired: paired !== null,
      connected: live !== undefined,
    };
  }

  // ---- invoke ----

  /** Sends `node.invoke.request` to the node and waits for its `node.invoke.result`. */
  async invoke(req: InvokeRequest): Promise<InvokeSuccess> {
    const live = this.live.get(req.nodeId);
    const store = await this.store();
    const paired = store.get(req.nodeId);
    if (!live) {
      if (!paired) throw invalid("unknown nodeId", { code: "NODE_NOT_FOUND", nodeId: req.nodeId });
      throw new GatewayError({ code: ErrorCodes.unavailable, message: "node not connected", retryable: true, details: { code: "NOT_CONNECTED", nodeId: req.nodeId } });
    }
    if (!live.decl.commands.includes(req.command)) {
      throw invalid(`node command not allowed: "${req.command}" is not declared by this node`, { code: "COMMAND_NOT_DECLARED", nodeId: req.nodeId, command: req.command });
    }
    if (!this.effectiveCommands(live, paired).includes(req.command)) {
      const pending = this.pendingFor(req.nodeId);
      throw invalid(`node command not allowed: "${req.command}" is awaiting operator approval${pending ? ` (openclaw nodes approve ${pending.requestId})` : ""}`, { code: "COMMAND_NOT_APPROVED", nodeId: req.nodeId, command: req.command, ...(pending ? { requestId: pending.requestId } : {}) });
    }
    return this.invokes.start({
      nodeId: req.nodeId,
      command: req.command,
      ...(req.params !== undefined ? { params: req.params } : {}),
      timeoutMs: req.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS,
      idempotencyKey: req.idempotencyKey,
      ...(req.sessionKey ? { sessionKey: req.sessionKey } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      send: live.send,
    });
  }

  result(callerNodeId: string, r: InvokeResultParams): boolean {
    return this.invokes.result(callerNodeId, r);
  }

  progress(callerNodeId: string, p: { invokeId: string; seq: number; chunk: string }): boolean {
    return this.invokes.progress(callerNodeId, p);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function metadataOf(d: { displayName?: string; platform?: string; version?: string; deviceFamily?: string; modelIdentifier?: string }) {
  return {
    ...(d.displayName !== undefined ? { displayName: d.displayName } : {}),
    ...(d.platform !== undefined ? { platform: d.platform } : {}),
    ...(d.version !== undefined ? { version: d.version } : {}),
    ...(d.deviceFamily !== undefined ? { deviceFamily: d.deviceFamily } : {}),
    ...(d.modelIdentifier !== undefined ? { modelIdentifier: d.modelIdentifier } : {}),
  };
}
