import { readFileSync } from "node:fs";
import { resolveHomeDir, resolveProfile, resolveStateDir } from "../../config/paths.js";
import { resolveBindHost, type BindMode } from "../../config/bind.js";
import { configLockPath, stateLockPath, type LockPayload } from "../../infra/gateway-lock.js";
import { resolveLogFilePath } from "../../infra/log-file.js";
import { isProcessAlive } from "../../infra/process-info.js";
import { describeService } from "../../service/describe.js";
import { resolveServiceIdentity } from "../../service/identity.js";
import { scanGatewayServices } from "../../service/scan.js";
import { CliError, printJson } from "../exit.js";
import { resolveTarget, type ClientFlags } from "../connection.js";
import { formatDuration } from "../format-duration.js";
import { capabilityLabel, probeGateway } from "../probe-target.js";
import { formatServiceDescription } from "./service.js";
import { readCertificateFingerprint } from "../../infra/tls/tls-fingerprint.js";

/** The process that holds this config's lock (or the state dir's), if it is still alive. */
function runtimeView(stateDir: string, configPath: string) {
  for (const path of [configLockPath(stateDir, configPath), stateLockPath(stateDir)]) {
    try {
      const lock = JSON.parse(readFileSync(path, "utf8")) as LockPayload;
      if (isProcessAlive(lock.pid)) {
        return { status: "running" as const, pid: lock.pid, since: lock.createdAt, uptimeMs: Date.now() - Date.parse(lock.createdAt), port: lock.port };
      }
    } catch {}
  }
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
  const service = describeService(profile);
  const others = flags.deep
    ? scanGatewayServices({ identity: resolveServiceIdentity(profile, process.env, process.platform), home: resolveHomeDir() }).filter((f) => !f.own)
    : [];
  const runtime = runtimeView(stateDir, config.path);
  const logFile = resolveLogFilePath({ file: config.config.logging?.file, profile });
  const tlsConfig = config.config.gateway?.tls;
  const tls = tlsConfig?.enabled === true ? readCertificateFingerprint(tlsConfig, stateDir) : null;
  const probe = flags.probe === false ? null : await probeGateway(target, flags.requireRpc ? ["status"] : []);
  const rpcOk = probe ? probe.reachable && !!probe.hello && (!flags.requireRpc || probe.ok) : false;

  if (flags.json) {
    printJson({
      logFile,
      service: {
        label: service.label, manager: service.manager, installed: service.installed, loaded: service.loaded ?? false, active: service.active ?? false,
        pid: service.pid, port: service.port, file: service.file, drift: service.drift,
        command: { programArguments: service.command, workingDirectory: service.workingDirectory, environment: service.environment, sourcePath: service.file },
        runtime,
      },
      ...(flags.deep ? { extraServices: others } : {}),
      config: { cli: { path: config.path, exists: config.exists, valid: config.valid, issues: config.issues } },
      gateway: { bindMode, bindHost: resolveBindHost(bindMode, config.config), port, portSource: target.portSource, probeUrl: target.url, version: probe?.hello?.server.version },
      tls: !tls ? { enabled: false } : tls.ok ? { enabled: true, fingerprint: tls.fingerprint, certPath: tls.certPath } : { enabled: true, error: tls.error },
      rpc: probe && {
        ok: rpcOk, kind: flags.requireRpc ? "read" : "connect", url: target.url,
        ...(probe.error ? { error: probe.error } : {}), ...(probe.timedOut ? { timedOut: true } : {}),
        gatewayReached: probe.reachable, capability: probe.capability, scopes: probe.hello?.auth.scopes ?? [],
      },
    });
  } else {
    const lines: string[] = [];
    lines.push(...formatServiceDescription(service));
    lines.push(`File logs: ${logFile}`);
    lines.push(`Config (cli): ${config.path} [${!config.exists ? "missing" : config.valid ? "valid" : "invalid"}]`);
    lines.push(`Gateway: bind=${bindMode} (${resolveBindHost(bindMode, config.config)}), port=${port} (${target.portSource})`);
    if (tls) lines.push(tls.ok ? `TLS: on · fingerprint ${tls.fingerprint}` : `TLS: on · certificate unavailable (${tls.error})`);
    lines.push(`Probe target: ${target.url}`);
    lines.push(`Dashboard: ${tls ? "https" : "http"}://127.0.0.1:${port}/`);
    if (probe?.hello) lines.push(`Gateway version: ${probe.hello.server.version}`);
    lines.push(
      runtime.status === "running"
        ? `Runtime: running (pid ${runtime.pid}, up ${formatDuration(runtime.uptimeMs)}, since ${runtime.since})`
        : "Runtime: stopped (no gateway holds this config's lock)",
    );
    if (probe) {
      const label = flags.requireRpc ? "Read probe" : "Connectivity probe";
      if (rpcOk) lines.push(`${label}: ok`);
      else if (probe.timedOut) lines.push(`${label}: ${probe.reachable ? "timed out after reaching Gateway" : "timed out before reaching Gateway"}`);
      else lines.push(`${label}: failed`, `  ${probe.error ?? probe.rpc.status?.error ?? "unknown error"}`);
      if (probe.hello) lines.push(`Capability: ${capabilityLabel(probe.capability)}`);
      if (probe.hello) lines.push(`Listening: ${new URL(target.url).host}`);
    }
    if (flags.deep) {
      if (others.length === 0) lines.push("Other gateway-like services: none found");
      else {
        lines.push("Other gateway-like services detected (best effort):");
        for (const o of others) lines.push(`  ${o.file}${o.port ? ` (port ${o.port})` : ""}${o.legacy ? " [legacy]" : ""}${o.missingPaths.length ? ` [stale: missing ${o.missingPaths.join(", ")}]` : ""}`);
      }
    }
    if (!rpcOk) lines.push("Troubles: run openclaw status");
    process.stdout.write(lines.join("\n") + "\n");
  }
  if (flags.requireRpc && !rpcOk) process.exitCode = 1;
}
