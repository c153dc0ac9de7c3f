import type { WebFetchSettings } from "./fetch-settings.js";

/** Set by the fetch itself, or framing a request cannot carry from config. */
const RESERVED = new Set([
  "accept",
  "accept-language",
  "accept-encoding",
  "user-agent",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection",
  "proxy-authorization",
]);

/** Headers that may follow a redirect to another origin; configured routing or credential headers do not. */
const CROSS_ORIGIN_SAFE = new Set(["cache-control", "content-type", "range", "pragma"]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The configured extra headers that can be sent: reserved or invalid names and unsendable values dropped, later case-duplicates winning. */
export function configuredHeaders(settings: WebFetchSettings): Record<string, string> {
  const byLowerName = new Map<string, [string, string | null]>();
  for (const [name, value] of Object.entries(settings.headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name) || RESERVED.has(lower)) continue;
    byLowerName.set(lower, [name, SENDABLE_VALUE.test(value) ? value : null]);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of byLowerName.values()) if (value !== null) out[name] = value;
  return out;
}

export function baseHeaders(settings: WebFetchSettings): Record<string, string> {
  return {
    "User-Agent": settings.userAgent,
    Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
    "Accept-Language": "en-US,en;q=0.9",
    "Accept-Encoding": "gzip, deflate, br",
  };
}

/** The extra headers kept when a redirect leaves the original origin. */
export function crossOriginHeaders(extra: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(extra).filter(([name]) => CROSS_ORIGIN_SAFE.has(name.toLowerCase())));
}
