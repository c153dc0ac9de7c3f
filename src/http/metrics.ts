import type { IncomingMessage, ServerResponse } from "node:http";
import { metrics } from "../infra/metrics/gateway-metrics.js";
import type { GatewayContext } from "../server/context.js";
import { authenticateHttp } from "./http-auth.js";
import { sendMethodNotAllowed } from "./openai/errors.js";
import { SECURITY_HEADERS } from "./probes.js";

export const METRICS_PATH = "/api/diagnostics/prometheus";

/** `diagnostics.prometheus.enabled: true` turns the endpoint on (off by default; `diagnostics.enabled: false` turns it off again). */
export function metricsEnabled(config: { diagnostics?: unknown }): boolean {
  const d = config.diagnostics as { enabled?: unknown; prometheus?: { enabled?: unknown } } | undefined;
  return d?.enabled !== false && d?.prometheus?.enabled === true;
}

/** Queue depths are read at scrape time: they are cheap to count and never go stale this way. */
function recordQueueDepths(gateway: GatewayContext): void {
  const runs = gateway.agents.queueDepths();
  const channels = gateway.channels?.queueDepths() ?? { inbound: 0, outbound: 0 };
  metrics.sessionQueueDepth.set(["running"], runs.running);
  metrics.sessionQueueDepth.set(["queued"], runs.queued);
  metrics.queueLaneSize.set(["agent_turn"], runs.queued);
  metrics.queueLaneSize.set(["channel_inbound"], channels.inbound);
  metrics.queueLaneSize.set(["channel_outbound"], channels.outbound);
  metrics.queueLaneSize.set(["exec_approval"], gateway.approvals?.broker.list().filter((a) => a.status === "pending").length ?? 0);
}

/** The Prometheus text exposition of the gateway's counters, for callers with the gateway token. */
export async function handleMetrics(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return sendMethodNotAllowed(res, "GET, HEAD");
  if (!(await authenticateHttp(req, res, gateway))) return;
  metrics.eventLoopP99.set([], gateway.eventLoop.sample().delayP99Ms / 1000);
  recordQueueDepths(gateway);
  const body = metrics.registry.render();
  res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}
