import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { isLoopback } from "../infra/loopback.js";

export type ManagedIngressMode = "serve" | "funnel";

/** A request that arrived on the managed Tailscale listener: the route that carried it and the client tailscaled relayed for. */
export type ManagedIngress = { readonly mode: ManagedIngressMode; readonly clientIp: string };

/** Set on the headers of requests that arrived on the managed listener; nothing on the wire can set a symbol. */
const MANAGED_INGRESS = Symbol("openclaw.tailscale-ingress");

/** Undefined for every listener but the managed one, whatever headers the request carries. */
export function managedIngress(headers: IncomingHttpHeaders): ManagedIngress | undefined {
  return (headers as Record<symbol, ManagedIngress | undefined>)[MANAGED_INGRESS];
}

/** The last X-Forwarded-For hop (the one tailscaled appended), when it is a non-loopback IP. */
function tailscaleClientIp(headers: IncomingHttpHeaders): string | undefined {
  const value = headers["x-forwarded-for"];
  const last = (Array.isArray(value) ? value.join(",") : value)?.split(",").pop()?.trim();
  return last && isIP(last) && !isLoopback(last) ? last : undefined;
}

/**
 * Marks a request that arrived on the managed listener. False when it names no client: tailscaled
 * always does, so such a request came from something else on this host and must be refused.
 */
export function markManagedIngress(req: IncomingMessage, mode: ManagedIngressMode): boolean {
  const clientIp = tailscaleClientIp(req.headers);
  if (!clientIp) return false;
  (req.headers as Record<symbol, ManagedIngress>)[MANAGED_INGRESS] = { mode, clientIp };
  return true;
}

/**
 * Who rate limits and pre-auth caps count a request against: the Tailscale client on the managed
 * listener (whose socket peer is always tailscaled on 127.0.0.1), the socket peer elsewhere.
 */
export function requestClientIp(req: IncomingMessage): string {
  return managedIngress(req.headers)?.clientIp ?? req.socket.remoteAddress ?? "unknown";
}
