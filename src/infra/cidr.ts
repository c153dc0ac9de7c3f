import { isIP } from "node:net";

/**
 * An IP address as 16 bytes. IPv4 is held in its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
 * `10.1.2.3` and `::ffff:10.1.2.3` are the same address and one range syntax covers both.
 */
export type IpAddress = { readonly bytes: Uint8Array; readonly v4: boolean };

/** A range: the first `prefix` bits of `base` (out of 128). */
export type IpRange = { readonly base: IpAddress; readonly prefix: number };

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function fromV4(text: string): IpAddress {
  const bytes = new Uint8Array(16);
  bytes.set(MAPPED_PREFIX);
  text.split(".").forEach((part, i) => (bytes[12 + i] = Number(part)));
  return { bytes, v4: true };
}

function isMapped(bytes: Uint8Array): boolean {
  return MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

function fromV6(text: string): IpAddress {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    tailV4 = text.slice(lastColon + 1).split(".").map(Number);
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const leftGroups = groups(left);
  const rightGroups = groups(right);
  const all = right === undefined ? leftGroups : [...leftGroups, ...new Array(8 - leftGroups.length - rightGroups.length).fill(0), ...rightGroups];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return { bytes, v4: isMapped(bytes) };
}

/**
 * Parses an IPv4 or IPv6 literal (an IPv6 zone such as `%eth0` and surrounding brackets are
 * accepted and dropped); anything else is null.
 */
export function parseIp(text: string | undefined): IpAddress | null {
  if (!text) return null;
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  const zone = t.indexOf("%");
  if (zone > 0 && t.includes(":")) t = t.slice(0, zone);
  const family = isIP(t);
  if (family === 4) return fromV4(t);
  if (family === 6) return fromV6(t.toLowerCase());
  return null;
}

/** `10.0.0.0/8`, `::ffff:10.0.0.0/104`, `fd00::/8`, or a single address; null when malformed. */
export function parseRange(text: string): IpRange | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const base = parseIp(slash === -1 ? trimmed : trimmed.slice(0, slash));
  if (!base) return null;
  if (slash === -1) return { base, prefix: 128 };
  const bitsText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  const written4 = !trimmed.slice(0, slash).includes(":");
  if (bits > (written4 ? 32 : 128)) return null;
  return { base, prefix: written4 ? bits + 96 : bits };
}

export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (range.base.bytes[i] !== ip.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.base.bytes[full] & mask) === (ip.bytes[full] & mask);
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.bytes.every((byte, i) => byte === b.bytes[i]);
}

/** 127.0.0.0/8 (also IPv4-mapped) and ::1. */
export function isLoopbackIp(ip: IpAddress): boolean {
  if (ip.v4) return ip.bytes[12] === 127;
  return ip.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** Dotted quad for IPv4 (mapped or not); RFC 5952 text for IPv6. */
export function formatIp(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.v4) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups = Array.from({ length: 8 }, (_, i) => (b[i * 2] << 8) | b[i * 2 + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
