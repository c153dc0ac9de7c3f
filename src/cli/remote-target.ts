import { resolveGatewayPort, resolveStateDir } from "../config/paths.js";
import type { GatewayConfig } from "../config/schema.js";
import { normalizeTlsFingerprint, readCertificateFingerprint } from "../infra/tls/tls-fingerprint.js";
import { DEFAULT_GATEWAY_PORT } from "../protocol/constants.js";
import type { CredentialSource } from "./credentials.js";
import { CliError } from "./exit.js";
import { assertSafeGatewayUrl } from "./plaintext-ws-guard.js";
import type { SshHostKeyPolicy } from "./ssh-tunnel.js";

export type SshTunnelSpec = { target: string; identity?: string; remotePort: number; hostKeyPolicy: SshHostKeyPolicy };

/** Where a client connects, before credentials are picked. */
export type Endpoint = {
  url: string;
  portSource: string;
  credentials: CredentialSource;
  tlsFingerprint?: string;
  /** Local TLS is on but its certificate cannot be read, so there is nothing to pin. */
  tlsError?: string;
  /** Connect through `ssh -L` to this; `url` then names the gateway as the remote host sees it. */
  tunnel?: SshTunnelSpec;
};

type Gateway = GatewayConfig["gateway"];

export function parseTlsPin(value: string | undefined, source: string): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const pin = normalizeTlsFingerprint(value);
  if (!pin) throw new CliError(`Invalid ${source} "${value}": expected a SHA-256 fingerprint (64 hex digits; "sha256:" prefix and colons are fine).`);
  return pin;
}

/** A gateway on a loopback port: this host's own, the local end of a tunnel, or the remote host's as it sees itself. */
export const loopbackUrl = (port: number, tls: boolean): string => `${tls ? "wss" : "ws"}://127.0.0.1:${port}`;

/** This machine's gateway: ws(s)://127.0.0.1:<port>, pinned to its own certificate when gateway.tls is on. */
export function localEndpoint(gateway: Gateway, portFlag?: number, credentials: CredentialSource = "local", env: NodeJS.ProcessEnv = process.env): Endpoint {
  const { port, source } = resolveGatewayPort({ flag: portFlag, configPort: gateway?.port }, env);
  if (gateway?.tls?.enabled !== true) return { url: loopbackUrl(port, false), portSource: source, credentials };
  const cert = readCertificateFingerprint(gateway.tls, resolveStateDir(env));
  return { url: loopbackUrl(port, true), portSource: source, credentials, ...(cert.ok ? { tlsFingerprint: cert.fingerprint } : { tlsError: cert.error }) };
}

/** A tunnel to `remotePort` on the loopback of `target` (none without a target), with gateway.remote's host-key policy. */
export function sshTunnelSpec(gateway: Gateway, tunnel: { target?: string; identity?: string; remotePort: number }): SshTunnelSpec | undefined {
  if (!tunnel.target) return undefined;
  return {
    target: tunnel.target,
    ...(tunnel.identity ? { identity: tunnel.identity } : {}),
    remotePort: tunnel.remotePort,
    hostKeyPolicy: gateway?.remote?.sshHostKeyPolicy ?? "strict",
  };
}

/** gateway.remote.tlsFingerprint, validated and normalized. */
export const remotePin = (gateway: Gateway): { tlsFingerprint?: string } => {
  const tlsFingerprint = parseTlsPin(gateway?.remote?.tlsFingerprint, "gateway.remote.tlsFingerprint");
  return tlsFingerprint ? { tlsFingerprint } : {};
};

/** gateway.remote.url as a direct target (remote credentials, remote pin), if configured. */
export function remoteUrlEndpoint(gateway: Gateway, env: NodeJS.ProcessEnv = process.env): Endpoint | undefined {
  const url = gateway?.remote?.url;
  if (!url) return undefined;
  assertSafeGatewayUrl(url, "gateway.remote.url", env);
  return { url, portSource: "remote", credentials: "remote", ...remotePin(gateway) };
}

/** A tunnel's target as the remote host sees it (wss when a pin says the remote gateway speaks TLS). */
export function tunnelEndpoint(gateway: Gateway, tunnel: SshTunnelSpec): Endpoint {
  const pin = remotePin(gateway);
  return { url: loopbackUrl(tunnel.remotePort, !!pin.tlsFingerprint), portSource: "remote", credentials: "remote", tunnel, ...pin };
}

/** gateway.mode "remote": an SSH tunnel (transport "ssh" with an sshTarget) or gateway.remote.url. */
export function remoteEndpoint(gateway: Gateway, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const remote = gateway?.remote;
  const tunnel = remote?.transport !== "direct"
    ? sshTunnelSpec(gateway, { target: remote?.sshTarget, identity: remote?.sshIdentity, remotePort: remote?.remotePort ?? DEFAULT_GATEWAY_PORT })
    : undefined;
  if (tunnel) return tunnelEndpoint(gateway, tunnel);
  const direct = remoteUrlEndpoint(gateway, env);
  if (direct) return direct;
  process.stderr.write('Warning: gateway.mode is "remote" but neither gateway.remote.url nor gateway.remote.sshTarget is set; using the local gateway. Set one of them, or set gateway.mode to "local".\n');
  return localEndpoint(gateway, undefined, "remote", env);
}

/** The target order of operations spec §1.3/§9: --url, --port, OPENCLAW_GATEWAY_URL, remote mode, local. */
export function resolveEndpoint(gateway: Gateway, flags: { url?: string; port?: number }, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (flags.url) {
    assertSafeGatewayUrl(flags.url, "--url", env);
    return { url: flags.url, portSource: "url", credentials: "none" };
  }
  if (flags.port !== undefined) return localEndpoint(gateway, flags.port, "local", env);
  const envUrl = env.OPENCLAW_GATEWAY_URL?.trim();
  if (envUrl) {
    assertSafeGatewayUrl(envUrl, "OPENCLAW_GATEWAY_URL", env);
    return { url: envUrl, portSource: "env", credentials: "env" };
  }
  if (gateway?.mode === "remote") return remoteEndpoint(gateway, env);
  return localEndpoint(gateway, undefined, "local", env);
}
