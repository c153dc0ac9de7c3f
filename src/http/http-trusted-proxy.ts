import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import { parseIp } from "../infra/cidr.js";
import { isLoopback } from "../infra/loopback.js";
import { hasForwardingHeaders, isTrusted, trustedRanges, type RequestView } from "../server/ingress.js";
import type { TrustedProxyFailureReason } from "../server/trusted-proxy.js";
import { sendApiJson } from "./openai/errors.js";

export function httpRequestView(req: IncomingMessage): RequestView {
  return { remoteAddress: req.socket.remoteAddress, headers: req.headers, rawHeaders: req.rawHeaders };
}

/**
 * A reverse proxy on this host that nobody listed in gateway.trustedProxies: the socket is
 * loopback, so its forwarded headers would otherwise pass for a local caller.
 */
export function isUnattributedLocalProxy(req: IncomingMessage, config: GatewayConfig): boolean {
  // Runs on every authenticated request: the cheap string checks come before any parsing.
  if (!isLoopback(req.socket.remoteAddress) || !hasForwardingHeaders(req.headers)) return false;
  const source = parseIp(req.socket.remoteAddress);
  return !source || !isTrusted(source, trustedRanges(config.gateway?.trustedProxies));
}

/** The 403 body for proxy traffic that does not say (in a way the gateway may believe) whose it is. */
export const ATTRIBUTION_REFUSAL = {
  error: {
    message: "Proxy client attribution is required. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.",
    type: "proxy_attribution_required",
  },
} as const;

/** 403 for unattributable proxy traffic, otherwise the usual 401 with the reason as `code`. */
export function sendTrustedProxyRefusal(res: ServerResponse, reason: TrustedProxyFailureReason): void {
  if (reason === "proxy_attribution_required") sendApiJson(res, 403, ATTRIBUTION_REFUSAL);
  else sendApiJson(res, 401, { error: { message: "Unauthorized", type: "unauthorized", code: reason } });
}
