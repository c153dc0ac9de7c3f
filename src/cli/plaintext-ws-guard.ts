import { isIP } from "node:net";
import { parseIp, parseRange, rangeContains, type IpRange } from "../infra/cidr.js";
import { CliError } from "./exit.js";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "fe80::/10", "fc00::/7", "::1"].map(
  (range) => parseRange(range) as IpRange,
);

/** Loopback, RFC 1918, link-local, CGNAT (100.64/10), IPv6 ULA/link-local, `localhost`, `*.local`, `*.ts.net`. */
export function isTrustedPlaintextHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".ts.net")) return true;
  const ip = parseIp(host);
  return ip !== null && PRIVATE_RANGES.some((range) => rangeContains(range, ip));
}

/**
 * Plain `ws://` would expose the token and every chat message to the network, so it is allowed
 * only to hosts that stay on a private network. OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1 also trusts
 * other host names (a private DNS zone), never a public IP address.
 */
export function assertSafeGatewayUrl(url: string, source: string, env: NodeJS.ProcessEnv = process.env): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`Invalid gateway URL "${url}" (from ${source}): use ws://host:port or wss://host:port.`);
  }
  if (parsed.protocol === "wss:" || parsed.protocol === "https:") return;
  if (parsed.protocol !== "ws:" && parsed.protocol !== "http:") {
    throw new CliError(`Invalid gateway URL "${url}" (from ${source}): the scheme must be ws:// or wss://.`);
  }
  if (isTrustedPlaintextHost(parsed.hostname)) return;
  const breakGlass = env.OPENCLAW_ALLOW_INSECURE_PRIVATE_WS === "1";
  if (breakGlass && isIP(parsed.hostname.replace(/^\[|\]$/g, "")) === 0) return;
  throw new CliError(
    [
      `Refusing plaintext ws:// to ${parsed.host} (from ${source}): the gateway token and chat data would cross the network unencrypted.`,
      "Fix: use wss:// (pin a self-signed certificate with --tls-fingerprint or gateway.remote.tlsFingerprint),",
      "or keep the gateway on loopback and reach it over SSH (gateway.remote.sshTarget, or ssh -N -L 18789:127.0.0.1:18789 user@host).",
      ...(breakGlass ? [] : ["Trusted private network with its own DNS names only: set OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1."]),
    ].join("\n"),
  );
}
