/** Lines sent at once before pacing starts, and the pace after that: under common flood limits. */
export const PACER_BURST = 5;
export const PACER_INTERVAL_MS = 500;

type Queued = { line: string; resolve: () => void; reject: (err: Error) => void };

/**
 * A token bucket for outbound lines: up to `burst` lines go out at once, then one per
 * `intervalMs`, so a long reply never trips the server's flood protection. Lines keep their
 * order; `push` resolves once its line was written. Nothing here waits on inbound traffic.
 */
export class LinePacer {
  private readonly queue: Queued[] = [];
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | undefined;
  private closedWith: Error | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly burst = PACER_BURST,
    private readonly intervalMs = PACER_INTERVAL_MS,
  ) {
    this.tokens = burst;
    this.refilledAt = Date.now();
  }

  get pending(): number {
    return this.queue.length;
  }

  push(line: string): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.drain();
    });
  }

  /** Rejects every queued line with `err` and refuses new ones. */
  close(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const item of this.queue.splice(0)) item.reject(err);
  }

  private refill(): void {
    const now = Date.now();
    const earned = Math.floor((now - this.refilledAt) / this.intervalMs);
    if (earned <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + earned);
    this.refilledAt = this.tokens === this.burst ? now : this.refilledAt + earned * this.intervalMs;
  }

  private drain(): void {
    if (this.timer || this.closedWith) return;
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      const item = this.queue.shift()!;
      this.tokens--;
      try {
        this.write(item.line);
        item.resolve();
      } catch (err) {
        item.reject(err as Error);
      }
    }
    if (this.queue.length > 0) {
      const wait = Math.max(1, this.refilledAt + this.intervalMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, wait);
    }
  }
}
