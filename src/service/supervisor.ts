export type Supervisor = "systemd" | "launchd" | "external" | null;

type Env = Record<string, string | undefined>;

/** Which service manager started this process, from the markers it (or our unit) puts in the environment. */
export function detectSupervisor(env: Env, platform: NodeJS.Platform = process.platform): Supervisor {
  if (env.OPENCLAW_SUPERVISOR_MODE === "external") return "external";
  const marked = env.OPENCLAW_SERVICE_MARKER === "openclaw" && env.OPENCLAW_SERVICE_KIND === "gateway";
  if (env.OPENCLAW_LAUNCHD_LABEL || (env.XPC_SERVICE_NAME ?? "").startsWith("ai.openclaw.") || (platform === "darwin" && marked)) return "launchd";
  if (env.OPENCLAW_SYSTEMD_UNIT || env.INVOCATION_ID || env.SYSTEMD_EXEC_PID || env.JOURNAL_STREAM || (platform === "linux" && marked)) return "systemd";
  return null;
}
