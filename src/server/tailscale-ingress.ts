import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createLogger } from "../infra/logger.js";
import { claimTailscaleRoute, resetTailscaleRoutes, TailscaleRouteConflictError, type TailscaleClaim, type TailscaleIngressMode } from "../infra/tailscale/tailscale-claim.js";
import { ATTRIBUTION_REFUSAL, sendTrustedProxyRefusal } from "../http/http-trusted-proxy.js";
import { GatewaySetupError } from "./settings.js";
import { markManagedIngress } from "./tailscale-provenance.js";
import { refuseUpgrade } from "./upgrade-refusal.js";

const log = createLogger("tailscale");

export type TailscaleIngress = {
  /** The managed listener's port on 127.0.0.1, the route's target. */
  readonly port: number;
  readonly url: string | undefined;
  /** Releases the route, then closes the managed listener. */
  stop(): Promise<void>;
};

export type TailscaleIngressOptions = {
  mode: TailscaleIngressMode;
  gatewayPort: number;
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Test seam: claims the route for a target. */
  claim?: (target: string) => Promise<TailscaleClaim>;
};

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/**
 * A second listener on 127.0.0.1:<ephemeral> served by the gateway's own handlers, and the
 * Tailscale route that proxies to it. Only this listener can carry Tailscale identity: the
 * ordinary port is reachable by anything on the host, this port is the route's alone. A request
 * that names no Tailscale client (tailscaled always does) is refused with 403.
 */
export async function startTailscaleIngress(opts: TailscaleIngressOptions): Promise<TailscaleIngress> {
  const { mode } = opts;
  const server = createServer((req, res) => {
    if (markManagedIngress(req, mode)) opts.onRequest(req, res);
    else sendTrustedProxyRefusal(res, "proxy_attribution_required");
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (markManagedIngress(req, mode)) opts.onUpgrade(req, socket, head);
    else refuseUpgrade(socket, 403, "Forbidden", ATTRIBUTION_REFUSAL);
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  const port = await listenOnLoopback(server);
  const target = `http://127.0.0.1:${port}`;
  let claim: TailscaleClaim;
  try {
    claim = await (opts.claim ?? ((t) => claimTailscaleRoute({ mode, target: t, gatewayPort: opts.gatewayPort, info: (line) => log.info(line) })))(target);
  } catch (err) {
    await closeServer(server);
    if (err instanceof TailscaleRouteConflictError) throw new GatewaySetupError(err.message);
    throw err;
  }
  log.info(`Tailscale ${mode}: ${claim.url ?? `route to ${target} (MagicDNS name unknown)`}`);
  void claim.exited.then((exit) => {
    if (exit.expected) return;
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code ?? "?"}`;
    log.error(`tailscale ${mode} exited unexpectedly (${how}); ${claim.url ?? "the Tailscale route"} no longer reaches the gateway. Restart the gateway to claim the route again.`);
  });
  let stopping: Promise<void> | null = null;
  return {
    port,
    url: claim.url,
    stop: () =>
      (stopping ??= (async () => {
        await claim.stop();
        await closeServer(server);
      })()),
  };
}

/** `gateway.tailscale.resetOnExit`: clears every Serve/Funnel route once the gateway has stopped. */
export async function resetTailscaleOnExit(mode: TailscaleIngressMode): Promise<void> {
  try {
    await resetTailscaleRoutes(mode);
    log.info(`tailscale ${mode} reset`);
  } catch (err) {
    log.warn(`tailscale ${mode} reset failed: ${(err as Error).message}`);
  }
}
