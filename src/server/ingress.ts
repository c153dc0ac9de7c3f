import type { IncomingHttpHeaders } from "node:http";
import { formatIp, isLoopbackIp, parseIp, parseRange, rangeContains, type IpAddress, type IpRange } from "../infra/cidr.js";

/** What the gateway sees of a request before trusting any of it: the socket peer and the headers. */
export type RequestView = {
  remoteAddress: string | undefined;
  headers: IncomingHttpHeaders;
  /** Node's alternating name/value list; needed to tell a repeated header from a comma list. */
  rawHeaders: readonly string[];
};

/**
 * Where a request comes from (as in OpenClaw's ingress attribution):
 * - `direct-local`: a loopback peer with no forwarding headers;
 * - `trusted-proxy`: a peer in gateway.trustedProxies, with `clientIp` taken from its headers;
 * - `direct-remote`: any other peer without forwarding headers;
 * - `unattributable`: forwarding headers from a peer not trusted to send them, or a trusted proxy
 *   whose headers do not name a usable (non-loopback) client.
 */
export type Ingress =
  | { kind: "direct-local" | "direct-remote" | "trusted-proxy"; source: IpAddress; clientIp: string }
  | { kind: "unattributable"; source: IpAddress | null };

/** Longer than any honest forwarded-for chain; a bigger header is refused, not parsed. */
export const MAX_FORWARDED_HEADER_CHARS = 2048;

/** Forwarded, X-Real-IP or any X-Forwarded-*: some proxy says it relayed this request. */
export function hasForwardingHeaders(headers: IncomingHttpHeaders): boolean {
  for (const name in headers) if (name === "forwarded" || name === "x-real-ip" || name.startsWith("x-forwarded-")) return true;
  return false;
}

/** How often a header was sent (Node joins repeats into one value, so count the raw list). */
export function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) count++;
  return count;
}

const rangeCache = new WeakMap<readonly string[], IpRange[]>();

/** gateway.trustedProxies as ranges (malformed entries never match; start-up refuses them). */
export function trustedRanges(entries: readonly string[] | undefined): IpRange[] {
  if (!entries) return [];
  let ranges = rangeCache.get(entries);
  if (!ranges) {
    ranges = entries.map(parseRange).filter((r): r is IpRange => r !== null);
    rangeCache.set(entries, ranges);
  }
  return ranges;
}

/** The entries of gateway.trustedProxies that are neither an IP address nor a CIDR range. */
export function invalidTrustedProxies(entries: readonly string[] | undefined): string[] {
  return (entries ?? []).filter((entry) => parseRange(entry) === null);
}

export function isTrusted(ip: IpAddress, ranges: readonly IpRange[]): boolean {
  return ranges.some((range) => rangeContains(range, ip));
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[::1]`, `[::1]:5678` or a bare IPv6 address; null for anything else. */
function parseHop(entry: string): IpAddress | null {
  const t = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(t);
  if (bracketed) return parseIp(bracketed[1]);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(t);
  return parseIp(v4WithPort ? v4WithPort[1] : t);
}

/** A single, not oversized value of `name`; null when the header is repeated or too long. */
function singleHeader(view: RequestView, name: string): string | undefined | null {
  const value = view.headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value) || headerCount(view.rawHeaders, name) > 1) return null;
  return value.length > MAX_FORWARDED_HEADER_CHARS ? null : value;
}

/**
 * The client a trusted proxy relayed for. X-Forwarded-For is walked from the right (the entries
 * the nearest proxies appended): trusted and loopback hops are skipped, the first other hop is
 * the client. Entries left of it were written by the client and are never read. A malformed hop
 * reached on that walk refuses the whole chain rather than being skipped. X-Real-IP counts only
 * with allowRealIpFallback and only when X-Forwarded-For is absent.
 */
function forwardedClient(view: RequestView, ranges: readonly IpRange[], allowRealIpFallback: boolean): IpAddress | null {
  const forwardedFor = singleHeader(view, "x-forwarded-for");
  if (forwardedFor === null) return null;
  if (forwardedFor !== undefined) {
    const hops = forwardedFor.split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseHop(hops[i]);
      if (!hop) return null;
      if (isLoopbackIp(hop) || isTrusted(hop, ranges)) continue;
      return hop;
    }
    return null;
  }
  if (!allowRealIpFallback) return null;
  const realIp = singleHeader(view, "x-real-ip");
  return realIp ? parseHop(realIp) : null;
}

export function attributeIngress(view: RequestView, trustedProxies: readonly string[] | undefined, allowRealIpFallback = false): Ingress {
  const source = parseIp(view.remoteAddress);
  if (!source) return { kind: "unattributable", source: null };
  const forwarded = hasForwardingHeaders(view.headers);
  if (isLoopbackIp(source) && !forwarded) return { kind: "direct-local", source, clientIp: formatIp(source) };
  const ranges = trustedRanges(trustedProxies);
  if (isTrusted(source, ranges)) {
    const client = forwardedClient(view, ranges, allowRealIpFallback);
    if (!client || isLoopbackIp(client)) return { kind: "unattributable", source };
    return { kind: "trusted-proxy", source, clientIp: formatIp(client) };
  }
  if (forwarded) return { kind: "unattributable", source };
  return { kind: "direct-remote", source, clientIp: formatIp(source) };
}

function hostIsLoopback(host: string | undefined): boolean {
  if (!host) return false;
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  const name = bracketed ? bracketed[1] : host.replace(/:\d+$/, "");
  if (name.toLowerCase() === "localhost") return true;
  const ip = parseIp(name);
  return !!ip && isLoopbackIp(ip);
}

/** A caller on this host talking to the gateway itself: loopback peer, loopback Host, no proxy headers. */
export function isLocalDirect(view: RequestView): boolean {
  const source = parseIp(view.remoteAddress);
  return !!source && isLoopbackIp(source) && !hasForwardingHeaders(view.headers) && hostIsLoopback(view.headers.host);
}
