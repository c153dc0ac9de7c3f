import { resolveGatewayPort } from "../config/paths.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { targetFromEndpoint, type ClientFlags, type ResolvedTarget } from "./connection.js";
import { assertSafeGatewayUrl } from "./plaintext-ws-guard.js";
import { localEndpoint, remoteUrlEndpoint, remotePin, type Endpoint, type SshTunnelSpec } from "./remote-target.js";

export type ProbeTargetId = "explicit" | "sshTunnel" | "configRemote" | "localLoopback";

/** One gateway `gateway probe` looks at; `error` when it cannot even be tried (e.g. a refused URL). */
export type ProbeTarget = { id: ProbeTargetId; label: string; url: string; active: boolean; target?: ResolvedTarget; error?: string };

export type ProbeFlags = ClientFlags & { ssh?: string; sshIdentity?: string; sshAuto?: boolean };

export const PROBE_LABELS: Record<ProbeTargetId, string> = {
  explicit: "URL (explicit)",
  sshTunnel: "Remote over SSH",
  configRemote: "Remote (configured)",
  localLoopback: "Local loopback",
};

function build(id: ProbeTargetId, active: boolean, fallbackUrl: string, make: () => Endpoint, flags: ClientFlags, config: ConfigSnapshot, timeoutMs: number): ProbeTarget {
  const label = id === "configRemote" && !active ? "Remote (configured, inactive)" : PROBE_LABELS[id];
  try {
    const target = targetFromEndpoint(make(), flags, config, timeoutMs);
    return { id, label, url: target.url, active, target };
  } catch (err) {
    return { id, label, url: fallbackUrl, active, error: (err as Error).message };
  }
}

/**
 * The direct targets, in priority order: explicit URL, configured remote, local loopback (the SSH
 * tunnel joins between the first two once it is up). Two targets with the same URL are probed once.
 * A --tls-fingerprint pins only the explicit URL; the others keep their own pins.
 */
export function directProbeTargets(config: ConfigSnapshot, flags: ProbeFlags, portFlag: number | undefined, timeoutMs: number): ProbeTarget[] {
  const gateway = config.config.gateway;
  const remoteMode = gateway?.mode === "remote";
  const own = { ...flags, tlsFingerprint: undefined };
  const targets: ProbeTarget[] = [];
  if (flags.url) {
    const url = flags.url;
    targets.push(build("explicit", true, url, () => (assertSafeGatewayUrl(url, "--url"), { url, portSource: "url", credentials: "none" }), flags, config, timeoutMs));
  }
  const useConfiguredRemote = portFlag === undefined || !!flags.url;
  if (useConfiguredRemote && gateway?.remote?.url) {
    targets.push(build("configRemote", remoteMode, gateway.remote.url, () => remoteUrlEndpoint(gateway)!, own, config, timeoutMs));
  }
  const local = localEndpoint(gateway, portFlag);
  targets.push(build("localLoopback", portFlag !== undefined || !remoteMode, local.url, () => local, own, config, timeoutMs));
  return targets.filter((t, i) => targets.findIndex((o) => o.url === t.url) === i);
}

/** The tunnel to probe through: --ssh, else gateway.remote.sshTarget (not when only --port is given). */
export function probeTunnelSpec(config: ConfigSnapshot, flags: ProbeFlags, portFlag: number | undefined): SshTunnelSpec | undefined {
  const gateway = config.config.gateway;
  const configured = portFlag === undefined || !!flags.url ? gateway?.remote : undefined;
  const target = flags.ssh ?? configured?.sshTarget;
  if (!target) return undefined;
  const identity = flags.sshIdentity ?? configured?.sshIdentity;
  return {
    target,
    ...(identity ? { identity } : {}),
    remotePort: portFlag ?? gateway?.remote?.remotePort ?? resolveGatewayPort({ configPort: gateway?.port }).port,
    hostKeyPolicy: gateway?.remote?.sshHostKeyPolicy ?? "strict",
  };
}

/** The gateway behind an open tunnel, with remote-mode credentials and the remote pin. */
export function tunnelProbeTarget(config: ConfigSnapshot, flags: ProbeFlags, localUrl: string, timeoutMs: number): ProbeTarget {
  return build("sshTunnel", true, localUrl, () => {
    const pin = remotePin(config.config.gateway);
    return { url: pin.tlsFingerprint ? localUrl.replace(/^ws:/, "wss:") : localUrl, portSource: "remote", credentials: "remote", ...pin };
  }, { ...flags, tlsFingerprint: undefined }, config, timeoutMs);
}
