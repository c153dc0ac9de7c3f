import { RotatingLogFile, resolveLogFilePath, DEFAULT_MAX_FILE_BYTES } from "./log-file.js";
import { Redactor } from "./redact.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type LevelSetting = LogLevel | "silent";

const RANK: Record<LevelSetting, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };
const MAX_MESSAGE_CHARS = 4096;

export type LogSettings = {
  fileLevel: LevelSetting;
  consoleLevel: LevelSetting;
  consoleStyle: "pretty" | "compact" | "json";
  file?: string;
  profile?: string;
  maxFileBytes: number;
  redactPatterns?: string[];
};

function timeWithOffset(now: Date): string {
  const offset = -now.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const local = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 23);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function consolePrefix(subsystem: string): string {
  const parts = subsystem.replace(/^(gateway|channels|providers)\//, "").split("/");
  return parts.slice(0, 2).join("/");
}

/** Process-wide log destination: a redacted console line and a JSON line in the file log. */
class LogSink {
  private settings: LogSettings = { fileLevel: "info", consoleLevel: "info", consoleStyle: "pretty", maxFileBytes: DEFAULT_MAX_FILE_BYTES };
  readonly redactor = new Redactor();
  private file = new RotatingLogFile(() => resolveLogFilePath(this.settings), DEFAULT_MAX_FILE_BYTES);
  private minRank = RANK.info;

  configure(patch: Partial<LogSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.file.setMaxBytes(this.settings.maxFileBytes);
    this.redactor.setPatterns(this.settings.redactPatterns);
    this.minRank = Math.min(RANK[this.settings.fileLevel], RANK[this.settings.consoleLevel]);
  }

  get filePath(): string {
    return resolveLogFilePath(this.settings);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.minRank;
  }

  write(level: LogLevel, subsystem: string, message: string): void {
    const rank = RANK[level];
    if (rank < this.minRank) return;
    let text = this.redactor.redact(message);
    if (text.length > MAX_MESSAGE_CHARS) text = text.slice(0, MAX_MESSAGE_CHARS) + "...(truncated)";
    const now = new Date();
    if (rank >= RANK[this.settings.fileLevel]) {
      this.file.append(JSON.stringify({ time: timeWithOffset(now), level, subsystem, message: text }) + "\n");
    }
    if (rank >= RANK[this.settings.consoleLevel]) {
      const stream = rank >= RANK.warn ? process.stderr : process.stdout;
      if (this.settings.consoleStyle === "json") {
        stream.write(JSON.stringify({ time: now.toISOString(), level, subsystem, message: text }) + "\n");
      } else {
        const tag = rank >= RANK.warn ? `${level.toUpperCase()} ` : "";
        stream.write(`${now.toISOString().slice(11, 19)} [${consolePrefix(subsystem)}] ${tag}${text}\n`);
      }
    }
  }

  drained(): Promise<void> {
    return this.file.drained();
  }

  flushSync(): void {
    this.file.flushSync();
  }
}

export const logSink = new LogSink();

export type Logger = {
  readonly subsystem: string;
  enabled(level: LogLevel): boolean;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};

export function createLogger(subsystem: string): Logger {
  return {
    subsystem,
    enabled: (level) => logSink.enabled(level),
    trace: (m) => logSink.write("trace", subsystem, m),
    debug: (m) => logSink.write("debug", subsystem, m),
    info: (m) => logSink.write("info", subsystem, m),
    warn: (m) => logSink.write("warn", subsystem, m),
    error: (m) => logSink.write("error", subsystem, m),
  };
}
