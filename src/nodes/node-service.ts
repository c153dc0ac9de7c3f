import { randomUUID } from "node:crypto";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
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

type PendingInvoke = {
  id: string;
  nodeId: string;
  command: string;
  settle(outcome: { ok: true; value: unknown } | { ok: false; error: GatewayError }): void;
};

export type InvokeRequest = {
  nodeId: string;
  command: string;
  params?: unknown;
  timeoutMs?: number;
  idempotencyKey: string;
  sessionKey?: string;
  signal?: AbortSignal;
};

export type InvokeResult = { id: string; nodeId: string; ok: boolean; payload?: unknown; payloadJSON?: string; error?: { code?: string; message?: string } };

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
 * capability requests (in memory, one per node), the approved surfaces (NodeStore, opened on
 * first use) and the invokes waiting for a node's answer.
 */
export class NodeService {
  private storeValue: NodeStore | null = null;
  private opening: Promise<NodeStore> | null = null;
  private readonly live = new Map<string, LiveNode>();
  private readonly pending = new Map<string, { request: NodePairingRequest; expiresAtMs: number }>();
  private readonly invokes = new Map<string, PendingInvoke>();

  constructor(
    private readonly stateDir: string,
    private readonly events: Events,
  ) {}

  store(): Promise<NodeStore> {
    if (this.storeValue) return Promise.resolve(this.storeValue);
    this.opening ??= NodeStore.open(this.stateDir).then((store) => (this.storeValue = store));
    return this.opening;
  }

  close(): void {
    for (const inv of [...this.invokes.values()]) inv.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: "gateway shutting down", retryable: true }) });
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
    for (const inv of [...this.invokes.values()]) {
      if (inv.nodeId === nodeId) inv.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: "node disconnected", retryable: true, details: { code: "NODE_DISCONNECTED", nodeId } }) });
    }
  }

  isConnected(nodeId: string): boolean {
    return this.live.has(nodeId);
  }

  /** The node's pending request, refreshed (a retry keeps it alive), or null when its surface is approved. */
  pendingFor(nodeId: string, refresh = false, now = Date.now()): NodePairingRequest | null {
    this.expire(now);
    for (const entry of this.pending.values()) {
      if (entry.request.nodeId !== nodeId) continue;
      if (refresh) entry.expiresAtMs = now + NODE_REQUEST_TTL_MS;
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
      this.pending.get(existing.requestId)!.expiresAtMs = now + NODE_REQUEST_TTL_MS;
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
    this.pending.set(request.requestId, { request, expiresAtMs: now + NODE_REQUEST_TTL_MS });
    this.events.broadcast("node.pair.requested", request);
  }

  private dropPendingFor(nodeId: string): void {
    for (const [id, entry] of this.pending) if (entry.request.nodeId === nodeId) this.pending.delete(id);
  }

  private expire(now: number): void {
    for (const [id, entry] of this.pending) if (entry.expiresAtMs <= now) this.pending.delete(id);
  }

  private resolve(request: NodePairingRequest, decision: "approved" | "rejected", now: number): void {
    this.pending.delete(request.requestId);
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
    const request = this.getRequest(requestId, now);
    if (!request) throw invalid("unknown requestId");
    const store = await this.store();
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

  reject(requestId: string, now = Date.now()): { requestId: string; nodeId: string } {
    const request = this.getRequest(requestId, now);
    if (!request) throw invalid("unknown requestId");
    this.resolve(request, "rejected", now);
    return { requestId, nodeId: request.nodeId };
  }

  async remove(nodeId: string): Promise<{ nodeId: string; removed: boolean }> {
    const store = await this.store();
    const removed = store.remove(nodeId);
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
  async invoke(req: InvokeRequest): Promise<{ ok: true; nodeId: string; command: string; payload: unknown; payloadJSON: string | null }> {
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
    const timeoutMs = req.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const cancel = () => live.send("node.invoke.cancel", { invokeId: id, nodeId: req.nodeId });
      const onAbort = () => {
        cancel();
        entry.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: "node invoke aborted: the caller disconnected" }) });
      };
      const entry: PendingInvoke = {
        id,
        nodeId: req.nodeId,
        command: req.command,
        settle: (outcome) => {
          if (!this.invokes.delete(id)) return;
          if (timer) clearTimeout(timer);
          req.signal?.removeEventListener("abort", onAbort);
          if (outcome.ok) resolve(outcome.value as never);
          else reject(outcome.error);
        },
      };
      this.invokes.set(id, entry);
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        cancel();
        entry.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: `node invoke timed out after ${timeoutMs}ms`, retryable: true, details: { code: "TIMEOUT", nodeId: req.nodeId, command: req.command, timeoutMs } }) });
      }, timeoutMs);
      timer.unref?.();
      live.send("node.invoke.request", {
        id,
        nodeId: req.nodeId,
        command: req.command,
        paramsJSON: req.params === undefined ? null : JSON.stringify(req.params),
        timeoutMs,
        idempotencyKey: req.idempotencyKey,
        ...(req.sessionKey ? { sessionKey: req.sessionKey } : {}),
      });
    });
  }

  /** A node's answer; false when no invoke of this node waits under that id (late or unknown). */
  result(callerNodeId: string, r: InvokeResult): boolean {
    const inv = this.invokes.get(r.id);
    if (!inv || inv.nodeId !== callerNodeId) return false;
    if (!r.ok) {
      const message = r.error?.message ?? "node invoke failed";
      inv.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message, details: { code: r.error?.code ?? "NODE_INVOKE_FAILED", nodeId: inv.nodeId, command: inv.command, nodeError: r.error ?? {} } }) });
      return true;
    }
    let payload: unknown = r.payload ?? null;
    let payloadJSON: string | null = r.payloadJSON ?? null;
    if (r.payload === undefined && r.payloadJSON !== undefined) {
      try {
        payload = JSON.parse(r.payloadJSON);
      } catch {
        payload = null;
      }
    } else if (r.payload !== undefined && r.payloadJSON === undefined) {
      payloadJSON = JSON.stringify(r.payload);
    }
    inv.settle({ ok: true, value: { ok: true, nodeId: inv.nodeId, command: inv.command, payload, payloadJSON } });
    return true;
  }

  hasInvoke(id: string): boolean {
    return this.invokes.has(id);
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
