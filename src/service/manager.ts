import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { ServiceIdentity, ServiceKind } from "./identity.js";

export type RunResult = { code: number | null; stdout: string; stderr: string; error?: string };
/** Runs one command synchronously. Injected in tests so no real systemctl/launchctl is touched. */
export type CommandRunner = (command: string, args: string[], opts?: { timeoutMs?: number }) => RunResult;

export const defaultRunner: CommandRunner = (command, args, opts = {}) => {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 15_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    code: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    ...(result.error ? { error: (result.error as NodeJS.ErrnoException).code ?? result.error.message } : {}),
  };
};

/** A command of the service manager failed; the message carries the command line and its stderr. */
export class ServiceManagerError extends Error {}

export type ManagerAvailability =
  | { running: true }
  | { running: false; reason: string; hints: string[] };

export type ServiceRuntime = {
  loaded: boolean;
  active: boolean;
  state?: string;
  subState?: string;
  pid?: number;
  lastExitStatus?: number;
  enabled?: string;
};

export interface ServiceManager {
  readonly kind: ServiceKind;
  /** Whether this manager is actually running for the current user (not just installed). */
  availability(): ManagerAvailability;
  runtime(identity: ServiceIdentity): ServiceRuntime;
  /** Re-reads definitions after a file changed (systemd daemon-reload; no-op for launchd). */
  reload(): void;
  /** Registers the definition so it starts at login/boot. */
  enable(identity: ServiceIdentity): void;
  start(identity: ServiceIdentity): void;
  stop(identity: ServiceIdentity, opts?: { disable?: boolean }): void;
  restart(identity: ServiceIdentity): void;
  /** Removes the registration (disable / bootout); tolerant of an absent service. */
  unload(identity: ServiceIdentity): void;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

function check(runner: CommandRunner, command: string, args: string[]): RunResult {
  const result = runner(command, args);
  if (result.error === "ENOENT") throw new ServiceManagerError(`${command} not found on PATH`);
  if (result.code !== 0) {
    const detail = firstLine(result.stderr) || firstLine(result.stdout) || result.error || `exit ${result.code}`;
    throw new ServiceManagerError(`${command} ${args.join(" ")} failed: ${detail}`);
  }
  return result;
}

const SYSTEMD_LIVE_STATES = new Set(["running", "degraded", "starting", "initializing", "maintenance", "stopping"]);

export const NO_SYSTEMD_HINTS = [
  "On a host with systemd, a headless (SSH-only) user session needs lingering: loginctl enable-linger $USER, and XDG_RUNTIME_DIR=/run/user/$(id -u).",
];

export class SystemdUserManager implements ServiceManager {
  readonly kind = "systemd" as const;
  constructor(
    private readonly runner: CommandRunner = defaultRunner,
    /** systemd creates this directory when it is PID 1; absent in most containers. */
    private readonly systemdRoot = "/run/systemd/system",
  ) {}

  availability(): ManagerAvailability {
    if (!existsSync(this.systemdRoot)) {
      return { running: false, reason: "systemd user session not found", hints: NO_SYSTEMD_HINTS };
    }
    const state = this.runner("systemctl", ["--user", "is-system-running"], { timeoutMs: 5000 });
    if (state.error === "ENOENT") return { running: false, reason: "systemctl not found", hints: NO_SYSTEMD_HINTS };
    if (SYSTEMD_LIVE_STATES.has(state.stdout.trim())) return { running: true };
    const env = this.runner("systemctl", ["--user", "show-environment"], { timeoutMs: 5000 });
    if (env.code === 0) return { running: true };
    const detail = firstLine(env.stderr) || firstLine(state.stderr) || state.stdout.trim();
    return { running: false, reason: `systemd user session not found${detail ? ` (systemctl --user: ${detail})` : ""}`, hints: NO_SYSTEMD_HINTS };
  }

  runtime(identity: ServiceIdentity): ServiceRuntime {
    const result = this.runner("systemctl", [
      "--user", "show", identity.systemdUnit, "--no-pager",
      "--property=LoadState,ActiveState,SubState,MainPID,ExecMainStatus,UnitFileState",
    ]);
    if (result.code !== 0) return { loaded: false, active: false };
    const props: Record<string, string> = {};
    for (const line of result.stdout.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1).trim();
    }
    const pid = Number(props.MainPID);
    const exit = Number(props.ExecMainStatus);
    return {
      loaded: props.LoadState === "loaded",
      active: props.ActiveState === "active" || props.ActiveState === "activating" || props.ActiveState === "reloading",
      ...(props.ActiveState ? { state: props.ActiveState } : {}),
      ...(props.SubState ? { subState: props.SubState } : {}),
      ...(pid > 0 ? { pid } : {}),
      ...(props.ExecMainStatus !== undefined && Number.isFinite(exit) ? { lastExitStatus: exit } : {}),
      ...(props.UnitFileState ? { enabled: props.UnitFileState } : {}),
    };
  }

  reload(): void {
    check(this.runner, "systemctl", ["--user", "daemon-reload"]);
  }
  enable(identity: ServiceIdentity): void {
    check(this.runner, "systemctl", ["--user", "enable", identity.systemdUnit]);
  }
  start(identity: ServiceIdentity): void {
    check(this.runner, "systemctl", ["--user", "start", identity.systemdUnit]);
  }
  stop(identity: ServiceIdentity): void {
    check(this.runner, "systemctl", ["--user", "stop", identity.systemdUnit]);
  }
  restart(identity: ServiceIdentity): void {
    check(this.runner, "systemctl", ["--user", "restart", identity.systemdUnit]);
  }
  unload(identity: ServiceIdentity): void {
    this.runner("systemctl", ["--user", "disable", identity.systemdUnit]);
  }
}

export class LaunchdManager implements ServiceManager {
  readonly kind = "launchd" as const;
  constructor(
    private readonly runner: CommandRunner = defaultRunner,
    private readonly uid: number = process.getuid?.() ?? 501,
  ) {}

  private domain(): string {
    return `gui/${this.uid}`;
  }
  private target(identity: ServiceIdentity): string {
    return `${this.domain()}/${identity.launchdLabel}`;
  }

  availability(): ManagerAvailability {
    const result = this.runner("launchctl", ["print", this.domain()], { timeoutMs: 5000 });
    if (result.error === "ENOENT") return { running: false, reason: "launchctl not found", hints: [] };
    if (result.code !== 0) {
      return {
        running: false,
        reason: `launchd GUI session ${this.domain()} not found`,
        hints: ["LaunchAgents run in a logged-in user session; log in on the Mac (not only over SSH) and retry."],
      };
    }
    return { running: true };
  }

  runtime(identity: ServiceIdentity): ServiceRuntime {
    const result = this.runner("launchctl", ["print", this.target(identity)]);
    if (result.code !== 0) return { loaded: false, active: false };
    const state = /^\s*state = (\S+)/m.exec(result.stdout)?.[1];
    const pid = Number(/^\s*pid = (\d+)/m.exec(result.stdout)?.[1]);
    const exit = /^\s*last exit code = (-?\d+)/m.exec(result.stdout)?.[1];
    return {
      loaded: true,
      active: state === "running" || pid > 0,
      ...(state ? { state } : {}),
      ...(pid > 0 ? { pid } : {}),
      ...(exit !== undefined ? { lastExitStatus: Number(exit) } : {}),
    };
  }

  reload(): void {}
  enable(identity: ServiceIdentity): void {
    check(this.runner, "launchctl", ["enable", this.target(identity)]);
  }
  private bootstrapIfNeeded(identity: ServiceIdentity): boolean {
    if (this.runtime(identity).loaded) return false;
    check(this.runner, "launchctl", ["bootstrap", this.domain(), identity.file]);
    return true;
  }
  start(identity: ServiceIdentity): void {
    if (!this.bootstrapIfNeeded(identity)) check(this.runner, "launchctl", ["kickstart", this.target(identity)]);
  }
  stop(identity: ServiceIdentity, opts: { disable?: boolean } = {}): void {
    if (opts.disable) check(this.runner, "launchctl", ["disable", this.target(identity)]);
    check(this.runner, "launchctl", ["bootout", this.target(identity)]);
  }
  restart(identity: ServiceIdentity): void {
    if (!this.bootstrapIfNeeded(identity)) check(this.runner, "launchctl", ["kickstart", "-k", this.target(identity)]);
  }
  unload(identity: ServiceIdentity): void {
    this.runner("launchctl", ["bootout", this.target(identity)]);
  }
}

export type ManagerOptions = { platform?: NodeJS.Platform; runner?: CommandRunner; systemdRoot?: string; uid?: number };

/** The native manager for this platform, or null where none is supported. */
export function resolveServiceManager(opts: ManagerOptions = {}): ServiceManager | null {
  const platform = opts.platform ?? process.platform;
  if (platform === "linux") return new SystemdUserManager(opts.runner, opts.systemdRoot);
  if (platform === "darwin") return new LaunchdManager(opts.runner, opts.uid);
  return null;
}
