import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isPlainObject } from "../../config/objects.js";

export const MAX_IDEMPOTENCY_KEY_CHARS = 256;
/** How long a settled entry is replayed after its run ended. */
export const REPLAY_TTL_MS = 5 * 60_000;
export const MAX_SETTLED_REPLAYS = 1000;
/** A backstop for entries whose runs never settle; the oldest go first. */
export const MAX_REPLAYS = 10_000;

function usableKey(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const key = value.trim();
  return key !== "" && key.length <= MAX_IDEMPOTENCY_KEY_CHARS ? key : undefined;
}

function header(req: IncomingMessage, name: string): unknown {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Idempotency-Key`, then `X-OpenClaw-Idempotency-Key`, then the body's `idempotencyKey`; unusable values are skipped. */
export function idempotencyKeyOf(req: IncomingMessage, body: unknown): string | undefined {
  return usableKey(header(req, "idempotency-key")) ?? usableKey(header(req, "x-openclaw-idempotency-key")) ?? usableKey(isPlainObject(body) ? body.idempotencyKey : undefined);
}

/** One opaque key for a replay scope (token, path, idempotency key and dispatch fields). */
export function replayScope(parts: readonly unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

type Entry<T> = { value: Promise<T>; settledAt: number | null };

/**
 * Remembers dispatches by scope, in memory only (a restart forgets them). A pending or running
 * dispatch is shared by every replay; once `settle` marks it ended it is replayed for 5 minutes,
 * and at most 1000 settled entries are kept. Results `keep` refuses are forgotten, so they can be retried.
 */
export class ReplayCache<T> {
  private entries = new Map<string, Entry<T>>();

  constructor(private readonly ttlMs = REPLAY_TTL_MS) {}

  /** Dispatches once per scope; `replayed` says whether this call got an earlier dispatch's result. */
  once(scope: string, dispatch: () => Promise<T>, keep: (value: T) => boolean): { value: Promise<T>; replayed: boolean } {
    this.prune(Date.now());
    const existing = this.entries.get(scope);
    if (existing) return { value: existing.value, replayed: true };
    const entry: Entry<T> = { value: dispatch(), settledAt: null };
    this.entries.set(scope, entry);
    entry.value.then(
      (value) => {
        if (!keep(value) && this.entries.get(scope) === entry) this.entries.delete(scope);
      },
      () => {
        if (this.entries.get(scope) === entry) this.entries.delete(scope);
      },
    );
    return { value: entry.value, replayed: false };
  }

  /** The run behind `scope` ended: its entry now expires after the TTL. */
  settle(scope: string, now = Date.now()): void {
    const entry = this.entries.get(scope);
    if (entry && entry.settledAt === null) entry.settledAt = now;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    const settled: string[] = [];
    for (const [scope, entry] of this.entries) {
      if (entry.settledAt === null) continue;
      if (now - entry.settledAt >= this.ttlMs) this.entries.delete(scope);
      else settled.push(scope);
    }
    // Makes room for the entry about to be added; Map order puts the oldest first.
    const excess = settled.length - (MAX_SETTLED_REPLAYS - 1);
    for (const scope of settled.slice(0, Math.max(0, excess))) this.entries.delete(scope);
    for (const scope of this.entries.keys()) {
      if (this.entries.size < MAX_REPLAYS) break;
      this.entries.delete(scope);
    }
  }
}
