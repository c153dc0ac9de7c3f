import type { Logger } from "../../infra/logger.js";

/** The pino-shaped logger Baileys calls (its `ILogger`). */
export type BaileysLogger = {
  level: string;
  child(bindings: Record<string, unknown>): BaileysLogger;
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
};

function errorText(obj: unknown): string | undefined {
  if (obj instanceof Error) return obj.message;
  if (!obj || typeof obj !== "object") return undefined;
  const candidate = (obj as { err?: unknown; error?: unknown }).err ?? (obj as { error?: unknown }).error;
  return candidate instanceof Error ? candidate.message : undefined;
}

/**
 * Baileys' log calls, through our logger, one level quieter: its info lines are connection chatter
 * and its warnings are routine. Only the message and an error's message are kept: the objects it
 * logs can hold frames, keys and credentials, which must never reach a log.
 */
export function baileysLogger(log: Logger): BaileysLogger {
  const line = (obj: unknown, msg?: string): string => {
    const text = typeof obj === "string" ? obj : msg ?? "";
    const detail = errorText(obj);
    return `baileys: ${text}${detail ? ` (${detail})` : ""}`;
  };
  const self: BaileysLogger = {
    // Baileys renders whole frames as XML for its trace and debug lines only when asked to.
    level: log.enabled("trace") ? "trace" : log.enabled("debug") ? "debug" : "info",
    child: () => self,
    trace: (obj, msg) => log.enabled("trace") && log.trace(line(obj, msg)),
    debug: (obj, msg) => log.enabled("trace") && log.trace(line(obj, msg)),
    info: (obj, msg) => log.enabled("debug") && log.debug(line(obj, msg)),
    warn: (obj, msg) => log.enabled("debug") && log.debug(line(obj, msg)),
    error: (obj, msg) => log.warn(line(obj, msg)),
  };
  return self;
}
