import { monitorEventLoopDelay, performance, type EventLoopUtilization } from "node:perf_hooks";
import { cpus } from "node:os";

export type EventLoopHealth = {
  degraded: boolean;
  degradedSinceMs: number | null;
  reasons: Array<"event_loop_delay" | "event_loop_utilization" | "cpu">;
  intervalMs: number;
  delayP99Ms: number;
  delayMaxMs: number;
  utilization: number;
  cpuCoreRatio: number;
  cpuBreakdown: { mainThreadCoreRatio: number; hostCpuCount: number };
};

const DELAY_DEGRADED_MS = 500;
const UTILIZATION_DEGRADED = 0.95;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Samples event-loop delay, utilization and CPU between two reads. */
export class EventLoopMonitor {
  private histogram = monitorEventLoopDelay({ resolution: 20 });
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private degradedSince: number | null = null;
  private last: EventLoopHealth | null = null;
  private readonly cpuCount = Math.max(1, cpus().length);

  start(): void {
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  /** Takes a new sample when at least `minIntervalMs` passed since the previous one. */
  sample(minIntervalMs = 1000): EventLoopHealth {
    const now = performance.now();
    if (this.last && now - this.lastAt < minIntervalMs) return this.last;
    const intervalMs = now - this.lastAt;
    const elu = performance.eventLoopUtilization(this.lastElu);
    const cpu = process.cpuUsage(this.lastCpu);
    const cpuRatio = intervalMs > 0 ? (cpu.user + cpu.system) / 1000 / intervalMs : 0;
    const delayP99Ms = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    const delayMaxMs = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    const reasons: EventLoopHealth["reasons"] = [];
    // A window shorter than the minimum (e.g. the one covering start-up) says nothing about load.
    if (intervalMs >= minIntervalMs) {
      if (delayP99Ms > DELAY_DEGRADED_MS) reasons.push("event_loop_delay");
      if (elu.utilization > UTILIZATION_DEGRADED) reasons.push("event_loop_utilization");
    }
    const degraded = reasons.length > 0;
    if (degraded && this.degradedSince === null) this.degradedSince = Date.now();
    if (!degraded) this.degradedSince = null;
    this.last = {
      degraded,
      degradedSinceMs: this.degradedSince === null ? null : Date.now() - this.degradedSince,
      reasons,
      intervalMs: round(intervalMs),
      delayP99Ms: round(delayP99Ms, 1),
      delayMaxMs: round(delayMaxMs, 1),
      utilization: round(elu.utilization),
      cpuCoreRatio: round(cpuRatio),
      cpuBreakdown: { mainThreadCoreRatio: round(cpuRatio), hostCpuCount: this.cpuCount },
    };
    this.histogram.reset();
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    return this.last;
  }
}
