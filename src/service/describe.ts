import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../config/paths.js";
import { detectDrift, servicePaths, servicePort, type DriftFinding } from "./drift.js";
import { resolveServiceIdentity, type ServiceIdentity, type ServiceKind } from "./identity.js";
import { readInstalledService, redactServiceEnvironment, type InstalledService } from "./installed.js";
import { resolveServiceManager, type CommandRunner, type ServiceManager } from "./manager.js";
import { resolveServiceTarget, type ServiceTarget } from "./target.js";

export type ServiceDescription = {
  /** The service manager running here, or "none" when there is none to talk to. */
  manager: ServiceKind | "none";
  /** The native manager of this platform, running or not. */
  kind: ServiceKind | "unsupported";
  managerRunning: boolean;
  managerReason?: string;
  label: string;
  file: string;
  installed: boolean;
  loaded?: boolean;
  active?: boolean;
  state?: string;
  subState?: string;
  pid?: number;
  lastExitStatus?: number;
  enabled?: string;
  /** The port the installed service runs on. */
  port?: number;
  command?: string[];
  workingDirectory?: string;
  /** The installed service's environment, secret-looking values masked. */
  environment?: Record<string, string>;
  serviceStateDir?: string;
  serviceConfigPath?: string;
  /** Human findings where the installed service differs from what `install` would write now. */
  drift: string[];
  driftFindings: DriftFinding[];
  /** systemd drop-ins that replace ExecStart/WorkingDirectory (the unit is then not ours to rewrite). */
  overridingDropIns?: string[];
  /** A system-level unit/daemon with the same name (supported, but never installed by this CLI). */
  systemLevelFile?: string;
};

export type DescribeOptions = {
  env?: Env;
  platform?: NodeJS.Platform;
  /** Injected manager (tests); default: the platform's. Null: no manager supported. */
  manager?: ServiceManager | null;
  runner?: CommandRunner;
  systemdRoot?: string;
  /** Where system-level units live (default /etc/systemd/system, /Library/LaunchDaemons). */
  systemDir?: string;
};

export function systemLevelServiceFile(identity: ServiceIdentity, systemDir?: string): string | undefined {
  if (identity.kind === "unsupported") return undefined;
  const file =
    identity.kind === "launchd"
      ? join(systemDir ?? "/Library/LaunchDaemons", `${identity.launchdLabel}.plist`)
      : join(systemDir ?? "/etc/systemd/system", identity.systemdUnit);
  return existsSync(file) ? file : undefined;
}

export function driftOf(installed: InstalledService, target: ServiceTarget, kind: ServiceKind | "unsupported"): DriftFinding[] {
  if (!installed.readable) return [{ code: "not-gateway", message: `Gateway service file ${installed.file} cannot be read: ${installed.error ?? "unknown format"}` }];
  return detectDrift(installed, { port: target.port, stateDir: target.stateDir, configPath: target.configPath, home: target.home }, kind === "launchd" ? "plist" : "unit");
}

/**
 * The service-manager view of the gateway service for a profile: identity, file, whether it is
 * installed/loaded/active, its pid and port, and drift against the current config. Never throws;
 * works without a running service manager (then only the file is inspected).
 */
export function describeService(profile: string | undefined, opts: DescribeOptions = {}): ServiceDescription {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const identity = resolveServiceIdentity(profile, env, platform);
  const manager = opts.manager !== undefined ? opts.manager : resolveServiceManager({ platform, runner: opts.runner, systemdRoot: opts.systemdRoot });
  const availability = manager ? manager.availability() : { running: false as const, reason: `no supported service manager on ${platform}`, hints: [] };
  const installed = identity.kind === "unsupported" ? null : readInstalledService(identity);
  const description: ServiceDescription = {
    manager: availability.running && manager ? manager.kind : "none",
    kind: identity.kind,
    managerRunning: availability.running,
    ...(!availability.running ? { managerReason: availability.reason } : {}),
    label: identity.label,
    file: identity.file,
    installed: installed !== null,
    drift: [],
    driftFindings: [],
  };
  const systemFile = systemLevelServiceFile(identity, opts.systemDir);
  if (systemFile) description.systemLevelFile = systemFile;
  if (installed) {
    const target = resolveServiceTarget(env);
    const port = servicePort(installed);
    const paths = servicePaths(installed, target.home);
    Object.assign(description, {
      ...(port !== undefined ? { port } : {}),
      command: installed.programArguments,
      ...(installed.workingDirectory ? { workingDirectory: installed.workingDirectory } : {}),
      environment: redactServiceEnvironment(installed.environment),
      serviceStateDir: paths.stateDir,
      serviceConfigPath: paths.configPath,
      ...(installed.overridingDropIns.length > 0 ? { overridingDropIns: installed.overridingDropIns } : {}),
    });
    description.driftFindings = driftOf(installed, target, identity.kind);
    description.drift = description.driftFindings.map((f) => f.message);
  }
  if (availability.running && manager) {
    const runtime = manager.runtime(identity);
    Object.assign(description, {
      loaded: runtime.loaded,
      active: runtime.active,
      ...(runtime.state ? { state: runtime.state } : {}),
      ...(runtime.subState ? { subState: runtime.subState } : {}),
      ...(runtime.pid ? { pid: runtime.pid } : {}),
      ...(runtime.lastExitStatus !== undefined ? { lastExitStatus: runtime.lastExitStatus } : {}),
      ...(runtime.enabled ? { enabled: runtime.enabled } : {}),
    });
  }
  return description;
}
