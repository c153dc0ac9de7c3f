import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../infra/files.js";
import { isProcessAlive } from "../infra/process-info.js";

export const CRASH_LOOP_WINDOW_MS = 300_000;
export const CRASH_LOOP_THRESHOLD = 3;
const RETENTION_MS = 24 * 60 * 60_000;

export type BootRecord = { bootId: string; pid: number; startedAtMs: number; completedAtMs?: number; outcome?: string };

export type BreakerState = { tripped: boolean; uncleanBoots: number; windowMs: number; threshold: number };

/**
 * Every boot is recorded in the state dir and marked when it ends cleanly. Boots that never ended
 * (their process is gone) are crashes; too many of them in the window trip the crash-loop breaker.
 */
export class BootHistory {
  private records: BootRecord[] = [];
  private readonly path: string;

  constructor(
    stateDir: string,
    private now: () => number = Date.now,
    private alive: (pid: number) => boolean = isProcessAlive,
  ) {
    this.path = join(stateDir, "state", "boot-history.json");
  }

  private load(): BootRecord[] {
    try {
      const parsed = JSON.parse(readFileSync(this.path, "utf8"));
      return Array.isArray(parsed) ? parsed.filter((r) => r && typeof r.bootId === "string" && typeof r.startedAtMs === "number") : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      writeFileAtomicSync(this.path, JSON.stringify(this.records, null, 1) + "\n", 0o600);
    } catch {
      // The breaker fails open: a state dir we cannot write must not stop the gateway.
    }
  }

  recordBoot(bootId: string, pid = process.pid): void {
    const now = this.now();
    this.records = this.load().filter((r) => now - r.startedAtMs < RETENTION_MS);
    this.records.push({ bootId, pid, startedAtMs: now });
    this.save();
  }

  markEnded(bootId: string, outcome: string): void {
    const record = this.records.find((r) => r.bootId === bootId);
    if (!record) return;
    record.completedAtMs = this.now();
    record.outcome = outcome;
    this.save();
  }

  /** Unclean boots (never marked ended, process gone) that started within the window. */
  breaker(currentBootId: string): BreakerState {
    const now = this.now();
    const uncleanBoots = this.records.filter(
      (r) => r.bootId !== currentBootId && r.completedAtMs === undefined && now - r.startedAtMs < CRASH_LOOP_WINDOW_MS && !this.alive(r.pid),
    ).length;
    return { tripped: uncleanBoots >= CRASH_LOOP_THRESHOLD, uncleanBoots, windowMs: CRASH_LOOP_WINDOW_MS, threshold: CRASH_LOOP_THRESHOLD };
  }
}
