import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export type LifecycleAuditEntry = {
  source: string;
  action: string;
  mode: string;
  pid?: number;
  interactive: boolean;
};

export function lifecycleAuditPath(stateDir: string): string {
  return join(stateDir, "logs", "gateway-restart.log");
}

/**
 * Appends one line per service lifecycle mutation to `<stateDir>/logs/gateway-restart.log`:
 * `[<ISO>] openclaw gateway lifecycle source=<s> action=<a> mode=<m> [pid=<n>] interactive=<0|1>`.
 * Best effort: an unwritable log never fails the command.
 */
export function appendLifecycleAudit(stateDir: string, entry: LifecycleAuditEntry, now: Date = new Date()): void {
  const line =
    `[${now.toISOString()}] openclaw gateway lifecycle source=${entry.source} action=${entry.action} mode=${entry.mode}` +
    `${entry.pid ? ` pid=${entry.pid}` : ""} interactive=${entry.interactive ? 1 : 0}\n`;
  try {
    mkdirSync(join(stateDir, "logs"), { recursive: true, mode: 0o700 });
    appendFileSync(lifecycleAuditPath(stateDir), line, { mode: 0o600 });
  } catch {}
}
