import type { LookupAddress } from "node:dns";
import { ToolError } from "../types.js";
import { inspectAddress, type AddressClass, type AddressInfo } from "./ip-address.js";

/** Which targets a fetch may reach (`tools.web.fetch.ssrfPolicy`). */
export type NetPolicy = {
  /** Lifts the private, loopback, link-local, CGNAT, ULA, benchmark and IPv4-mapped refusals and the local-name refusal. */
  dangerouslyAllowPrivateNetwork: boolean;
  /** Exact hosts reached even when they are or resolve to private addresses. */
  allowedHostnames: string[];
  /** Exact hosts, or `*.suffix` for any subdomain, refused before anything else. */
  blockedHostnames: string[];
  /** 198.18.0.0/15, for trusted fake-IP proxies. */
  allowRfc2544BenchmarkRange: boolean;
  /** fc00::/7, for trusted fake-IP proxies. */
  allowIpv6UniqueLocalRange: boolean;
};

export const STRICT_NET_POLICY: NetPolicy = {
  dangerouslyAllowPrivateNetwork: false,
  allowedHostnames: [],
  blockedHostnames: [],
  allowRfc2544BenchmarkRange: false,
  allowIpv6UniqueLocalRange: false,
};

/** Resolves a host name to every address it has (the default is node:dns `lookup` with `all: true`). */
export type HostResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** A host that passed the checks, with the one address the connection must use. */
export type VettedTarget = { hostname: string; address: string; family: 4 | 6 };

const PRIVATE_NETWORK_CLASSES = new Set<AddressClass>(["private", "loopback", "link-local", "cgnat", "benchmark", "ula", "ipv4-mapped"]);

const CLASS_NAMES: Record<AddressClass, string> = {
  public: "a public address",
  private: "a private-network address",
  loopback: "a loopback address",
  "link-local": "a link-local address",
  cgnat: "a carrier-grade NAT address",
  benchmark: "a benchmarking-range address",
  ula: "an IPv6 unique-local address",
  "ipv4-mapped": "an IPv4-mapped IPv6 address",
  multicast: "a multicast address",
  unspecified: "the unspecified address",
  broadcast: "the broadcast address",
  documentation: "a documentation-range address",
  reserved: "a reserved address",
};

/** Names that only ever mean this machine or the local network. */
const LOCAL_NAME = /(^|\.)(localhost|localdomain|local|internal|home\.arpa)$/;

export const defaultHostResolver: HostResolver = async (hostname) => {
  const { lookup } = await import("node:dns/promises");
  return lookup(hostname, { all: true, verbatim: true });
};

/** Lower-case host without brackets or the trailing root dot. */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

function hostMatches(host: string, patterns: string[]): boolean {
  return patterns.some((raw) => {
    const pattern = normalizeHost(raw.trim());
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
    return host === pattern;
  });
}

/** Checks a URL the model gave before anything is sent: http(s) only, no embedded credentials. */
export function parseFetchUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ToolError(`not a valid URL: ${JSON.stringify(raw.slice(0, 200))}; give an absolute http(s) URL`, "invalid_arguments");
  }
  assertFetchableUrl(url, "invalid_arguments");
  return url;
}

function assertFetchableUrl(url: URL, kind: "invalid_arguments" | "blocked"): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ToolError(`web_fetch only fetches http and https URLs, not ${url.protocol.replace(/:$/, "")}:`, kind);
  }
  if (url.username || url.password) throw new ToolError("web_fetch does not send credentials embedded in a URL; remove the user:password@ part", kind);
}

function refusal(url: URL, why: string): ToolError {
  return new ToolError(`refused to fetch ${url.href}: ${why}. Private and internal network targets are blocked.`, "blocked");
}

function addressAllowed(info: AddressInfo, policy: NetPolicy): boolean {
  if (info.class === "public") return true;
  if (info.class === "benchmark" && policy.allowRfc2544BenchmarkRange) return true;
  if (info.class === "ula" && policy.allowIpv6UniqueLocalRange) return true;
  if (!policy.dangerouslyAllowPrivateNetwork || !PRIVATE_NETWORK_CLASSES.has(info.class)) return false;
  return info.embedded ? addressAllowed(info.embedded, policy) : true;
}

function describe(info: AddressInfo): string {
  const inner = info.embedded ? ` (${info.embedded.address}, ${CLASS_NAMES[info.embedded.class]})` : "";
  return `${info.address} is ${CLASS_NAMES[info.class]}${inner}`;
}

/**
 * Decides whether `url` may be fetched and which address to connect to. Every address the name
 * resolves to must pass, so a name with one private answer among public ones is refused too.
 */
export async function vetTarget(url: URL, policy: NetPolicy, resolve: HostResolver = defaultHostResolver): Promise<VettedTarget> {
  assertFetchableUrl(url, "blocked");
  const hostname = normalizeHost(url.hostname);
  if (!hostname) throw refusal(url, "the URL has no host");
  if (hostMatches(hostname, policy.blockedHostnames)) throw refusal(url, `${hostname} is in tools.web.fetch.ssrfPolicy.blockedHostnames`);
  const trusted = hostMatches(hostname, policy.allowedHostnames);
  const literal = inspectAddress(hostname);
  if (literal) {
    if (!trusted && !addressAllowed(literal, policy)) throw refusal(url, describe(literal));
    return { hostname: literal.address, address: literal.address, family: literal.family };
  }
  if (!trusted && !policy.dangerouslyAllowPrivateNetwork && LOCAL_NAME.test(hostname)) throw refusal(url, `${hostname} is a local host name`);
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await resolve(hostname);
  } catch (err) {
    throw new ToolError(`could not resolve ${hostname}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "failed");
  }
  const vetted: AddressInfo[] = [];
  for (const answer of answers) {
    const info = inspectAddress(answer.address);
    if (!info) throw refusal(url, `${hostname} resolved to an unreadable address (${answer.address})`);
    if (!trusted && !addressAllowed(info, policy)) throw refusal(url, `${hostname} resolves to ${describe(info)}`);
    vetted.push(info);
  }
  if (vetted.length === 0) throw new ToolError(`could not resolve ${hostname}: no addresses`, "failed");
  return { hostname, address: vetted[0].address, family: vetted[0].family };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that answers only with the vetted address, so the socket connects
 * where the check looked even if the name's DNS answer changes in between (DNS rebinding).
 */
export function pinnedLookup(target: VettedTarget) {
  return (_hostname: string, options: { all?: boolean } | number | undefined, callback: LookupCallback): void => {
    if (typeof options === "object" && options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}
