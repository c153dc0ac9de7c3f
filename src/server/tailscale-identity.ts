import type { IncomingHttpHeaders } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import { tailscaleWhois, type TailscaleWhois } from "../infra/tailscale/tailscale-whois.js";
import type { ResolvedAuth } from "./auth.js";
import { managedIngress } from "./tailscale-provenance.js";

/** Headers tailscaled's Serve proxy sets on every request it forwards (X-Forwarded-For is checked on arrival). */
const SERVE_PROXY_HEADERS = ["x-forwarded-proto", "x-forwarded-host"] as const;

/** `gateway.auth.allowTailscale`, defaulting to on unless a password or a trusted proxy is the gate. */
export function tailscaleIdentityAllowed(config: GatewayConfig, auth: ResolvedAuth): boolean {
  return config.gateway?.auth?.allowTailscale ?? (auth.mode !== "password" && auth.mode !== "trusted-proxy");
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(",") : value;
  return text?.trim() ? text.trim() : undefined;
}

/**
 * The Tailscale login a WebSocket upgrade proves: it came through the managed Serve route (never
 * Funnel, never the ordinary listener, never a request tailscaled marks as Funnel traffic), carries
 * Tailscale's proxy headers, and `tailscale whois` on the client tailscaled named gives the same
 * login as `tailscale-user-login`. Null when any of it fails.
 */
export async function verifiedTailscaleLogin(
  headers: IncomingHttpHeaders,
  config: GatewayConfig,
  auth: ResolvedAuth,
  whois: Pick<TailscaleWhois, "login"> = tailscaleWhois,
): Promise<string | null> {
  const ingress = managedIngress(headers);
  if (ingress?.mode !== "serve" || !tailscaleIdentityAllowed(config, auth)) return null;
  if (headers["tailscale-funnel-request"] !== undefined) return null;
  const claimed = single(headers["tailscale-user-login"]);
  if (!claimed || SERVE_PROXY_HEADERS.some((name) => !single(headers[name]))) return null;
  const login = await whois.login(ingress.clientIp);
  return login && login.toLowerCase() === claimed.toLowerCase() ? login : null;
}
