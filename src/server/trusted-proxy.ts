import { networkInterfaces } from "node:os";
import type { GatewayConfig } from "../config/schema.js";
import { isLoopbackIp, parseIp, sameIp, type IpAddress } from "../infra/cidr.js";
import { attributeIngress, headerCount, isTrusted, trustedRanges, type RequestView } from "./ingress.js";
import { remoteOriginAllowed, type OriginPolicy } from "./remote-origin.js";
import { managedIngress } from "./tailscale-provenance.js";

export type TrustedProxyFailureReason =
  | "trusted_proxy_config_missing"
  | "trusted_proxy_no_proxies_configured"
  | "proxy_attribution_required"
  | "trusted_proxy_untrusted_source"
  | "trusted_proxy_loopback_source"
  | "trusted_proxy_local_interface_source"
  | "trusted_proxy_local_interface_check_failed"
  | "trusted_proxy_user_missing"
  | "trusted_proxy_user_not_allowed"
  | "trusted_proxy_origin_not_allowed"
  | `trusted_proxy_missing_header_${string}`;

export type TrustedProxyVerdict =
  | { ok: true; user: string; clientIp: string }
  | { ok: false; reason: TrustedProxyFailureReason; status: 401 | 403 };

export type TrustedProxyOptions = {
  /** HTTP checks the browser Origin here; a WebSocket handshake checks it before auth. */
  checkOrigin?: boolean;
  /** The gateway host's own addresses; may throw (discovery failed). */
  localAddresses?: () => string[];
};

function systemAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
}

function refuse(reason: TrustedProxyFailureReason): TrustedProxyVerdict {
  return { ok: false, reason, status: reason === "proxy_attribution_required" ? 403 : 401 };
}

/** True, false, or undefined when the host's addresses could not be read. */
function isLocalInterface(source: IpAddress, localAddresses: () => string[]): boolean | undefined {
  try {
    return localAddresses().some((address) => {
      const local = parseIp(address);
      return !!local && sameIp(local, source);
    });
  } catch {
    return undefined;
  }
}

/** The header's value when sent exactly once and not blank. */
function singleValue(view: RequestView, name: string): string | undefined {
  const key = name.toLowerCase();
  const value = view.headers[key];
  if (typeof value !== "string" || headerCount(view.rawHeaders, key) > 1) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/**
 * Decides whether a request speaks for a user a trusted reverse proxy authenticated
 * (gateway.auth.mode "trusted-proxy"), in OpenClaw's order of checks, so the first failing
 * check names the reason. A repeated identity header counts as missing: which copy the proxy
 * wrote cannot be told.
 */
export function evaluateTrustedProxy(view: RequestView, config: GatewayConfig, opts: TrustedProxyOptions = {}): TrustedProxyVerdict {
  const gateway = config.gateway;
  const settings = gateway?.auth?.trustedProxy;
  if (!settings?.userHeader?.trim()) return refuse("trusted_proxy_config_missing");
  const proxies = gateway?.trustedProxies ?? [];
  if (proxies.length === 0) return refuse("trusted_proxy_no_proxies_configured");
  // tailscaled, the managed listener's only peer, passes any header a client invents through.
  if (managedIngress(view.headers)) return refuse("proxy_attribution_required");

  const ingress = attributeIngress(view, proxies, gateway?.allowRealIpFallback === true);
  if (ingress.kind === "unattributable") return refuse("proxy_attribution_required");
  const { source } = ingress;
  if (!isTrusted(source, trustedRanges(proxies))) return refuse("trusted_proxy_untrusted_source");
  const loopback = isLoopbackIp(source);
  if (loopback && settings.allowLoopback !== true) return refuse("trusted_proxy_loopback_source");
  if (!loopback) {
    const local = isLocalInterface(source, opts.localAddresses ?? systemAddresses);
    if (local === undefined) return refuse("trusted_proxy_local_interface_check_failed");
    if (local) return refuse("trusted_proxy_local_interface_source");
  }

  for (const header of settings.requiredHeaders ?? []) {
    if (!singleValue(view, header)) return refuse(`trusted_proxy_missing_header_${header}`);
  }
  const user = singleValue(view, settings.userHeader);
  if (!user) return refuse("trusted_proxy_user_missing");
  const allowUsers = settings.allowUsers ?? [];
  if (allowUsers.length > 0 && !allowUsers.includes(user)) return refuse("trusted_proxy_user_not_allowed");
  // A trusted proxy that did not say for whom it relays (e.g. no X-Forwarded-For) is not enough.
  if (ingress.kind !== "trusted-proxy") return refuse("proxy_attribution_required");

  const origin = view.headers.origin;
  if (opts.checkOrigin && origin !== undefined && !remoteOriginAllowed(origin, view.headers.host, gateway?.controlUi as OriginPolicy | undefined)) {
    return refuse("trusted_proxy_origin_not_allowed");
  }
  return { ok: true, user, clientIp: ingress.clientIp };
}
