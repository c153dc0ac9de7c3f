export const CONTROL_PLANE_WRITE_LIMIT = 30;
export const CONTROL_PLANE_WRITE_WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

/** Control-plane writes (config.apply, config.patch): at most `limit` per window per method and client. */
export class WriteRateLimiter {
  private calls = new Map<string, number[]>();

  constructor(
    readonly limit = CONTROL_PLANE_WRITE_LIMIT,
    readonly windowMs = CONTROL_PLANE_WRITE_WINDOW_MS,
  ) {}

  /** Records the call and returns 0, or how many ms until one is allowed (the call is not recorded). */
  take(key: string, now = Date.now()): number {
    const recent = (this.calls.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.calls.set(key, recent);
      return recent[0] + this.windowMs - now;
    }
    if (!this.calls.has(key) && this.calls.size >= MAX_KEYS) this.calls.clear();
    recent.push(now);
    this.calls.set(key, recent);
    return 0;
  }
}
