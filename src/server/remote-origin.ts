import { isLoopbackIp, parseIp, parseRange, rangeContains, type IpRange } from "../infra/cidr.js";

const PRIVATE_RANGES: IpRange[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"].map(
  (r) => parseRange(r)!,
);

/** The part of gateway.controlUi (an open section) the origin policy reads. */
export type OriginPolicy = { allowedOrigins?: unknown; dangerouslyAllowHostHeaderOriginFallback?: unknown };

/** A Host the browser can only reach on a private network: a private IP literal, `*.local`, `*.ts.net`. */
function privateSameOriginHost(hostname: string): boolean {
  const ip = parseIp(hostname);
  if (!ip) return hostname.endsWith(".local") || hostname.endsWith(".ts.net");
  return !isLoopbackIp(ip) && PRIVATE_RANGES.some((range) => rangeContains(range, ip));
}

/**
 * The Control UI origin policy (gateway.controlUi) for a browser that is not on the gateway host,
 * as it applies to identity-bearing HTTP requests: listed origins (or `*`), the Host-header
 * fallback when deliberately enabled, or the same private host.
 */
export function remoteOriginAllowed(origin: string, hostHeader: string | undefined, policy: OriginPolicy | undefined): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === "null") return false;
  const allowed = Array.isArray(policy?.allowedOrigins) ? policy.allowedOrigins.filter((o): o is string => typeof o === "string").map((o) => o.trim().toLowerCase()) : [];
  if (allowed.includes("*") || allowed.includes(url.origin.toLowerCase())) return true;
  const host = hostHeader?.trim().toLowerCase();
  if (!host || url.host.toLowerCase() !== host) return false;
  if (policy?.dangerouslyAllowHostHeaderOriginFallback === true) return true;
  return privateSameOriginHost(url.hostname.replace(/^\[|\]$/g, ""));
}
