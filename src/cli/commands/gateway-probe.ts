import { resolveConfigPath } from "../../config/paths.js";
import { readConfigSnapshot, type ConfigSnapshot } from "../../config/snapshot.js";
import { printJson } from "../exit.js";
import { parsePortFlag, parseTimeoutFlag } from "../connection.js";
import { capabilityLabel, probeGateway, type ProbeResult } from "../probe-target.js";
import { directProbeTargets, PROBE_ORDER, probeTunnelSpec, tunnelProbeTarget, type ProbeFlags, type ProbeTarget } from "../probe-targets.js";
import type { SshTunnelSpec } from "../remote-target.js";
import { openSshTunnel, type SshTunnel } from "../ssh-tunnel.js";

const PROBE_METHODS = ["health", "status", "system-presence", "config.get"];
/** What the probe behind a tunnel gets at least, even when the SSH login used up the budget. */
const MIN_TUNNELLED_PROBE_MS = 1000;

type PresenceEntry = { mode?: string; reason?: string; host?: string; version?: string; instanceId?: string };
type Warning = { code: string; message: string; targetIds?: string[] };
type Probed = ProbeTarget & { probe: ProbeResult; tunnel?: SshTunnel };

function selfEntry(probe: ProbeResult): PresenceEntry | undefined {
  const presence = probe.rpc["system-presence"]?.result;
  return Array.isArray(presence) ? (presence as PresenceEntry[]).find((p) => p.mode === "gateway" && p.reason === "self") : undefined;
}

async function probeTarget(t: ProbeTarget): Promise<Probed> {
  const probe = t.target ? await probeGateway(t.target, PROBE_METHODS) : { url: t.url, ok: false, reachable: false, error: t.error, capability: "unknown" as const, rpc: {} };
  return { ...t, probe };
}

/**
 * Opens the tunnel within what is left of the budget, probes the gateway behind it, and always
 * closes the tunnel. A tunnel that does not come up is an ssh_tunnel_failed warning, not a target.
 */
async function probeThroughTunnel(spec: SshTunnelSpec, config: ConfigSnapshot, flags: ProbeFlags, deadline: number, warnings: Warning[]): Promise<Probed | null> {
  let tunnel: SshTunnel;
  try {
    tunnel = await openSshTunnel({ ...spec, timeoutMs: deadline - Date.now() });
  } catch (err) {
    warnings.push({ code: "ssh_tunnel_failed", message: `SSH tunnel failed: ${(err as Error).message}`, targetIds: ["sshTunnel"] });
    return null;
  }
  try {
    const target = tunnelProbeTarget(config, flags, tunnel.localPort, Math.max(deadline - Date.now(), MIN_TUNNELLED_PROBE_MS));
    return { ...(await probeTarget(target)), tunnel };
  } finally {
    await tunnel.close();
  }
}

const isScopeError = (error: string | undefined) => error?.startsWith("missing scope") === true;

function collectWarnings(results: Probed[], warnings: Warning[]): void {
  const reachable = results.filter((r) => r.probe.hello);
  const identities = new Set(reachable.map((r) => r.probe.hello?.server.bootId ?? r.probe.url));
  if (identities.size > 1) warnings.push({ code: "multiple_gateways", message: "multiple reachable gateway identities detected", targetIds: reachable.map((r) => r.id) });
  for (const r of reachable) {
    const limited = Object.values(r.probe.rpc).find((v) => !v.ok && isScopeError(v.error));
    if (limited) warnings.push({ code: "probe_scope_limited", message: `${r.label}: ${limited.error}`, targetIds: [r.id] });
  }
  const local = results.find((r) => r.id === "localLoopback");
  if (local?.target?.tlsError) {
    warnings.push({ code: "local_tls_runtime_unavailable", message: `Local gateway TLS is enabled but its certificate fingerprint cannot be loaded: ${local.target.tlsError}`, targetIds: ["localLoopback"] });
  }
}

function readProbeLine(probe: ProbeResult): string {
  const failed = Object.values(probe.rpc).find((v) => !v.ok);
  if (!failed) return "Read probe: ok";
  return `Read probe: ${isScopeError(failed.error) ? "limited" : "failed"} - ${failed.error}`;
}

function printHuman(results: Probed[], warnings: Warning[]): void {
  const lines = ["Gateway probe"];
  for (const r of results) {
    lines.push("", `${r.label}: ${r.probe.url}`);
    if (r.tunnel) lines.push(`  SSH: ${r.tunnel.target} (local port ${r.tunnel.localPort} -> remote 127.0.0.1:${r.tunnel.remotePort})`);
    const hello = r.probe.hello;
    if (!hello) {
      lines.push(`  Reachable: ${r.probe.reachable ? "yes (connect failed)" : "no"}`, `  Error: ${r.probe.error}`);
      continue;
    }
    const latency = r.probe.latencyMs !== undefined ? ` · ${r.probe.latencyMs}ms` : "";
    lines.push("  Reachable: yes", `  Capability: ${capabilityLabel(r.probe.capability)}`, `  ${readProbeLine(r.probe)}`);
    lines.push(`  Gateway: ${selfEntry(r.probe)?.host ?? "?"} · app ${hello.server.version}${latency}`);
  }
  for (const w of warnings) lines.push("", `Warning (${w.code}): ${w.message}`);
  process.stdout.write(lines.join("\n") + "\n");
}

function targetJson(r: Probed, warnings: Warning[]) {
  const hello = r.probe.hello;
  const scopeLimited = warnings.some((w) => w.code === "probe_scope_limited" && w.targetIds?.includes(r.id));
  return {
    id: r.id,
    kind: r.id,
    label: r.label,
    url: r.probe.url,
    active: r.active,
    tunnel: r.tunnel ? { kind: "ssh", target: r.tunnel.target, localPort: r.tunnel.localPort, remotePort: r.tunnel.remotePort, pid: r.tunnel.pid } : null,
    connect: { ok: !!hello, rpcOk: r.probe.ok, scopeLimited, ...(r.probe.error ? { error: r.probe.error } : {}) },
    auth: hello ? { role: hello.auth.role, scopes: hello.auth.scopes, capability: r.probe.capability } : null,
    gateway: hello ? { version: hello.server.version, self: selfEntry(r.probe) ?? null } : null,
    latencyMs: r.probe.latencyMs ?? null,
    health: r.probe.rpc.health?.result ?? null,
  };
}

/**
 * `openclaw gateway probe`: probes the explicit URL, a gateway behind an SSH tunnel, the configured
 * remote and local loopback at once, all within --timeout, and says who answered (operations spec
 * §1.5). Exit 1 only when none did.
 */
export async function gatewayProbeCommand(flags: ProbeFlags): Promise<void> {
  const timeoutMs = parseTimeoutFlag(flags.timeout, 3000);
  const deadline = Date.now() + timeoutMs;
  const portFlag = parsePortFlag(flags.port);
  const config = readConfigSnapshot(resolveConfigPath());
  const warnings: Warning[] = [];
  const tunnelSpec = probeTunnelSpec(config, flags, portFlag);
  const [direct, tunnelled] = await Promise.all([
    Promise.all(directProbeTargets(config, flags, portFlag, timeoutMs).map(probeTarget)),
    tunnelSpec ? probeThroughTunnel(tunnelSpec, config, flags, deadline, warnings) : null,
  ]);
  const results = (tunnelled ? [...direct, tunnelled] : direct).sort((a, b) => PROBE_ORDER.indexOf(a.id) - PROBE_ORDER.indexOf(b.id));
  collectWarnings(results, warnings);

  const reachable = results.filter((r) => r.probe.hello);
  const primary = reachable[0] ?? results[0];
  if (flags.json) {
    printJson({
      ok: reachable.length > 0,
      degraded: reachable.some((r) => !r.probe.ok),
      capability: primary.probe.capability,
      primaryTargetId: primary.id,
      warnings,
      targets: results.map((r) => targetJson(r, warnings)),
    });
  } else printHuman(results, warnings);
  if (reachable.length === 0) process.exitCode = 1;
}
