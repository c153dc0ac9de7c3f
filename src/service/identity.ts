import { homedir } from "node:os";
import { join } from "node:path";
import type { Env } from "../config/paths.js";

/** The native service managers this CLI can drive. */
export type ServiceKind = "systemd" | "launchd";

export type ServiceIdentity = {
  kind: ServiceKind | "unsupported";
  profile?: string;
  /** systemd unit name without `.service` (`openclaw-gateway`, `openclaw-gateway-<p>`). */
  systemdName: string;
  /** `openclaw-gateway[-<p>].service` */
  systemdUnit: string;
  launchdLabel: string;
  description: string;
  /** The label shown to users for the active kind (unit name or launchd label). */
  label: string;
  /** Where the service definition lives for the active kind. */
  file: string;
  /** `~/.config/systemd/user` */
  systemdUserDir: string;
  /** `~/Library/LaunchAgents` */
  launchAgentsDir: string;
  /** `~/Library/Logs/openclaw/gateway[-<p>].log` (launchd stdout+stderr). */
  launchdLogPath: string;
  /** Reasons the identity cannot be used to install (e.g. a reserved launchd profile name). */
  problems: string[];
};

const RESERVED_LAUNCHD_PROFILES = new Set(["gateway", "node"]);

/**
 * The OS account home. Service definitions belong to the account, so `OPENCLAW_HOME` (which
 * relocates OpenClaw's own files) does not move them; `HOME` does (tests point it at a temp dir).
 */
export function serviceHomeDir(env: Env = process.env): string {
  return env.HOME || homedir();
}

export function platformServiceKind(platform: NodeJS.Platform = process.platform): ServiceKind | "unsupported" {
  if (platform === "linux") return "systemd";
  if (platform === "darwin") return "launchd";
  return "unsupported";
}

/**
 * Names and files of the gateway service for a profile (spec operations §5.1). The
 * `OPENCLAW_SYSTEMD_UNIT` / `OPENCLAW_LAUNCHD_LABEL` overrides apply to the default profile only.
 */
export function resolveServiceIdentity(
  profile: string | undefined,
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
): ServiceIdentity {
  const home = serviceHomeDir(env);
  const problems: string[] = [];
  let systemdName = profile ? `openclaw-gateway-${profile}` : "openclaw-gateway";
  let launchdLabel = profile ? `ai.openclaw.${profile.toLowerCase()}` : "ai.openclaw.gateway";
  if (!profile) {
    const unitOverride = env.OPENCLAW_SYSTEMD_UNIT?.trim();
    if (unitOverride) systemdName = unitOverride.replace(/\.service$/, "");
    const labelOverride = env.OPENCLAW_LAUNCHD_LABEL?.trim();
    if (labelOverride) launchdLabel = labelOverride;
  }
  const kind = platformServiceKind(platform);
  if (kind === "launchd" && profile && RESERVED_LAUNCHD_PROFILES.has(profile.toLowerCase())) {
    problems.push(`Profile name "${profile}" cannot be used for a LaunchAgent (ai.openclaw.${profile.toLowerCase()} is reserved); choose another profile name.`);
  }
  const systemdUnit = `${systemdName}.service`;
  const systemdUserDir = join(home, ".config", "systemd", "user");
  const launchAgentsDir = join(home, "Library", "LaunchAgents");
  const systemdFile = join(systemdUserDir, systemdUnit);
  const launchdFile = join(launchAgentsDir, `${launchdLabel}.plist`);
  return {
    kind,
    ...(profile ? { profile } : {}),
    systemdName,
    systemdUnit,
    launchdLabel,
    description: profile ? `OpenClaw Gateway (profile: ${profile})` : "OpenClaw Gateway",
    label: kind === "launchd" ? launchdLabel : systemdUnit,
    file: kind === "launchd" ? launchdFile : systemdFile,
    systemdUserDir,
    launchAgentsDir,
    launchdLogPath: join(home, "Library", "Logs", "openclaw", profile ? `gateway-${profile}.log` : "gateway.log"),
    problems,
  };
}
