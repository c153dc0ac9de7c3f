import { resolveConfigPath } from "../../config/paths.js";
import { readConfigSnapshot } from "../../config/snapshot.js";
import { printJson } from "../exit.js";
import { parsePortFlag, parseTimeoutFlag } from "../connection.js";
import { capabilityLabel, probeGateway, type ProbeResult } from "../probe-target.js";
import { directProbeTargets, probeTunnelSpec, tunnelProbeTarget, type ProbeFlags, type ProbeTarget } from "../probe-targets.js";
import { openSshTunnel, type SshTunnel } from "../ssh-tunnel.js";

const PROBE_METHODS = ["health", "status", "system-presence", "config.get"];

type PresenceEntry = { mode?: string; reason?: string; host?: string; version?: string; instanceId?: string };
type Warning = { code: string; message: string; targetIds?: string[] };
type Probed = ProbeTarget & { probe: ProbeResult; tunnel?: SshTunnel };

function selfEntry(probe: ProbeResult): PresenceEntry | undefined {
  const presence = probe.rpc["system-presence"]?.result;
  return Array.isArray(presence) ? (presence as PresenceEntry[]).find((p) => p.mode === "gateway" && p.reason === "self") : undefined;
}

function probeTarget(t: ProbeTarget): Promise<ProbeResult> {
  if (t.target) return probeGateway(t.target, PROBE_METHODS);
  return Promise.resolve({ url: t.url, ok: false, reachable: false, error: t.error, capability: "unknown", rpc: {} });
}

/** Opens the tunnel, probes the gateway behind it, closes it; failure becomes an ssh_tunnel_failed warning. */
async function probeThroughTunnel(open: () => Promise<SshTunnel>, make: (url: string) => ProbeTarget, warnings: Warning[]): Promise<Probed | null> {
  let tunnel: SshTunnel;
  try {
    tunnel = await open();
  } catch (err) {
    warnings.push({ code: "ssh_tunnel_failed", message: `SSH tunnel failed: ${(err as Error).message}`, targetIds: ["sshTunnel"] });
    return null;
  }
  try {
    const target = make(tunnel.url);
    return { ...target, probe: await probeTarget(target), tunnel };
  } finally {
    await tunnel.close();
  }
}

function collectWarnings(results: Probed[], warnings: Warning[]): void {
  const reachable = results.filter((r) => r.probe.hello);
  const identities = new Set(reachable.map((r) => r.probe.hello?.server.bootId ?? r.probe.url));
  if (identities.size > 1) warnings.push({ code: "multiple_gateways", message: "multiple reachable gateway identities detected", targetIds: reachable.map((r) => r.id) });
  for (const r of reachable) {
    const limited = Object.entries(r.probe.rpc).filter(([, v]) => !v.ok && v.error?.startsWith("missing scope"));
    if (limited.length > 0) warnings.push({ code: "probe_scope_limited", message: `${r.label}: ${limited[0][1].error}`, targetIds: [r.id] });
  }
  const local = results.find((r) => r.id === "localLoopback");
  if (local?.target?.tlsError) {
    warnings.push({ code: "local_tls_runtime_unavailable", message: `Local gateway TLS is enabled but its certificate fingerprint cannot be loaded: ${local.target.tlsError}`, targetIds: ["localLoopback"] });
  }
}

function tunnelJson(r: Probed) {
  return r.tunnel ? { kind: "ssh", target: r.tunnel.target, localPort: r.tunnel.localPort, remotePort: r.tunnel.remotePort, pid: r.tunnel.pid } : null;
}

function printHuman(results: Probed[], warnings: Warning[]): void {
  const lines = ["Gateway probe"];
  for (const r of results) {
    lines.push("", `${r.label}: ${r.probe.url}`);
    if (r.tunnel) lines.push(`  SSH: ${r.tunnel.target} (local port ${r.tunnel.localPort} -> remote 127.0.0.1:${r.tunnel.remotePort})`);
    if (!r.probe.hello) {
      lines.push(`  Reachable: ${r.probe.reachable ? "yes (connect failed)" : "no"}`, `  Error: ${r.probe.error}`);
      continue;
    }
    const self = selfEntry(r.probe);
    lines.push("  Reachable: yes", `  Capability: ${capabilityLabel(r.probe.capability)}`);
    const failed = Object.entries(r.probe.rpc).find(([, v]) => !v.ok);
    lines.push(failed ? `  Read probe: ${failed[1].error?.startsWith("missing scope") ? "limited - " + failed[1].error : "failed - " + failed[1].error}` : "  Read probe: ok");
    lines.push(`  Gateway: ${self?.host ?? "?"} · app ${r.probe.hello.server.version}${r.probe.latencyMs !== undefined ? ` · ${r.probe.latencyMs}ms` : ""}`);
  }
  for (const w of warnings) lines.push("", `Warning (${w.code}): ${w.message}`);
  process.stdout.write(lines.join("\n") + "\n");
}

/**
 * `openclaw gateway probe`: probes the explicit URL, a gateway behind an SSH tunnel, the configured
 * remote and local loopback at once, and says who answered. Exit 1 only when none did.
 * `--ssh-auto` asks for the configured gateway.remote.sshTarget, which is also the default.
 */
export async function gatewayProbeCommand(flags: ProbeFlags): Promise<void> {
  const timeoutMs = parseTimeoutFlag(flags.timeout, 3000);
  const portFlag = parsePortFlag(flags.port);
  const config = readConfigSnapshot(resolveConfigPath());
  const warnings: Warning[] = [];
  const direct = directProbeTargets(config, flags, portFlag, timeoutMs);
  const spec = probeTunnelSpec(config, flags, portFlag);
  const [directResults, tunneled] = await Promise.all([
    Promise.all(direct.map(async (t): Promise<Probed> => ({ ...t, probe: await probeTarget(t) }))),
    spec
      ? probeThroughTunnel(
          () => openSshTunnel({ ...spec, timeoutMs: Math.max(timeoutMs, 5000) }),
          (url) => tunnelProbeTarget(config, flags, url, timeoutMs),
          warnings,
        )
      : Promise.resolve(null),
  ]);
  const results = tunneled ? [...directResults.filter((r) => r.id === "explicit"), tunneled, ...directResults.filter((r) => r.id !== "explicit")] : directResults;
  collectWarnings(results, warnings);

  const reachable = results.filter((r) => r.probe.hello);
  const primary = reachable[0] ?? results[0];
  const ok = reachable.length > 0;
  if (flags.json) {
    printJson({
      ok,
      degraded: reachable.some((r) => !r.probe.ok),
      capability: primary.probe.capability,
      primaryTargetId: primary.id,
      warnings,
      targets: results.map((r) => ({
        id: r.id,
        kind: r.id,
        label: r.label,
        url: r.probe.url,
        active: r.active,
        tunnel: tunnelJson(r),
        connect: { ok: !!r.probe.hello, rpcOk: r.probe.ok, scopeLimited: warnings.some((w) => w.code === "probe_scope_limited" && w.targetIds?.includes(r.id)), ...(r.probe.error ? { error: r.probe.error } : {}) },
        auth: r.probe.hello ? { role: r.probe.hello.auth.role, scopes: r.probe.hello.auth.scopes, capability: r.probe.capability } : null,
        gateway: r.probe.hello ? { version: r.probe.hello.server.version, self: selfEntry(r.probe) ?? null } : null,
        latencyMs: r.probe.latencyMs ?? null,
        health: r.probe.rpc.health?.result ?? null,
      })),
    });
  } else printHuman(results, warnings);
  if (!ok) process.exitCode = 1;
}
