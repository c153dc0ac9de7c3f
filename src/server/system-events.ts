const MAX_QUEUED = 20;
const DEDUPE_TTL_MS = 300_000;

/** Texts queued by `system-event` for the next agent turn, newest last, with idempotency-key dedupe. */
export class SystemEventQueue {
  private texts: string[] = [];
  private seenKeys = new Map<string, number>();

  /** Returns false when the idempotency key was already seen recently. */
  enqueue(text: string, idempotencyKey?: string, now = Date.now()): boolean {
    if (idempotencyKey) {
      for (const [key, at] of this.seenKeys) if (now - at > DEDUPE_TTL_MS) this.seenKeys.delete(key);
      if (this.seenKeys.has(idempotencyKey)) return false;
      this.seenKeys.set(idempotencyKey, now);
    }
    this.texts.push(text);
    if (this.texts.length > MAX_QUEUED) this.texts.shift();
    return true;
  }

  list(): string[] {
    return [...this.texts];
  }
}
