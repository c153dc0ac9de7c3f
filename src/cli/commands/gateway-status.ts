import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { resolveProfile, resolveStateDir } from "../../config/paths.js";
import { resolveBindHost, type BindMode } from "../../config/bind.js";
import { configLockPath, type LockPayload } from "../../infra/gateway-lock.js";
import { resolveLogFilePath } from "../../infra/log-file.js";
import { isProcessAlive } from "../../infra/process-info.js";
import { readFileSync } from "node:fs";
import { CliError, printJson } from "../exit.js";
import { resolveTarget, type ClientFlags } from "../connection.js";
import { capabilityLabel, probeGateway } from "../probe-target.js";

function serviceView(profile: string | undefined) {
  if (process.platform === "darwin") {
    const label = profile ? `ai.openclaw.${profile}` : "ai.openclaw.gateway";
    const file = join(homedir(), "Library", "LaunchAgents", `${label}.plist`);
    return { manager: "launchd", label, file, installed: existsSync(file) };
  }
  const label = profile ? `openclaw-gateway-${profile}.service` : "openclaw-gateway.service";
  const file = join(homedir(), ".config", "systemd", "user", label);
  const managerRunning = existsSync("/run/systemd/system");
  return { manager: managerRunning ? "systemd" : "none", label, file, installed: existsSync(file) };
}

function runtimeView(stateDir: string, configPath: string) {
  try {
    const lock = JSON.parse(readFileSync(configLockPath(stateDir, configPath), "utf8")) as LockPayload;
    if (isProcessAlive(lock.pid)) return { status: "running" as const, pid: lock.pid, since: lock.createdAt, port: lock.port };
  } catch {}
  return { status: "stopped" as const };
}

/** `openclaw gateway status`: service manager view, runtime, and a connectivity probe — kept apart. */
export async function gatewayStatusCommand(flags: ClientFlags & { probe?: boolean; requireRpc?: boolean; deep?: boolean }): Promise<void> {
  if (flags.requireRpc && flags.probe === false) throw new CliError("--require-rpc cannot be combined with --no-probe.");
  const target = resolveTarget(flags);
  const profile = resolveProfile();
  const stateDir = resolveStateDir();
  const config = target.config;
  const bindMode: BindMode = config.config.gateway?.bind ?? "loopback";
  const port = Number(new URL(target.url).port);
  const service = serviceView(profile);
  const runtime = runtimeView(stateDir, config.path);
  const logFile = resolveLogFilePath({ file: config.config.logging?.file, profile });
  const probe = flags.probe === false ? null : await probeGateway(target, flags.requireRpc ? ["status"] : []);
  const rpcOk = probe ? probe.reachable && !!probe.hello && (!flags.requireRpc || probe.ok) : false;

  if (flags.json) {
    printJson({
      logFile,
      service: { label: service.label, manager: service.manager, loaded: service.installed, file: service.file, runtime },
      config: { cli: { path: config.path, exists: config.exists, valid: config.valid, issues: config.issues } },
      gateway: { bindMode, bindHost: resolveBindHost(bindMode, config.config), port, portSource: target.portSource, probeUrl: target.url, version: probe?.hello?.server.version },
      rpc: probe && {
        ok: rpcOk, kind: flags.requireRpc ? "read" : "connect", url: target.url,
        ...(probe.error ? { error: probe.error } : {}), ...(probe.timedOut ? { timedOut: true } : {}),
        gatewayReached: probe.reachable, capability: probe.capability, scopes: probe.hello?.auth.scopes ?? [],
      },
    });
  } else {
    const lines: string[] = [];
    const serviceState = service.manager === "none" ? "no service manager running here" : service.installed ? "installed" : "not installed";
    lines.push(`Service: ${service.label} (${serviceState})`);
    lines.push(`File logs: ${logFile}`);
    lines.push(`Config (cli): ${config.path} [${!config.exists ? "missing" : config.valid ? "valid" : "invalid"}]`);
    lines.push(`Gateway: bind=${bindMode} (${resolveBindHost(bindMode, config.config)}), port=${port} (${target.portSource})`);
    lines.push(`Probe target: ${target.url}`);
    lines.push(`Dashboard: http://127.0.0.1:${port}/`);
    if (probe?.hello) lines.push(`Gateway version: ${probe.hello.server.version}`);
    lines.push(runtime.status === "running" ? `Runtime: running (pid ${runtime.pid}, since ${runtime.since})` : "Runtime: stopped (no gateway holds this config's lock)");
    if (probe) {
      const label = flags.requireRpc ? "Read probe" : "Connectivity probe";
      if (rpcOk) lines.push(`${label}: ok`);
      else if (probe.timedOut) lines.push(`${label}: ${probe.reachable ? "timed out after reaching Gateway" : "timed out before reaching Gateway"}`);
      else lines.push(`${label}: failed`, `  ${probe.error ?? probe.rpc.status?.error ?? "unknown error"}`);
      if (probe.hello) lines.push(`Capability: ${capabilityLabel(probe.capability)}`);
      if (probe.hello) lines.push(`Listening: ${new URL(target.url).host}`);
    }
    if (!rpcOk) lines.push("Troubles: run openclaw status");
    process.stdout.write(lines.join("\n") + "\n");
  }
  if (flags.requireRpc && !rpcOk) process.exitCode = 1;
}
