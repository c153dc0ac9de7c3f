import { resolveConfigPath } from "../config/paths.js";
import { readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { GatewayClient, GatewayTlsError, type ClientOptions } from "../client/gateway-client.js";
import type { ClientFlags } from "./client-options.js";
import { resolveCredentials } from "./credentials.js";
import { CliError } from "./exit.js";
import { loopbackUrl, parseTlsPin, resolveEndpoint, type Endpoint, type SshTunnelSpec } from "./remote-target.js";
import type { SshTunnel } from "./ssh-tunnel.js";

export type { ClientFlags } from "./client-options.js";

export type ResolvedTarget = {
  url: string;
  token?: string;
  password?: string;
  /** Normalized SHA-256 pin of the gateway's certificate. */
  tlsFingerprint?: string;
  /** Why a local TLS gateway cannot be pinned (its certificate is unreadable); connecting fails with it. */
  tlsError?: string;
  /** Reach the gateway through an SSH tunnel opened on connect and closed with the client. */
  tunnel?: SshTunnelSpec;
  timeoutMs: number;
  config: ConfigSnapshot;
  portSource: string;
};

export function parsePortFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`Invalid --port "${value}".`);
  return port;
}

export function parseTimeoutFlag(value: string | undefined, fallbackMs = 10_000): number {
  const timeoutMs = Number(value ?? fallbackMs);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`Invalid --timeout "${value}".`);
  return timeoutMs;
}

/** Where to connect and with which credentials, following the documented precedence (operations spec §1.3, §9). */
export function resolveTarget(flags: ClientFlags): ResolvedTarget {
  if (flags.url && flags.port) throw new CliError("Use either --url or --port, not both.");
  const timeoutMs = parseTimeoutFlag(flags.timeout);
  const config = readConfigSnapshot(resolveConfigPath());
  const endpoint = resolveEndpoint(config.config.gateway, { url: flags.url, port: parsePortFlag(flags.port) });
  return targetFromEndpoint(endpoint, flags, config, timeoutMs);
}

/** Adds the credentials the endpoint may use (explicit flags win) and the pin (--tls-fingerprint wins). */
export function targetFromEndpoint(endpoint: Endpoint, flags: ClientFlags, config: ConfigSnapshot, timeoutMs: number): ResolvedTarget {
  const tlsFingerprint = parseTlsPin(flags.tlsFingerprint, "--tls-fingerprint") ?? endpoint.tlsFingerprint;
  if (tlsFingerprint && !endpoint.tunnel && !/^(wss|https):/i.test(endpoint.url)) {
    throw new CliError(`A TLS fingerprint is pinned but ${endpoint.url} does not use TLS: use a wss:// URL, or drop --tls-fingerprint.`);
  }
  return {
    url: endpoint.url,
    ...resolveCredentials(endpoint.credentials, config.config.gateway, flags),
    ...(tlsFingerprint ? { tlsFingerprint } : endpoint.tlsError ? { tlsError: endpoint.tlsError } : {}),
    ...(endpoint.tunnel ? { tunnel: endpoint.tunnel } : {}),
    timeoutMs,
    config,
    portSource: endpoint.portSource,
  };
}

/** Long enough for a slow SSH login, short enough that a dead host is reported promptly. */
const tunnelTimeoutMs = (timeoutMs: number) => Math.min(Math.max(timeoutMs, 5000), 30_000);

/** The SSH code is loaded only for a target that needs a tunnel. */
async function openTunnel(target: ResolvedTarget): Promise<SshTunnel | null> {
  if (!target.tunnel) return null;
  const { openSshTunnel } = await import("./ssh-tunnel.js");
  return openSshTunnel({ ...target.tunnel, timeoutMs: tunnelTimeoutMs(target.timeoutMs) });
}

/** Connects (through the target's SSH tunnel, if any); closing the client also closes the tunnel. */
export async function connectTarget(target: ResolvedTarget, extra: Partial<ClientOptions> = {}): Promise<GatewayClient> {
  if (target.tlsError) throw new GatewayTlsError(`cannot verify the local gateway's TLS certificate: ${target.tlsError}`);
  const tunnel = await openTunnel(target);
  const url = tunnel ? loopbackUrl(tunnel.localPort, !!target.tlsFingerprint) : target.url;
  try {
    const client = await GatewayClient.connect({
      url, token: target.token, password: target.password, tlsFingerprint: target.tlsFingerprint, timeoutMs: target.timeoutMs, ...extra,
    });
    if (tunnel) client.onClosed(() => tunnel.close());
    return client;
  } catch (err) {
    await tunnel?.close();
    if (tunnel && err instanceof Error) err.message += ` (through the SSH tunnel to ${tunnel.target}, remote port ${tunnel.remotePort})`;
    throw err;
  }
}

/** Connects, runs `fn`, and always closes the socket (and the tunnel). */
export async function withClient<T>(target: ResolvedTarget, extra: Partial<ClientOptions>, fn: (client: GatewayClient) => Promise<T>): Promise<T> {
  const client = await connectTarget(target, extra);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
