import { resolveProfile } from "../../config/paths.js";
import { CliError } from "../exit.js";
import { describeService, type ServiceDescription } from "../../service/describe.js";
import {
  defaultLifecycleContext,
  installService,
  planService,
  restartService,
  startService,
  stopService,
  uninstallService,
  type LifecycleContext,
  type LifecycleResult,
} from "../../service/lifecycle.js";

/**
 * `openclaw gateway install|uninstall|start|stop|restart` (also `openclaw daemon ...`) and the
 * service-manager status view. Each handler takes optional dependencies so tests can run it
 * against a fake manager and a temp HOME without touching the real one.
 */
export type ServiceCommandDeps = Partial<LifecycleContext> & { write?: (text: string) => void };

function contextFrom(deps: ServiceCommandDeps): { ctx: LifecycleContext; write: (text: string) => void } {
  const { write, ...overrides } = deps;
  return { ctx: defaultLifecycleContext(overrides), write: write ?? ((text) => void process.stdout.write(text)) };
}

export function parseServicePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new CliError(`Invalid --port "${value}". Use an integer from 1 to 65535.`);
  return port;
}

function report(result: LifecycleResult, json: boolean | undefined, write: (text: string) => void): LifecycleResult {
  if (json) write(JSON.stringify(result, null, 2) + "\n");
  else write([result.message, ...result.warnings.map((w) => `Warning: ${w}`)].join("\n") + "\n");
  if (!result.ok) process.exitCode = 1;
  return result;
}

export type InstallFlags = { port?: string; force?: boolean; json?: boolean; print?: boolean };

/** `gateway install [--port] [--force] [--print] [--json]` */
export async function serviceInstallCommand(flags: InstallFlags, deps: ServiceCommandDeps = {}): Promise<LifecycleResult | string> {
  const { ctx, write } = contextFrom(deps);
  const port = parseServicePort(flags.port);
  if (flags.print) {
    const plan = planService(ctx, port);
    if (flags.json) {
      write(JSON.stringify({ ok: true, action: "install", result: "printed", manager: plan.kind, label: plan.identity.label, file: plan.identity.file, port: plan.target.port, content: plan.content }, null, 2) + "\n");
    } else write(plan.content);
    return plan.content;
  }
  return report(await installService(ctx, { port, force: flags.force }), flags.json, write);
}

export async function serviceUninstallCommand(flags: { json?: boolean }, deps: ServiceCommandDeps = {}): Promise<LifecycleResult> {
  const { ctx, write } = contextFrom(deps);
  return report(await uninstallService(ctx), flags.json, write);
}

export async function serviceStartCommand(flags: { json?: boolean }, deps: ServiceCommandDeps = {}): Promise<LifecycleResult> {
  const { ctx, write } = contextFrom(deps);
  return report(await startService(ctx), flags.json, write);
}

export async function serviceStopCommand(flags: { force?: boolean; disable?: boolean; json?: boolean }, deps: ServiceCommandDeps = {}): Promise<LifecycleResult> {
  const { ctx, write } = contextFrom(deps);
  return report(await stopService(ctx, { force: flags.force, disable: flags.disable }), flags.json, write);
}

export async function serviceRestartCommand(flags: { force?: boolean; json?: boolean }, deps: ServiceCommandDeps = {}): Promise<LifecycleResult> {
  const { ctx, write } = contextFrom(deps);
  return report(await restartService(ctx), flags.json, write);
}

/** Human lines for a service description (also usable by `gateway status`). */
export function formatServiceDescription(d: ServiceDescription): string[] {
  const lines: string[] = [];
  let state: string;
  if (!d.installed) state = "not installed";
  else if (!d.managerRunning) state = "installed; service manager not running here";
  else if (d.active) state = `loaded, ${d.state ?? "active"}${d.subState ? ` (${d.subState})` : ""}${d.pid ? `, pid ${d.pid}` : ""}`;
  else state = d.loaded ? `loaded, ${d.state ?? "inactive"}${d.lastExitStatus !== undefined ? ` (last exit ${d.lastExitStatus})` : ""}` : "not loaded";
  lines.push(`Service: ${d.label} (${state})`);
  lines.push(`Service file: ${d.file}${d.installed ? "" : " (absent)"}`);
  lines.push(`Service manager: ${d.managerRunning ? d.manager : `none (${d.managerReason ?? "not running"})`}`);
  if (d.command) lines.push(`Command: ${d.command.join(" ")}`);
  if (d.workingDirectory) lines.push(`Working dir: ${d.workingDirectory}`);
  if (d.environment) {
    const keys = Object.entries(d.environment).filter(([k]) => k.startsWith("OPENCLAW_"));
    if (keys.length > 0) lines.push(`Service env: ${keys.map(([k, v]) => `${k}=${v}`).join(" ")}`);
  }
  if (d.serviceConfigPath) lines.push(`Config (service): ${d.serviceConfigPath}`);
  if (d.port !== undefined) lines.push(`Port (service): ${d.port}`);
  if (d.systemLevelFile) lines.push(`System-level OpenClaw gateway service detected: ${d.systemLevelFile}`);
  for (const drift of d.drift) lines.push(`Drift: ${drift}`);
  if (d.drift.length > 0) lines.push("Fix drift with: openclaw doctor --fix (or openclaw gateway install --force)");
  return lines;
}

/** The service-manager view: loaded/active/pid, unit file, and drift against the current config. */
export async function serviceStatusCommand(flags: { json?: boolean }, deps: ServiceCommandDeps = {}): Promise<ServiceDescription> {
  const { ctx, write } = contextFrom(deps);
  const description = describeService(resolveProfile(ctx.env), { env: ctx.env, platform: ctx.platform, manager: ctx.manager, systemDir: ctx.systemDir });
  if (flags.json) write(JSON.stringify(description, null, 2) + "\n");
  else write(formatServiceDescription(description).join("\n") + "\n");
  return description;
}
