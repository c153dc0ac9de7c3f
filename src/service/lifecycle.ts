import { existsSync, mkdirSync, readFileSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { resolveProfile, type Env } from "../config/paths.js";
import { formatConfigIssues } from "../config/snapshot.js";
import { writeFileAtomicSync } from "../infra/files.js";
import { CliError, EXIT_CONFIG } from "../cli/exit.js";
import { appendLifecycleAudit } from "./audit.js";
import { SERVICE_START_TIMEOUT_SEC } from "./budget.js";
import { buildServiceDefinition, defaultCliEntryPath, type ServiceDefinition } from "./definition.js";
import { systemLevelServiceFile, driftOf } from "./describe.js";
import { servicePort } from "./drift.js";
import { waitForHealthy } from "./health-wait.js";
import { localTlsPin } from "../infra/tls/tls-pin.js";
import { resolveServiceIdentity, type ServiceIdentity, type ServiceKind } from "./identity.js";
import { readInstalledService } from "./installed.js";
import { renderLaunchAgentPlist } from "./launchd-plist.js";
import { resolveServiceManager, ServiceManagerError, type ManagerAvailability, type ServiceManager } from "./manager.js";
import { renderSystemdUnit } from "./systemd-unit.js";
import { resolveServiceTarget, type ServiceTarget } from "./target.js";

/** Everything a lifecycle operation touches, injectable so tests never reach a real manager. */
export type LifecycleContext = {
  env: Env;
  platform: NodeJS.Platform;
  /** The platform's manager (null: unsupported platform). */
  manager: ServiceManager | null;
  execPath: string;
  entryPath: string;
  /** Whether a person is at the terminal (stdin and stdout are TTYs). */
  interactive: boolean;
  /** Waits until the gateway on `port` answers /healthz (over https with `tlsPin` when gateway.tls is on); false on timeout. */
  healthCheck: (port: number, timeoutMs: number, tlsPin?: () => string) => Promise<boolean>;
  healthTimeoutMs: number;
  /** Where system-level units live (tests point it at a temp dir). */
  systemDir?: string;
  /** Audit-trail source tag (`cli`, `doctor`). */
  source: string;
};

export function defaultLifecycleContext(overrides: Partial<LifecycleContext> = {}): LifecycleContext {
  const platform = overrides.platform ?? process.platform;
  return {
    env: process.env,
    platform,
    manager: overrides.manager !== undefined ? overrides.manager : resolveServiceManager({ platform }),
    execPath: process.execPath,
    entryPath: defaultCliEntryPath(),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    healthCheck: (port, timeoutMs, tlsPin) => waitForHealthy(port, timeoutMs, undefined, tlsPin),
    healthTimeoutMs: SERVICE_START_TIMEOUT_SEC * 1000,
    source: "cli",
    ...overrides,
  };
}

export type LifecycleAction = "install" | "uninstall" | "start" | "stop" | "restart";

export type LifecycleResult = {
  ok: boolean;
  action: LifecycleAction;
  /** installed | reinstalled | already-installed | install-health-failed | uninstalled | not-installed | started | already-running | start-health-failed | stopped | already-stopped | not-running | restarted | restart-health-failed */
  result: string;
  message: string;
  manager: ServiceKind | "none";
  label: string;
  file: string;
  port?: number;
  pid?: number;
  warnings: string[];
};

export function cliPrefix(env: Env): string {
  const profile = resolveProfile(env);
  if (!profile) return "openclaw";
  return profile === "dev" ? "openclaw --dev" : `openclaw --profile ${profile}`;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The plain "no service manager" refusal, with what to do instead. */
export function noServiceManagerError(
  verb: string,
  availability: Extract<ManagerAvailability, { running: false }>,
  ctx: LifecycleContext,
  port?: number,
): CliError {
  const cli = cliPrefix(ctx.env);
  const argv = [ctx.execPath, ctx.entryPath, "gateway", ...(port ? ["--port", String(port)] : [])];
  const lines = [
    `No service manager is running here (${availability.reason}), so the gateway service cannot be ${verb}.`,
    "What you can do instead:",
    `  - run the gateway in the foreground: ${cli} gateway`,
    "  - or run it under your own supervisor (container restart policy, supervisord, runit, s6, ...):",
    `      ${argv.map(shellQuote).join(" ")}`,
    '    and do not restart it when it exits with code 78 (configuration error).',
    `  - to see the service definition install would write: ${cli} gateway install --print`,
    ...availability.hints,
  ];
  return new CliError(lines.join("\n"));
}

function requireManager(ctx: LifecycleContext, verb: string, port?: number): ServiceManager {
  if (!ctx.manager) {
    throw new CliError(
      `Service management is not supported on ${ctx.platform} by this gateway; nothing can be ${verb}. ` +
        `Run \`${cliPrefix(ctx.env)} gateway\` in the foreground or under your own supervisor.`,
    );
  }
  const availability = ctx.manager.availability();
  if (!availability.running) throw noServiceManagerError(verb, availability, ctx, port);
  return ctx.manager;
}

function identityFor(ctx: LifecycleContext): ServiceIdentity {
  return resolveServiceIdentity(resolveProfile(ctx.env), ctx.env, ctx.platform);
}

/** True when this CLI runs inside the very service it would manage. */
export function runningInsideService(identity: ServiceIdentity, env: Env): boolean {
  if (env.OPENCLAW_SERVICE_MARKER !== "openclaw") return false;
  return (
    (identity.kind === "systemd" && env.OPENCLAW_SYSTEMD_UNIT?.replace(/\.service$/, "") === identity.systemdName) ||
    (identity.kind === "launchd" && env.OPENCLAW_LAUNCHD_LABEL === identity.launchdLabel)
  );
}

function refuseInsideService(identity: ServiceIdentity, env: Env, action: string): void {
  if (runningInsideService(identity, env)) {
    throw new CliError(`Refusing to ${action} the gateway service from inside the service itself (${identity.label}); run it from a normal shell.`);
  }
}

export type PlannedService = {
  identity: ServiceIdentity;
  kind: ServiceKind;
  target: ServiceTarget;
  definition: ServiceDefinition;
  content: string;
};

/** The definition `install` would write now, for the platform's manager (or `format`). */
export function planService(ctx: LifecycleContext, portFlag?: number, format?: ServiceKind): PlannedService {
  const identity = identityFor(ctx);
  const kind = format ?? (identity.kind === "unsupported" ? undefined : identity.kind);
  if (!kind) {
    throw new CliError(`Service management is not supported on ${ctx.platform} by this gateway. Run \`${cliPrefix(ctx.env)} gateway\` in the foreground or under your own supervisor.`);
  }
  const target = resolveServiceTarget(ctx.env, portFlag);
  const definition = buildServiceDefinition({ identity, kind, port: target.port, env: ctx.env, execPath: ctx.execPath, entryPath: ctx.entryPath, platform: ctx.platform });
  const content = kind === "systemd" ? renderSystemdUnit(definition) : renderLaunchAgentPlist(definition, identity.launchdLogPath);
  return { identity, kind, target, definition, content };
}

function withoutComments(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.trim().startsWith("#"))
    .join("\n")
    .trim();
}

function readTextOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function audit(ctx: LifecycleContext, stateDir: string, action: string, mode: string, pid?: number): void {
  appendLifecycleAudit(stateDir, { source: ctx.source, action, mode, ...(pid ? { pid } : {}), interactive: ctx.interactive });
}

function base(action: LifecycleAction, identity: ServiceIdentity, manager: ServiceKind | "none"): Omit<LifecycleResult, "ok" | "result" | "message"> {
  return { action, manager, label: identity.label, file: identity.file, warnings: [] };
}

function targetTlsPin(target: ServiceTarget): (() => string) | undefined {
  return target.config.valid ? localTlsPin(target.config.config.gateway?.tls, target.stateDir) : undefined;
}

/** After a start or restart: waits for /healthz and says whether the gateway came up. */
async function awaitHealthy(
  ctx: LifecycleContext,
  manager: ServiceManager,
  identity: ServiceIdentity,
  result: LifecycleResult,
  port: number | undefined,
  action: "start" | "restart",
  tlsPin?: () => string,
): Promise<LifecycleResult> {
  const done = action === "start" ? "started" : "restarted";
  result.port = port;
  const healthy = port ? await ctx.healthCheck(port, ctx.healthTimeoutMs, tlsPin) : true;
  const after = manager.runtime(identity);
  if (after.pid) result.pid = after.pid;
  if (!healthy) {
    result.ok = false;
    result.result = `${action}-health-failed`;
    result.message = `Gateway service ${identity.label} was ${done} but the gateway did not answer /healthz on port ${port} within ${Math.round(ctx.healthTimeoutMs / 1000)}s. ${logHint(identity)}`;
  } else {
    result.message = `Gateway service ${identity.label} ${done}${after.pid ? ` (pid ${after.pid})` : ""}.`;
  }
  return result;
}

function logHint(identity: ServiceIdentity): string {
  return identity.kind === "launchd"
    ? `Check the service log: ${identity.launchdLogPath}`
    : `Check the service log: journalctl --user -u ${identity.systemdUnit} -n 50`;
}

/**
 * `gateway install`: writes the unit/plist, registers and starts it, then waits for /healthz.
 * Refuses without a running service manager, before writing anything; a failing manager command
 * restores the previous file (or removes the new one).
 */
export async function installService(ctx: LifecycleContext, opts: { port?: number; force?: boolean } = {}): Promise<LifecycleResult> {
  const plan = planService(ctx, opts.port);
  const { identity, target, content } = plan;
  if (identity.problems.length > 0) throw new CliError(identity.problems.join("\n"));
  if (target.config.exists && !target.config.valid) {
    throw new CliError(`${formatConfigIssues(target.config)}\nFix the config (see openclaw doctor) before installing the gateway service.`, EXIT_CONFIG);
  }
  const auth = target.config.config.gateway?.auth;
  if (auth?.token && auth.password && !auth.mode) {
    throw new CliError("gateway.auth.token and gateway.auth.password are both set while gateway.auth.mode is not; set gateway.auth.mode before installing the service.", EXIT_CONFIG);
  }
  refuseInsideService(identity, ctx.env, "install");
  const systemFile = systemLevelServiceFile(identity, ctx.systemDir);
  if (systemFile) {
    throw new CliError(`System-level OpenClaw gateway service detected (${systemFile}); refusing to install a user service alongside it, which would run a second gateway. Manage or remove the system service first.`);
  }
  const manager = requireManager(ctx, "installed", target.port);

  const previous = readTextOrNull(identity.file);
  const result: LifecycleResult = { ...base("install", identity, manager.kind), ok: true, result: "installed", message: "", port: target.port };
  if (previous !== null) {
    const installed = readInstalledService(identity);
    if (installed && installed.overridingDropIns.length > 0) {
      throw new CliError(
        `The installed unit is overridden by drop-ins that replace ExecStart or WorkingDirectory (${installed.overridingDropIns.join(", ")}); ` +
          "refusing to manage a definition this CLI does not control. Remove those drop-ins first.",
      );
    }
    if (withoutComments(previous) !== withoutComments(content) && !opts.force) {
      const drift = installed ? driftOf(installed, target, identity.kind).map((f) => `  - ${f.message}`) : [];
      throw new CliError(
        [`Gateway service already installed at ${identity.file} with a different definition.`, ...drift, `Reinstall with: ${cliPrefix(ctx.env)} gateway install --force`].join("\n"),
      );
    }
  }
  const unchanged = previous !== null && withoutComments(previous) === withoutComments(content);
  const wasActive = previous !== null && manager.runtime(identity).active;

  if (!unchanged) {
    if (identity.kind === "launchd") mkdirSync(dirname(identity.launchdLogPath), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(identity.file, content, 0o644);
  }
  try {
    if (!unchanged && manager.kind === "launchd" && wasActive) manager.unload(identity);
    manager.reload();
    manager.enable(identity);
    if (wasActive && !unchanged && manager.kind === "systemd") manager.restart(identity);
    else if (!manager.runtime(identity).active) manager.start(identity);
  } catch (err) {
    if (!unchanged) {
      try {
        if (previous === null) {
          manager.unload(identity);
          unlinkSync(identity.file);
        } else writeFileAtomicSync(identity.file, previous, 0o644);
        manager.reload();
      } catch {}
    }
    const what = previous === null ? `${identity.file} was removed again` : `the previous ${identity.file} was restored`;
    throw new CliError(`Could not install the gateway service: ${err instanceof ServiceManagerError ? err.message : (err as Error).message}. ${what}.`);
  }
  result.result = unchanged ? "already-installed" : previous === null ? "installed" : "reinstalled";
  audit(ctx, target.stateDir, "install", manager.kind);

  const tlsPin = targetTlsPin(target);
  const healthy = await ctx.healthCheck(target.port, ctx.healthTimeoutMs, tlsPin);
  const runtime = manager.runtime(identity);
  if (runtime.pid) result.pid = runtime.pid;
  const verb = result.result === "already-installed" ? "is already installed" : result.result === "reinstalled" ? "was reinstalled" : "was installed";
  if (!healthy) {
    result.ok = false;
    result.result = "install-health-failed";
    result.message = `Gateway service ${identity.label} ${verb} (${identity.file}) but the gateway did not answer ${tlsPin ? "https" : "http"}://127.0.0.1:${target.port}/healthz within ${Math.round(ctx.healthTimeoutMs / 1000)}s. ${logHint(identity)}`;
  } else {
    result.message = `Gateway service ${identity.label} ${verb} and running${runtime.pid ? ` (pid ${runtime.pid})` : ""} on port ${target.port}. Service file: ${identity.file}`;
  }
  if (!target.config.exists) result.warnings.push(`No config at ${target.configPath} yet; the gateway creates one with a generated token on first start.`);
  else if ((auth?.mode ?? (auth?.password ? "password" : "token")) === "token" && !auth?.token) {
    result.warnings.push("No gateway token is configured; each start would generate a different runtime token. Run `openclaw doctor --fix` to persist one.");
  }
  return result;
}

/** `gateway uninstall`: stops and unregisters the service and removes its file; config and state stay. */
export async function uninstallService(ctx: LifecycleContext): Promise<LifecycleResult> {
  const identity = identityFor(ctx);
  const target = resolveServiceTarget(ctx.env);
  const manager = ctx.manager;
  const availability = manager ? manager.availability() : { running: false as const, reason: `no supported service manager on ${ctx.platform}`, hints: [] };
  const live = availability.running && manager ? manager : null;
  const result: LifecycleResult = { ...base("uninstall", identity, live ? live.kind : "none"), ok: true, result: "uninstalled", message: "" };
  const fileExists = identity.kind !== "unsupported" && existsSync(identity.file);
  const runtime = live ? live.runtime(identity) : { loaded: false, active: false };
  if (!fileExists && !runtime.loaded) {
    result.result = "not-installed";
    result.message = `Gateway service ${identity.label} is not installed (${identity.file} does not exist); nothing to uninstall.`;
    return result;
  }
  refuseInsideService(identity, ctx.env, "uninstall");
  if (live) {
    try {
      if (runtime.active || (live.kind === "launchd" && runtime.loaded)) live.stop(identity);
      live.unload(identity);
    } catch (err) {
      throw new CliError(`Could not stop the gateway service before removing it: ${(err as Error).message}`);
    }
  }
  if (fileExists) unlinkSync(identity.file);
  if (live) {
    try {
      live.reload();
    } catch {}
  }
  audit(ctx, target.stateDir, "uninstall", live ? live.kind : "none");
  result.message =
    `Gateway service ${identity.label} uninstalled (removed ${identity.file}). Config and state in ${target.stateDir} are kept.` +
    (live ? "" : ` No service manager is running here (${"reason" in availability ? availability.reason : "unknown"}), so only the file was removed.`);
  return result;
}

/**
 * What start and restart share: the installed service, a running manager (or the plain refusal),
 * and drift against the current config as warnings.
 */
function prepareInstalled(ctx: LifecycleContext, action: "start" | "restart") {
  const identity = identityFor(ctx);
  const target = resolveServiceTarget(ctx.env);
  const installed = identity.kind === "unsupported" ? null : readInstalledService(identity);
  const manager = requireManager(ctx, action === "start" ? "started" : "restarted", installed ? undefined : target.port);
  if (!installed) {
    throw new CliError(`Gateway service is not installed (${identity.file} does not exist). Install it with: ${cliPrefix(ctx.env)} gateway install`);
  }
  const result: LifecycleResult = { ...base(action, identity, manager.kind), ok: true, result: action === "start" ? "started" : "restarted", message: "" };
  const drift = driftOf(installed, target, identity.kind);
  result.warnings.push(...drift.map((f) => `${f.message}. Reinstall with: ${cliPrefix(ctx.env)} gateway install --force (or openclaw doctor --fix)`));
  return { identity, target, installed, manager, result };
}

/** `gateway start`: idempotent; reports the running pid when already up. */
export async function startService(ctx: LifecycleContext): Promise<LifecycleResult> {
  const { identity, target, installed, manager, result } = prepareInstalled(ctx, "start");
  const before = manager.runtime(identity);
  if (before.active) {
    result.result = "already-running";
    if (before.pid) result.pid = before.pid;
    result.message = `Gateway service ${identity.label} is already running${before.pid ? ` (pid ${before.pid})` : ""}.`;
    return result;
  }
  try {
    manager.start(identity);
  } catch (err) {
    throw new CliError(`Could not start the gateway service: ${(err as Error).message}. ${logHint(identity)}`);
  }
  audit(ctx, target.stateDir, "start", manager.kind);
  return awaitHealthy(ctx, manager, identity, result, servicePort(installed) ?? target.port, "start", targetTlsPin(target));
}

/** `gateway stop`: a no-op when nothing runs; otherwise requires --force in a non-interactive shell. */
export async function stopService(ctx: LifecycleContext, opts: { force?: boolean; disable?: boolean } = {}): Promise<LifecycleResult> {
  const identity = identityFor(ctx);
  if (opts.disable && identity.kind !== "launchd") {
    throw new CliError(`--disable applies to launchd only. On systemd, run: systemctl --user disable --now ${identity.systemdUnit}`);
  }
  const manager = ctx.manager;
  const availability = manager ? manager.availability() : { running: false as const, reason: `no supported service manager on ${ctx.platform}`, hints: [] };
  if (!availability.running || !manager) {
    return {
      ...base("stop", identity, "none"), ok: true, result: "not-running",
      message: `No service manager is running here (${"reason" in availability ? availability.reason : "unknown"}), so no gateway service is running; nothing to stop. A foreground gateway stops with Ctrl-C or SIGTERM.`,
    };
  }
  const result: LifecycleResult = { ...base("stop", identity, manager.kind), ok: true, result: "stopped", message: "" };
  const runtime = manager.runtime(identity);
  if (!existsSync(identity.file) && !runtime.loaded) {
    result.result = "not-installed";
    result.message = `Gateway service ${identity.label} is not installed; nothing to stop.`;
    return result;
  }
  const running = manager.kind === "launchd" ? runtime.loaded : runtime.active;
  if (!running && !opts.disable) {
    result.result = "already-stopped";
    result.message = `Gateway service ${identity.label} is not running; nothing to stop.`;
    return result;
  }
  refuseInsideService(identity, ctx.env, "stop");
  if (!ctx.interactive && !opts.force) {
    throw new CliError(
      `Refusing to stop the gateway service ${identity.label}${runtime.pid ? ` (pid ${runtime.pid})` : ""} from a non-interactive shell without --force. ` +
        `Re-run with: ${cliPrefix(ctx.env)} gateway stop --force`,
    );
  }
  try {
    manager.stop(identity, { disable: opts.disable });
  } catch (err) {
    throw new CliError(`Could not stop the gateway service: ${(err as Error).message}`);
  }
  audit(ctx, resolveServiceTarget(ctx.env).stateDir, "stop", manager.kind, runtime.pid);
  if (runtime.pid) result.pid = runtime.pid;
  result.message = `Gateway service ${identity.label} stopped${runtime.pid ? ` (was pid ${runtime.pid})` : ""}.${opts.disable ? " It stays disabled until the next install or start." : ""}`;
  return result;
}

/** `gateway restart`: through the service manager, then waits for /healthz. */
export async function restartService(ctx: LifecycleContext): Promise<LifecycleResult> {
  const { identity, target, installed, manager, result } = prepareInstalled(ctx, "restart");
  const before = manager.runtime(identity);
  try {
    manager.restart(identity);
  } catch (err) {
    throw new CliError(`Could not restart the gateway service: ${(err as Error).message}. ${logHint(identity)}`);
  }
  audit(ctx, target.stateDir, "restart", manager.kind, before.pid);
  return awaitHealthy(ctx, manager, identity, result, servicePort(installed) ?? target.port, "restart", targetTlsPin(target));
}

/**
 * Rewrites a drifted service definition with the current port and paths (doctor's repair): write,
 * reload, and restart only if it was running. Never starts a stopped service. Requires a running
 * service manager; a failing manager command restores the previous file.
 */
export function regenerateServiceDefinition(ctx: LifecycleContext): { file: string; restarted: boolean; port: number } {
  const plan = planService(ctx);
  const { identity, target, content } = plan;
  if (identity.problems.length > 0) throw new CliError(identity.problems.join("\n"));
  const manager = requireManager(ctx, "repaired", target.port);
  const previous = readTextOrNull(identity.file);
  if (previous === null) throw new CliError(`Gateway service is not installed (${identity.file}); nothing to repair.`);
  const wasActive = manager.runtime(identity).active;
  writeFileAtomicSync(identity.file, content, 0o644);
  try {
    if (manager.kind === "launchd") {
      if (wasActive) {
        manager.unload(identity);
        manager.start(identity);
      }
    } else {
      manager.reload();
      if (wasActive) manager.restart(identity);
    }
  } catch (err) {
    try {
      writeFileAtomicSync(identity.file, previous, 0o644);
      manager.reload();
    } catch {}
    throw new CliError(`Could not reload the repaired gateway service: ${(err as Error).message}. The previous ${identity.file} was restored.`);
  }
  audit(ctx, target.stateDir, "repair", manager.kind);
  return { file: identity.file, restarted: wasActive, port: target.port };
}
