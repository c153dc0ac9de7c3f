import { isLoopback } from "../infra/loopback.js";

export type RateLimitSettings = { maxAttempts: number; windowMs: number; lockoutMs: number; exemptLoopback: boolean };

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000, exemptLoopback: true };

const LOOPBACK_DELAY_MIN_MS = 250;
const LOOPBACK_DELAY_MAX_MS = 5_000;
const MAX_TRACKED_KEYS = 10_000;

type Entry = { failures: number[]; lockedUntil: number };

/**
 * Counts wrong credentials per client address and credential class. Remote clients are locked out
 * after too many failures; loopback clients (when exempt) are slowed down instead.
 */
export class AuthRateLimiter {
  private entries = new Map<string, Entry>();

  constructor(private settings: RateLimitSettings = DEFAULT_RATE_LIMIT) {}

  configure(settings: RateLimitSettings): void {
    this.settings = settings;
  }

  /** Milliseconds until the key may try again, or 0 when it is not locked out. */
  lockedFor(ip: string, credentialClass: string, now = Date.now()): number {
    if (this.exempt(ip)) return 0;
    const entry = this.entries.get(`${ip}|${credentialClass}`);
    return entry && entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  /** Records a wrong credential; returns how long to delay the answer. */
  recordFailure(ip: string, credentialClass: string, now = Date.now()): number {
    const key = `${ip}|${credentialClass}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_TRACKED_KEYS) this.prune(now);
      entry = { failures: [], lockedUntil: 0 };
      this.entries.set(key, entry);
    }
    entry.failures = entry.failures.filter((t) => now - t < this.settings.windowMs);
    entry.failures.push(now);
    if (this.exempt(ip)) {
      return Math.min(LOOPBACK_DELAY_MAX_MS, LOOPBACK_DELAY_MIN_MS * 2 ** (entry.failures.length - 1));
    }
    if (entry.failures.length >= this.settings.maxAttempts) {
      entry.lockedUntil = now + this.settings.lockoutMs;
      entry.failures = [];
    }
    return 0;
  }

  recordSuccess(ip: string, credentialClass: string): void {
    this.entries.delete(`${ip}|${credentialClass}`);
  }

  private exempt(ip: string): boolean {
    return this.settings.exemptLoopback && isLoopback(ip);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntil <= now && entry.failures.every((t) => now - t >= this.settings.windowMs)) this.entries.delete(key);
    }
    if (this.entries.size >= MAX_TRACKED_KEYS) this.entries.clear();
  }
}
