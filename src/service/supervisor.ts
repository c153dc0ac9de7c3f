import type { Env } from "../config/paths.js";

/** Who supervises this process; null when nobody does (a foreground run). */
export type Supervisor = "systemd" | "launchd" | "schtasks" | "external" | null;

/**
 * Which supervisor runs this process, from environment markers only (spec operations §5.4).
 * - `OPENCLAW_SUPERVISOR_MODE=external` wins over everything.
 * - launchd: `OPENCLAW_LAUNCHD_LABEL`, or `LAUNCH_JOB_LABEL`/`LAUNCH_JOB_NAME` equal to the expected
 *   label, or `XPC_SERVICE_NAME` equal to `ai.openclaw.gateway` (or the expected label).
 * - systemd: `OPENCLAW_SYSTEMD_UNIT`, `INVOCATION_ID`, `SYSTEMD_EXEC_PID` or `JOURNAL_STREAM`.
 * - schtasks: `OPENCLAW_WINDOWS_TASK_NAME`.
 * - The generic service marker (`OPENCLAW_SERVICE_MARKER=openclaw` + `OPENCLAW_SERVICE_KIND=gateway`)
 *   means systemd on Linux, launchd on macOS and schtasks on Windows.
 */
export function detectSupervisor(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  expectedLaunchdLabel = "ai.openclaw.gateway",
): Supervisor {
  if (env.OPENCLAW_SUPERVISOR_MODE?.trim().toLowerCase() === "external") return "external";
  const launchJob = env.LAUNCH_JOB_LABEL ?? env.LAUNCH_JOB_NAME;
  if (
    env.OPENCLAW_LAUNCHD_LABEL ||
    (launchJob !== undefined && launchJob === expectedLaunchdLabel) ||
    env.XPC_SERVICE_NAME === "ai.openclaw.gateway" ||
    (env.XPC_SERVICE_NAME !== undefined && env.XPC_SERVICE_NAME === expectedLaunchdLabel)
  ) {
    return "launchd";
  }
  if (env.OPENCLAW_SYSTEMD_UNIT || env.INVOCATION_ID || env.SYSTEMD_EXEC_PID || env.JOURNAL_STREAM) return "systemd";
  if (env.OPENCLAW_WINDOWS_TASK_NAME) return "schtasks";
  if (env.OPENCLAW_SERVICE_MARKER === "openclaw" && env.OPENCLAW_SERVICE_KIND === "gateway") {
    if (platform === "linux") return "systemd";
    if (platform === "darwin") return "launchd";
    if (platform === "win32") return "schtasks";
  }
  return null;
}
