export type LogLine = { id: number; time: string; timeTitle: string; level: string; subsystem: string; message: string };

export const LEVEL_FILTERS = [
  { value: "all", label: "All levels" },
  { value: "debug", label: "Debug and above" },
  { value: "info", label: "Info and above" },
  { value: "warn", label: "Warnings and errors" },
  { value: "error", label: "Errors only" },
] as const;
export type LevelFilter = (typeof LEVEL_FILTERS)[number]["value"];

const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const PLAIN_LEVEL = /\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL)\b/;

function normalizeLevel(value: unknown): string {
  const level = String(value ?? "").toLowerCase();
  if (level === "warning") return "warn";
  return level in RANK ? level : "info";
}

function shortTime(value: unknown): { time: string; timeTitle: string } {
  if (typeof value === "number") {
    const d = new Date(value);
    return { time: d.toLocaleTimeString(), timeTitle: d.toISOString() };
  }
  const text = typeof value === "string" ? value : "";
  return { time: /T(\d\d:\d\d:\d\d)/.exec(text)?.[1] ?? text, timeTitle: text };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
}

/** A log file line: our JSON records ({time, level, subsystem, message}) or plain text. */
export function parseLine(raw: string, id: number): LogLine {
  if (raw.startsWith("{")) {
    try {
      const o = JSON.parse(raw) as Record<string, unknown>;
      return {
        id,
        ...shortTime(o.time ?? o.ts ?? o.timestamp),
        level: normalizeLevel(o.level ?? o.lvl),
        subsystem: text(o.subsystem ?? o.module ?? o.name),
        message: text(o.message ?? o.msg ?? raw),
      };
    } catch {}
  }
  return { id, time: "", timeTitle: "", level: normalizeLevel(PLAIN_LEVEL.exec(raw)?.[1]), subsystem: "", message: raw };
}

export function passes(level: string, filter: LevelFilter): boolean {
  return filter === "all" || (RANK[level] ?? RANK.info!) >= RANK[filter]!;
}
