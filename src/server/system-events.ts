const MAX_QUEUED = 20;
const DEDUPE_TTL_MS = 300_000;

/** One queued text and, when the sender chose one, the session it is meant for. */
export type SystemEvent = { text: string; sessionKey?: string };

export type WakeOutcome = "queued" | "coalesced";

/** Texts queued by `system-event` and hook wakes for the next agent turn, newest last, with idempotency-key dedupe. */
export class SystemEventQueue {
  private events: SystemEvent[] = [];
  private seenKeys = new Map<string, number>();

  /** Returns false when the idempotency key was already seen recently. */
  enqueue(text: string, idempotencyKey?: string, now = Date.now(), sessionKey?: string): boolean {
    if (idempotencyKey) {
      for (const [key, at] of this.seenKeys) if (now - at > DEDUPE_TTL_MS) this.seenKeys.delete(key);
      if (this.seenKeys.has(idempotencyKey)) return false;
      this.seenKeys.set(idempotencyKey, now);
    }
    this.events.push(sessionKey === undefined ? { text } : { text, sessionKey });
    if (this.events.length > MAX_QUEUED) this.events.shift();
    return true;
  }

  /**
   * A wake is coalesced (not queued again) when the same text for the same session is already the
   * newest pending event, or when its idempotency key was seen recently.
   */
  enqueueWake(text: string, opts: { sessionKey?: string; idempotencyKey?: string } = {}): WakeOutcome {
    const newest = this.events[this.events.length - 1];
    if (newest && newest.text === text && newest.sessionKey === opts.sessionKey) return "coalesced";
    return this.enqueue(text, opts.idempotencyKey, Date.now(), opts.sessionKey) ? "queued" : "coalesced";
  }

  list(): string[] {
    return this.events.map((event) => event.text);
  }

  pending(): SystemEvent[] {
    return this.events.map((event) => ({ ...event }));
  }
}
