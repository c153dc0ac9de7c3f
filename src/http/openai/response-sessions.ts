export const RESPONSE_SESSION_TTL_MS = 30 * 60_000;
export const RESPONSE_SESSION_MAX_ENTRIES = 500;

/** Who may continue a response: the same caller, agent and explicit session header. */
export type ResponseScope = { subject: string; agentId: string; sessionKeyHeader?: string };

type Entry = ResponseScope & { sessionKey: string; expiresAt: number };

/** Remembers which session each `/v1/responses` answer ran in, for `previous_response_id`. */
export class ResponseSessionStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = RESPONSE_SESSION_TTL_MS,
    private readonly maxEntries = RESPONSE_SESSION_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  remember(responseId: string, scope: ResponseScope, sessionKey: string): void {
    this.entries.delete(responseId);
    this.entries.set(responseId, { ...scope, sessionKey, expiresAt: this.now() + this.ttlMs });
    // Maps iterate in insertion order, so the first keys are the oldest.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }

  /** The session of `responseId` when it is still fresh and `scope` matches; else undefined. */
  sessionFor(responseId: string, scope: ResponseScope): string | undefined {
    const entry = this.entries.get(responseId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(responseId);
      return undefined;
    }
    const same = entry.subject === scope.subject && entry.agentId === scope.agentId && entry.sessionKeyHeader === scope.sessionKeyHeader;
    return same ? entry.sessionKey : undefined;
  }
}

const storesByGateway = new WeakMap<object, ResponseSessionStore>();

/** One store per running gateway (tests start many in one process). */
export function responseSessionsOf(gateway: object): ResponseSessionStore {
  let store = storesByGateway.get(gateway);
  if (!store) {
    store = new ResponseSessionStore();
    storesByGateway.set(gateway, store);
  }
  return store;
}
