import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { channelLine, channelViews } from "../server/channel-summary.js";
import { disabledHeartbeat, sessionsSummary } from "../server/health.js";
import { modelDefaults } from "./agent-target.js";
import { defineMethod } from "./registry.js";

const StatusParams = compileSchema(
  Type.Object(
    { includeChannelSummary: Type.Optional(Type.Boolean()), includeCliProjection: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
);

const zeroCounts = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export const statusMethod = defineMethod({
  name: "status",
  scope: Scope.read,
  params: StatusParams,
  handler({ params, gateway, client }) {
    const admin = client.scopes.has(Scope.admin);
    const config = gateway.config().config;
    const channelSummary =
      params.includeChannelSummary === false
        ? []
        : channelViews(gateway).map(channelLine);
    const memory = process.memoryUsage();
    const { enabled, every, everyMs } = disabledHeartbeat();
    const agentIds = gateway.agents.agentIds();
    const byAgent = agentIds.map((agentId) => {
      const summary = sessionsSummary(gateway, agentId);
      return { agentId, path: admin ? summary.path : "[redacted]", count: summary.count, recent: admin ? summary.recent : [] };
    });
    const defaults = modelDefaults(gateway, agentIds[0]);
    return {
      runtimeVersion: gateway.version,
      heartbeat: { defaultAgentId: agentIds[0], agents: agentIds.map((agentId) => ({ agentId, enabled, every, everyMs, waitingForRoute: false })) },
      channelSummary,
      queuedSystemEvents: gateway.systemEvents.list(),
      degradedSecretOwners: [],
      degradedPlugins: [],
      tasks: {
        total: 0, active: 0, terminal: 0, failures: 0,
        byStatus: zeroCounts(["queued", "running", "succeeded", "failed", "timed_out", "cancelled", "lost"] as const),
        byRuntime: zeroCounts(["subagent", "acp", "cli", "cron"] as const),
      },
      taskAudit: {
        total: 0, warnings: 0, errors: 0,
        byCode: zeroCounts(["stale_queued", "stale_running", "lost", "delivery_failed", "missing_cleanup", "inconsistent_timestamps"] as const),
      },
      sessions: {
        paths: admin ? byAgent.map((a) => a.path) : [],
        count: byAgent.reduce((n, a) => n + a.count, 0),
        defaults: { model: "model" in defaults ? `${defaults.modelProvider}/${defaults.model}` : null, contextTokens: null },
        recent: byAgent[0].recent,
        byAgent,
      },
      modelRuntime: { degraded: false, pendingAgents: [] },
      eventLoop: gateway.eventLoop.sample(),
      processMemory: {
        rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external, arrayBuffersBytes: memory.arrayBuffers,
      },
      workerPools: {},
      pid: process.pid,
      uptimeMs: Math.round(Date.now() - gateway.startedAt),
    };
  },
});
