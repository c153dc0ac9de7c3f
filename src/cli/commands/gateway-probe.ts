import { printJson } from "../exit.js";
import { resolveTarget, type ClientFlags } from "../connection.js";
import { capabilityLabel, probeGateway, type ProbeResult } from "../probe-target.js";

const PROBE_METHODS = ["health", "status", "system-presence", "config.get"];

type PresenceEntry = { mode?: string; reason?: string; host?: string; version?: string; instanceId?: string };

function selfEntry(probe: ProbeResult): PresenceEntry | undefined {
  const presence = probe.rpc["system-presence"]?.result;
  return Array.isArray(presence) ? (presence as PresenceEntry[]).find((p) => p.mode === "gateway" && p.reason === "self") : undefined;
}

/** `openclaw gateway probe`: probes the explicit URL (if any) and local loopback, and says who answered. */
export async function gatewayProbeCommand(flags: ClientFlags): Promise<void> {
  const targets: Array<{ id: string; label: string; flags: ClientFlags }> = [];
  if (flags.url) targets.push({ id: "explicit", label: "URL (explicit)", flags });
  targets.push({ id: "localLoopback", label: "Local loopback", flags: { ...flags, url: undefined } });
  const results = await Promise.all(targets.map(async (t) => ({ ...t, probe: await probeGateway(resolveTarget(t.flags), PROBE_METHODS) })));

  const reachable = results.filter((r) => r.probe.hello);
  const identities = new Set(reachable.map((r) => r.probe.hello?.server.bootId ?? r.probe.url));
  const warnings: Array<{ code: string; message: string; targetIds?: string[] }> = [];
  if (identities.size > 1) warnings.push({ code: "multiple_gateways", message: "multiple reachable gateway identities detected", targetIds: reachable.map((r) => r.id) });
  for (const r of reachable) {
    const limited = Object.entries(r.probe.rpc).filter(([, v]) => !v.ok && v.error?.startsWith("missing scope"));
    if (limited.length > 0) warnings.push({ code: "probe_scope_limited", message: `${r.label}: ${limited[0][1].error}`, targetIds: [r.id] });
  }
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
        label: r.label,
        url: r.probe.url,
        connect: { ok: !!r.probe.hello, rpcOk: r.probe.ok, scopeLimited: warnings.some((w) => w.code === "probe_scope_limited" && w.targetIds?.includes(r.id)), ...(r.probe.error ? { error: r.probe.error } : {}) },
        auth: r.probe.hello ? { role: r.probe.hello.auth.role, scopes: r.probe.hello.auth.scopes, capability: r.probe.capability } : null,
        gateway: r.probe.hello ? { version: r.probe.hello.server.version, self: selfEntry(r.probe) ?? null } : null,
        latencyMs: r.probe.latencyMs ?? null,
        health: r.probe.rpc.health?.result ?? null,
      })),
    });
  } else {
    const lines = ["Gateway probe"];
    for (const r of results) {
      lines.push("", `${r.label}: ${r.probe.url}`);
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
  if (!ok) process.exitCode = 1;
}
