import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

export type ManagedIngressMode = "serve" | "funnel";

/** Set on the headers of requests that arrived on the managed listener; nothing on the wire can set a symbol. */
const MANAGED_INGRESS = Symbol("openclaw.tailscale-ingress");

/**
 * The Tailscale mode whose route delivered this request, when it arrived on the managed listener;
 * undefined for every other listener, whatever headers the request carries.
 */
export function managedIngressMode(headers: IncomingHttpHeaders): ManagedIngressMode | undefined {
  return (headers as Record<symbol, ManagedIngressMode | undefined>)[MANAGED_INGRESS];
}

export function markManagedIngress(req: IncomingMessage, mode: ManagedIngressMode): void {
  (req.headers as Record<symbol, ManagedIngressMode>)[MANAGED_INGRESS] = mode;
}
