import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import type { GatewayConfig } from "../config/schema.js";
import { tailscaleWhois, type TailscaleWhois } from "../infra/tailscale/tailscale-whois.js";
import type { ResolvedAuth } from "./auth.js";
import { managedIngressMode } from "./tailscale-provenance.js";

/** Headers tailscaled's Serve proxy sets on every request it forwards. */
const SERVE_PROXY_HEADERS = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"] as const;

/** `gateway.auth.allowTailscale`, defaulting to on unless a password or a trusted proxy is the gate. */
export function tailscaleIdentityAllowed(config: GatewayConfig, auth: ResolvedAuth): boolean {
  return config.gateway?.auth?.allowTailscale ?? (auth.mode !== "password" && auth.mode !== "trusted-proxy");
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(",") : value;
  return text?.trim() ? text.trim() : undefined;
}

/** The client address tailscaled added: the last hop of X-Forwarded-For, when it is an IP. */
function forwardedClient(headers: IncomingHttpHeaders): string | undefined {
  const last = single(headers["x-forwarded-for"])?.split(",").pop()?.trim();
  return last && isIP(last) ? last : undefined;
}

/**
 * The Tailscale login a WebSocket upgrade proves: it came through the managed Serve route (never
 * Funnel, never the ordinary listener), carries Tailscale's proxy headers, and `tailscale whois` on
 * the forwarded address names the same login as `tailscale-user-login`. Null when any of it fails.
 */
export async function verifiedTailscaleLogin(
  headers: IncomingHttpHeaders,
  config: GatewayConfig,
  auth: ResolvedAuth,
  whois: Pick<TailscaleWhois, "login"> = tailscaleWhois,
): Promise<string | null> {
  if (managedIngressMode(headers) !== "serve" || !tailscaleIdentityAllowed(config, auth)) return null;
  const claimed = single(headers["tailscale-user-login"]);
  if (!claimed || SERVE_PROXY_HEADERS.some((name) => !single(headers[name]))) return null;
  const ip = forwardedClient(headers);
  if (!ip) return null;
  const login = await whois.login(ip);
  return login && login.toLowerCase() === claimed.toLowerCase() ? login : null;
}
