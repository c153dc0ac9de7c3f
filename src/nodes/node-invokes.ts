import { createHash, randomUUID } from "node:crypto";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";

/** How long a settled invoke still answers a retry with the same idempotency key. */
export const IDEMPOTENCY_RETENTION_MS = 5 * 60 * 1000;
const MAX_REMEMBERED_INVOKES = 200;
/** Answers larger than this are not kept for retries (a camera frame is not held for five minutes). */
const MAX_REMEMBERED_ANSWER_CHARS = 256 * 1024;
/** Out-of-order progress chunks held back at most; a node further ahead than this is not waited for. */
const MAX_HELD_CHUNKS = 64;

export type InvokeSuccess = { ok: true; nodeId: string; command: string; payload: unknown; payloadJSON: string | null };
type Outcome = { ok: true; value: InvokeSuccess } | { ok: false; error: GatewayError };

export type InvokeDispatch = {
  nodeId: string;
  command: string;
  params?: unknown;
  timeoutMs: number;
  idempotencyKey: string;
  sessionKey?: string;
  signal?: AbortSignal;
  /** Output the node streams while the command runs (`node.invoke.progress`), in `seq` order. */
  onProgress?(chunk: string): void;
  /** Pushes an event frame to the node's socket. */
  send(event: string, payload: unknown): void;
};

type Pending = {
  id: string;
  nodeId: string;
  command: string;
  nextSeq: number;
  held: Map<number, string>;
  onProgress?: (chunk: string) => void;
  settle(outcome: Outcome): void;
};

export type InvokeResultParams = { id: string; ok: boolean; payload?: unknown; payloadJSON?: string; error?: { code?: string; message?: string } };

/**
 * The invokes waiting for a node's answer: each one's timer, cancel and abort, the progress it
 * streams, and the idempotency keys of recent calls: a retried `node.invoke` joins the call in
 * flight, or gets the answer of the one that succeeded, instead of running the command twice.
 */
export class NodeInvokes {
  private readonly pending = new Map<string, Pending>();
  private readonly byKey = new Map<string, { promise: Promise<InvokeSuccess>; settledAtMs: number | null }>();

  constructor(private readonly now: () => number = Date.now) {}

  start(req: InvokeDispatch): Promise<InvokeSuccess> {
    // The params are part of the key: a reused key with another command line is another call.
    const paramsHash = createHash("sha256").update(JSON.stringify(req.params ?? null)).digest("base64url");
    const key = `${req.nodeId}\u0000${req.command}\u0000${req.idempotencyKey}\u0000${paramsHash}`;
    this.forgetOld();
    const known = this.byKey.get(key);
    if (known) return known.promise;
    const entry = { promise: this.dispatch(req), settledAtMs: null as number | null };
    this.byKey.set(key, entry);
    // A failed call may be retried under the same key; a successful one is answered again.
    entry.promise.then(
      (answer) => {
        if ((answer.payloadJSON?.length ?? 0) > MAX_REMEMBERED_ANSWER_CHARS) this.byKey.delete(key);
        else entry.settledAtMs = this.now();
      },
      () => this.byKey.delete(key),
    );
    return entry.promise;
  }

  private dispatch(req: InvokeDispatch): Promise<InvokeSuccess> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const cancel = () => req.send("node.invoke.cancel", { invokeId: id, nodeId: req.nodeId });
      const onAbort = () => {
        cancel();
        entry.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: "node invoke aborted: the caller went away" }) });
      };
      const entry: Pending = {
        id,
        nodeId: req.nodeId,
        command: req.command,
        nextSeq: 0,
        held: new Map(),
        ...(req.onProgress ? { onProgress: req.onProgress } : {}),
        settle: (outcome) => {
          if (!this.pending.delete(id)) return;
          if (timer) clearTimeout(timer);
          req.signal?.removeEventListener("abort", onAbort);
          if (outcome.ok) resolve(outcome.value);
          else reject(outcome.error);
        },
      };
      this.pending.set(id, entry);
      if (req.signal?.aborted) return entry.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: "node invoke aborted before it was sent" }) });
      req.signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        cancel();
        entry.settle({ ok: false, error: new GatewayError({ code: ErrorCodes.unavailable, message: `node invoke timed out after ${req.timeoutMs}ms`, retryable: true, details: { code: "TIMEOUT", nodeId: req.nodeId, command: req.command, timeoutMs: req.timeoutMs } }) });
      }, req.timeoutMs);
      timer.unref?.();
      req.send("node.invoke.request", {
        id,
        nodeId: req.nodeId,
        command: req.command,
        paramsJSON: req.params === undefined ? null : JSON.stringify(req.params),
        timeoutMs: req.timeoutMs,
        idempotencyKey: req.idempotencyKey,
        ...(req.sessionKey ? { sessionKey: req.sessionKey } : {}),
      });
    });
  }

  /** A node's answer; false when no invoke of this node waits under that id (late or unknown). */
  result(callerNodeId: string, r: InvokeResultParams): boolean {
    const inv = this.pending.get(r.id);
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

  /** A progress chunk; delivered in `seq` order, duplicates dropped. False when no such invoke waits. */
  progress(callerNodeId: string, p: { invokeId: string; seq: number; chunk: string }): boolean {
    const inv = this.pending.get(p.invokeId);
    if (!inv || inv.nodeId !== callerNodeId) return false;
    if (p.seq < inv.nextSeq || inv.held.has(p.seq)) return true;
    if (p.seq - inv.nextSeq > MAX_HELD_CHUNKS) return true;
    inv.held.set(p.seq, p.chunk);
    for (let chunk = inv.held.get(inv.nextSeq); chunk !== undefined; chunk = inv.held.get(inv.nextSeq)) {
      inv.held.delete(inv.nextSeq);
      inv.nextSeq += 1;
      if (chunk !== "") inv.onProgress?.(chunk);
    }
    return true;
  }

  /** Fails every invoke of a node (it disconnected), or all of them (`nodeId` omitted: shutdown). */
  failAll(error: GatewayError, nodeId?: string): void {
    for (const inv of [...this.pending.values()]) if (nodeId === undefined || inv.nodeId === nodeId) inv.settle({ ok: false, error });
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  private forgetOld(): void {
    const cutoff = this.now() - IDEMPOTENCY_RETENTION_MS;
    for (const [key, entry] of this.byKey) {
      if (this.byKey.size <= MAX_REMEMBERED_INVOKES && (entry.settledAtMs === null || entry.settledAtMs > cutoff)) continue;
      if (entry.settledAtMs !== null) this.byKey.delete(key);
    }
  }
}
