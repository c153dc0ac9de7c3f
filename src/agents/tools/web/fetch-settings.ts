import type { GatewayConfig } from "../../../config/schema.js";
import type { NetPolicy } from "./net-guard.js";

/** `tools.web.fetch` with OpenClaw's defaults filled in and every number clamped to its range. */
export type WebFetchSettings = {
  enabled: boolean;
  /** Result characters when the call gives no `maxChars`. */
  maxChars: number;
  /** The most characters a call may ask for. */
  maxCharsCap: number;
  /** Body bytes read (after decompression) before the rest is dropped. */
  maxResponseBytes: number;
  timeoutSeconds: number;
  maxRedirects: number;
  userAgent: string;
  /** Extra request headers (`tools.web.fetch.headers`), sent as given after request-headers.ts drops unsafe ones. */
  headers: Record<string, string>;
  ssrfPolicy: NetPolicy;
};

export const WEB_FETCH_DEFAULTS = {
  maxChars: 20_000,
  maxCharsCap: 20_000,
  maxResponseBytes: 750_000,
  minResponseBytes: 32_000,
  maxResponseBytesLimit: 10_000_000,
  timeoutSeconds: 30,
  /** Keeps the timer within what setTimeout can hold (a larger value would fire at once). */
  maxTimeoutSeconds: 86_400,
  maxRedirects: 3,
  /** The smallest `maxChars` that still leaves room for the content markers (with their notice) and some text. */
  minChars: 500,
} as const;

const DEFAULT_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

type Loose = Record<string, unknown>;

const asObject = (value: unknown): Loose => (value && typeof value === "object" && !Array.isArray(value) ? (value as Loose) : {});
const asNumber = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const asStrings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

function asHeaders(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(asObject(value))) if (typeof v === "string") out[name] = v;
  return out;
}

/** Reads the live config; `tools` is an open section, so anything malformed falls back to the default. */
export function readWebFetchSettings(config: GatewayConfig): WebFetchSettings {
  const fetch = asObject(asObject(asObject(config.tools).web).fetch);
  const ssrf = asObject(fetch.ssrfPolicy);
  const d = WEB_FETCH_DEFAULTS;
  const maxCharsCap = Math.floor(Math.max(d.minChars, asNumber(fetch.maxCharsCap) ?? d.maxCharsCap));
  const timeoutSeconds = asNumber(fetch.timeoutSeconds);
  const redirects = asNumber(fetch.maxRedirects);
  return {
    enabled: fetch.enabled !== false,
    maxCharsCap,
    maxChars: Math.floor(clamp(asNumber(fetch.maxChars) ?? d.maxChars, d.minChars, maxCharsCap)),
    maxResponseBytes: Math.floor(clamp(asNumber(fetch.maxResponseBytes) ?? d.maxResponseBytes, d.minResponseBytes, d.maxResponseBytesLimit)),
    timeoutSeconds: timeoutSeconds !== undefined && timeoutSeconds > 0 ? Math.min(timeoutSeconds, d.maxTimeoutSeconds) : d.timeoutSeconds,
    maxRedirects: redirects !== undefined && redirects >= 0 ? Math.floor(redirects) : d.maxRedirects,
    userAgent: typeof fetch.userAgent === "string" && fetch.userAgent.trim() ? fetch.userAgent : DEFAULT_USER_AGENT,
    headers: asHeaders(fetch.headers),
    ssrfPolicy: {
      dangerouslyAllowPrivateNetwork: ssrf.dangerouslyAllowPrivateNetwork === true,
      allowedHostnames: asStrings(ssrf.allowedHostnames),
      blockedHostnames: asStrings(ssrf.blockedHostnames),
      allowRfc2544BenchmarkRange: ssrf.allowRfc2544BenchmarkRange === true,
      allowIpv6UniqueLocalRange: ssrf.allowIpv6UniqueLocalRange === true,
    },
  };
}
