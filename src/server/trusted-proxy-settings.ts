import type { GatewayConfig } from "../config/schema.js";
import type { ResolvedAuth } from "./auth.js";
import { invalidTrustedProxies } from "./ingress.js";

/**
 * Why the gateway must not start (or reload) with these proxy settings, or null: every
 * gateway.trustedProxies entry must parse; trusted-proxy auth needs a user header and at least
 * one proxy, and no shared token that would open a second way in next to the proxy's identity.
 */
export function trustedProxySettingsProblem(config: GatewayConfig, auth: ResolvedAuth): string | null {
  const proxies = config.gateway?.trustedProxies;
  const invalid = invalidTrustedProxies(proxies);
  if (invalid.length > 0) {
    const list = invalid.map((entry) => JSON.stringify(entry)).join(", ");
    return `gateway.trustedProxies has entries that are neither an IP address nor a CIDR range: ${list}. Use addresses like 10.0.0.1 or ranges like 10.0.0.0/24.`;
  }
  if (auth.mode !== "trusted-proxy") return null;
  if (!config.gateway?.auth?.trustedProxy?.userHeader?.trim()) {
    return "Gateway auth mode is trusted-proxy, but gateway.auth.trustedProxy.userHeader is not set. Set it to the header your proxy puts the signed-in user in (for example x-forwarded-user).";
  }
  if (!proxies || proxies.length === 0) {
    return "Gateway auth mode is trusted-proxy, but gateway.trustedProxies is empty. List the reverse proxy's address (an IP or CIDR range) there.";
  }
  if (auth.token) {
    return 'gateway auth mode is trusted-proxy, but a shared token is also configured. Remove gateway.auth.token and OPENCLAW_GATEWAY_TOKEN (trusted-proxy and token auth are mutually exclusive), or set gateway.auth.mode to "token".';
  }
  return null;
}
