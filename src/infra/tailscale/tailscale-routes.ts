import { asRecord } from "./tailscale-cli.js";

/** What `tailscale serve status --json` says about the persistent HTTPS :443 root route. */
export type RootRouteCheck =
  | { kind: "free" }
  /** A previous gateway's own route to this gateway port: replaced by the managed claim. */
  | { kind: "adopt"; route: string }
  /** A route the gateway cannot prove it owns: left alone, start-up refused. */
  | { kind: "conflict"; route: string; funnel: boolean };

function targetsGatewayPort(proxy: unknown, gatewayPort: number): boolean {
  if (typeof proxy !== "string") return false;
  const trimmed = proxy.replace(/\/$/, "");
  return trimmed === `http://127.0.0.1:${gatewayPort}` || trimmed === `http://localhost:${gatewayPort}`;
}

/**
 * Looks at the background (`Web`) routes on HTTPS port 443. The managed listener's port changes on
 * every start, so no persistent root route can be ours; one that proxies exactly to the gateway
 * port, alone on its port, is what older releases left and may be adopted.
 */
export function checkHttpsRootRoute(serveStatus: Record<string, unknown>, gatewayPort: number): RootRouteCheck {
  const web = asRecord(serveStatus.Web) ?? {};
  const allowFunnel = asRecord(serveStatus.AllowFunnel) ?? {};
  const onPort443 = Object.entries(web).filter(([hostPort]) => hostPort.endsWith(":443"));
  for (const [hostPort, entry] of onPort443) {
    const handlers = asRecord(asRecord(entry)?.Handlers) ?? {};
    const root = asRecord(handlers["/"]);
    if (!root) continue;
    const proxy = root.Proxy;
    const route = `https://${hostPort.replace(/:443$/, "")}/ -> ${typeof proxy === "string" ? proxy : "non-proxy handler"}`;
    const alone = onPort443.length === 1 && Object.keys(handlers).length === 1;
    if (alone && targetsGatewayPort(proxy, gatewayPort)) return { kind: "adopt", route };
    return { kind: "conflict", route, funnel: allowFunnel[hostPort] === true };
  }
  return { kind: "free" };
}

export function rootRouteRemovalCommand(funnel: boolean): string {
  return `tailscale ${funnel ? "funnel" : "serve"} --yes --https=443 --set-path=/ off`;
}

export function rootRouteConflictMessage(check: Extract<RootRouteCheck, { kind: "conflict" }>): string {
  return (
    `Tailscale HTTPS port 443 already has a root route this gateway did not create (${check.route}); it was left unchanged. ` +
    `If it is stale (for example left by an older OpenClaw release), remove it with \`${rootRouteRemovalCommand(check.funnel)}\` and start the gateway again. ` +
    `If another service owns it, set gateway.tailscale.mode to "off".`
  );
}
