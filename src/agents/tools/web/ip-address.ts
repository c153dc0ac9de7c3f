import { isIPv6 } from "node:net";

/** What kind of network an address belongs to; everything but `public` is refused by default. */
export type AddressClass =
  | "public"
  | "private"
  | "loopback"
  | "link-local"
  | "cgnat"
  | "benchmark"
  | "ula"
  | "ipv4-mapped"
  | "multicast"
  | "unspecified"
  | "broadcast"
  | "documentation"
  | "reserved";

export type AddressInfo = {
  /** Canonical text: dotted quad, or compressed lower-case IPv6 without brackets. */
  address: string;
  family: 4 | 6;
  class: AddressClass;
  /** The IPv4 address inside an IPv4-mapped IPv6 address. */
  embedded?: AddressInfo;
};

/**
 * Parses IPv4 the way URL parsers and inet_aton do: 1–4 parts, each decimal, 0x-hex or 0-octal,
 * the last part filling the remaining bytes (`2130706433`, `0x7f.1`, `127.1` are all 127.0.0.1).
 * Returns null when the text is not a number-only host.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const value = parseIPv4Part(part);
    if (value === null) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return null;
  return values.reduce((sum, v, i) => sum + v * 2 ** (8 * (3 - i)), 0) + last;
}

function parseIPv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address (brackets and zone id allowed). */
export function parseIPv6(text: string): number[] | null {
  const unbracketed = text.replace(/^\[(.*)\]$/, "$1");
  // indexOf rather than a regex like /%.*$/, which retries from every `%` and is quadratic on a run of them.
  const zone = unbracketed.indexOf("%");
  const bare = zone < 0 ? unbracketed : unbracketed.slice(0, zone);
  if (!isIPv6(bare)) return null;
  // The dotted tail (`::ffff:127.0.0.1`) becomes two hex groups so one parser handles both spellings.
  const hexOnly = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [left, right] = hexOnly.includes("::") ? hexOnly.split("::") : [hexOnly, null];
  const toGroups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const leftGroups = toGroups(left);
  const rightGroups = right === null ? [] : toGroups(right);
  const missing = 8 - leftGroups.length - rightGroups.length;
  if (right === null ? missing !== 0 : missing < 0) return null;
  return [...leftGroups, ...new Array(right === null ? 0 : missing).fill(0), ...rightGroups];
}

function parseDottedQuad(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((sum, p) => sum * 256 + Number(p), 0);
}

function ipv6Text(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

const inIPv4 = (value: number, base: string, bits: number) => {
  const size = 2 ** (32 - bits);
  return Math.floor(value / size) === Math.floor(parseDottedQuad(base)! / size);
};

function classifyIPv4(value: number): AddressClass {
  if (value === 0) return "unspecified";
  if (value === 0xffffffff) return "broadcast";
  if (inIPv4(value, "0.0.0.0", 8)) return "reserved";
  if (inIPv4(value, "127.0.0.0", 8)) return "loopback";
  if (inIPv4(value, "10.0.0.0", 8) || inIPv4(value, "172.16.0.0", 12) || inIPv4(value, "192.168.0.0", 16)) return "private";
  if (inIPv4(value, "169.254.0.0", 16)) return "link-local";
  if (inIPv4(value, "100.64.0.0", 10)) return "cgnat";
  if (inIPv4(value, "198.18.0.0", 15)) return "benchmark";
  if (inIPv4(value, "192.0.2.0", 24) || inIPv4(value, "198.51.100.0", 24) || inIPv4(value, "203.0.113.0", 24)) return "documentation";
  if (inIPv4(value, "192.0.0.0", 24) || inIPv4(value, "192.88.99.0", 24)) return "reserved";
  if (inIPv4(value, "224.0.0.0", 4)) return "multicast";
  if (inIPv4(value, "240.0.0.0", 4)) return "reserved";
  return "public";
}

function ipv4Info(value: number): AddressInfo {
  return { address: ipv4Text(value), family: 4, class: classifyIPv4(value) };
}

function classifyIPv6(g: number[]): Pick<AddressInfo, "class" | "embedded"> {
  const embeddedAt = (high: number) => ipv4Info(g[high] * 65536 + g[high + 1]);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return { class: "unspecified" };
  if (zeroUpTo(7) && g[7] === 1) return { class: "loopback" };
  if (zeroUpTo(5) && g[5] === 0xffff) return { class: "ipv4-mapped", embedded: embeddedAt(6) };
  if (zeroUpTo(6)) return { class: "reserved" };
  // NAT64 and 6to4 carry an IPv4 destination: judge them by it.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return { class: embeddedAt(6).class };
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return { class: "private" };
  if (g[0] === 0x2002) return { class: embeddedAt(1).class };
  if ((g[0] & 0xffc0) === 0xfe80) return { class: "link-local" };
  if ((g[0] & 0xffc0) === 0xfec0) return { class: "private" };
  if ((g[0] & 0xfe00) === 0xfc00) return { class: "ula" };
  if ((g[0] & 0xff00) === 0xff00) return { class: "multicast" };
  if ((g[0] === 0x2001 && g[1] === 0x0db8) || (g[0] & 0xfff0) === 0x3ff0) return { class: "documentation" };
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return { class: "reserved" };
  if ((g[0] & 0xe000) !== 0x2000) return { class: "reserved" };
  return { class: "public" };
}

/** Parses and classifies an IP literal (any IPv4 numeric form, IPv6 with or without brackets); null for names. */
export function inspectAddress(text: string): AddressInfo | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return ipv4Info(v4);
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  return { address: ipv6Text(v6), family: 6, ...classifyIPv6(v6) };
}
