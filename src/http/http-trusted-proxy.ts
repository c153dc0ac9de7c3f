import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayConfig } from "../config/schema.js";
import { isLoopbackIp, parseIp } from "../infra/cidr.js";
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
  const source = parseIp(req.socket.remoteAddress);
  if (!source || !isLoopbackIp(source) || !hasForwardingHeaders(req.headers)) return false;
  return !isTrusted(source, trustedRanges(config.gateway?.trustedProxies));
}

const ATTRIBUTION_MESSAGE =
  "Proxy client attribution is required. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.";

/** 403 for unattributable proxy traffic, otherwise the usual 401 with the reason as `code`. */
export function sendTrustedProxyRefusal(res: ServerResponse, reason: TrustedProxyFailureReason): void {
  if (reason === "proxy_attribution_required") sendApiJson(res, 403, { error: { message: ATTRIBUTION_MESSAGE, type: reason } });
  else sendApiJson(res, 401, { error: { message: "Unauthorized", type: "unauthorized", code: reason } });
}
