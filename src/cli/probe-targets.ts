import { resolveGatewayPort } from "../config/paths.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { targetFromEndpoint, type ClientFlags, type ResolvedTarget } from "./connection.js";
import { localEndpoint, loopbackUrl, remotePin, remoteUrlEndpoint, resolveEndpoint, sshTunnelSpec, type Endpoint, type SshTunnelSpec } from "./remote-target.js";

export type ProbeTargetId = "explicit" | "sshTunnel" | "configRemote" | "localLoopback";

/** One gateway `gateway probe` looks at; `error` when it cannot even be tried (e.g. a refused URL). */
export type ProbeTarget = { id: ProbeTargetId; label: string; url: string; active: boolean; target?: ResolvedTarget; error?: string };

export type ProbeFlags = ClientFlags & { ssh?: string; sshIdentity?: string; sshAuto?: boolean };

/** Priority order (operations spec §1.5): the first reachable one is the primary target. */
export const PROBE_ORDER: readonly ProbeTargetId[] = ["explicit", "sshTunnel", "configRemote", "localLoopback"];

export const PROBE_LABELS: Record<ProbeTargetId, string> = {
  explicit: "URL (explicit)",
  sshTunnel: "Remote over SSH",
  configRemote: "Remote (configured)",
  localLoopback: "Local loopback",
};

/** `--port` alone means "this machine's gateway on that port": the configured remote and its tunnel are left out. */
const usesConfiguredRemote = (flags: ProbeFlags, portFlag: number | undefined): boolean => portFlag === undefined || !!flags.url;

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
  const url = flags.url;
  if (url) targets.push(build("explicit", true, url, () => resolveEndpoint(gateway, { url }), flags, config, timeoutMs));
  if (usesConfiguredRemote(flags, portFlag) && gateway?.remote?.url) {
    targets.push(build("configRemote", remoteMode, gateway.remote.url, () => remoteUrlEndpoint(gateway)!, own, config, timeoutMs));
  }
  const local = localEndpoint(gateway, portFlag);
  targets.push(build("localLoopback", portFlag !== undefined || !remoteMode, local.url, () => local, own, config, timeoutMs));
  return targets.filter((t, i) => targets.findIndex((o) => o.url === t.url) === i);
}

/**
 * The tunnel to probe through: --ssh, else gateway.remote.sshTarget (not when only --port is given),
 * to --port, gateway.remote.remotePort or this machine's gateway port on the remote loopback.
 */
export function probeTunnelSpec(config: ConfigSnapshot, flags: ProbeFlags, portFlag: number | undefined): SshTunnelSpec | undefined {
  const gateway = config.config.gateway;
  const configured = usesConfiguredRemote(flags, portFlag) ? gateway?.remote : undefined;
  return sshTunnelSpec(gateway, {
    target: flags.ssh ?? configured?.sshTarget,
    identity: flags.sshIdentity ?? configured?.sshIdentity,
    remotePort: portFlag ?? gateway?.remote?.remotePort ?? resolveGatewayPort({ configPort: gateway?.port }).port,
  });
}

/** The gateway behind an open tunnel's local port, with remote-mode credentials and the remote pin. */
export function tunnelProbeTarget(config: ConfigSnapshot, flags: ProbeFlags, localPort: number, timeoutMs: number): ProbeTarget {
  const gateway = config.config.gateway;
  return build("sshTunnel", true, loopbackUrl(localPort, false), () => {
    const pin = remotePin(gateway);
    return { url: loopbackUrl(localPort, !!pin.tlsFingerprint), portSource: "remote", credentials: "remote", ...pin };
  }, { ...flags, tlsFingerprint: undefined }, config, timeoutMs);
}
