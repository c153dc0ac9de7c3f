import { Type } from "@sinclair/typebox";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { SessionRow } from "../store/types.js";
import { listedAgents, readableStore, sessionTarget } from "./agent-target.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;

const UsageParams = compileSchema(Type.Object({ key: Opt(NonEmpty), agentId: Opt(NonEmpty), limit: Opt(Type.Integer({ minimum: 1 })) }, { additionalProperties: true }));

export const sessionsUsageMethod = defineMethod({
  name: "sessions.usage",
  scope: Scope.read,
  advertise: false,
  params: UsageParams,
  async handler({ params, gateway }) {
    const rows: Array<Record<string, unknown>> = [];
    const totals = { input: 0, output: 0, cacheRead: 0, total: 0 };
    const agents = params.key ? [sessionTarget(gateway, params.key, params.agentId).agentId] : listedAgents(gateway, params.agentId);
    for (const agentId of agents) {
      const store = await readableStore(gateway, agentId);
      if (!store) continue;
      const list = params.key ? [store.getSession(sessionTarget(gateway, params.key, agentId).sessionKey)].filter((r): r is SessionRow => r !== null) : store.listSessions({ limit: params.limit ?? 1000, offset: 0 }).rows;
      for (const row of list) {
        totals.input += row.inputTokens;
        totals.output += row.outputTokens;
        totals.cacheRead += row.cacheReadTokens;
        totals.total += row.totalTokens;
        rows.push({ key: row.key, agentId, sessionId: row.sessionId, inputTokens: row.inputTokens, outputTokens: row.outputTokens, cacheRead: row.cacheReadTokens, totalTokens: row.totalTokens, updatedAt: row.updatedAt, model: row.model, modelProvider: row.modelProvider });
      }
    }
    return { updatedAt: Date.now(), totals: { ...totals, cost: 0 }, sessions: rows };
  },
});

const SearchParams = compileSchema(
  Type.Object(
    {
      agentId: Opt(NonEmpty),
      sessionKeys: Opt(Type.Array(NonEmpty, { minItems: 1, maxItems: 200 })),
      scope: Opt(Type.Record(Type.String(), Type.Unknown())),
      query: Type.String({ minLength: 1, maxLength: 4096 }),
      limit: Opt(Type.Integer({ minimum: 1, maximum: 25 })),
    },
    { additionalProperties: false },
  ),
);

export const sessionsSearchMethod = defineMethod({
  name: "sessions.search",
  scope: Scope.read,
  params: SearchParams,
  async handler({ params, gateway }) {
    const limit = params.limit ?? 10;
    const keys = params.sessionKeys?.map((k) => sessionTarget(gateway, k, params.agentId));
    const results = [];
    for (const agentId of listedAgents(gateway, params.agentId)) {
      const store = await readableStore(gateway, agentId);
      if (!store) continue;
      const sessionKeys = keys?.filter((k) => k.agentId === agentId).map((k) => k.sessionKey);
      if (sessionKeys && sessionKeys.length === 0) continue;
      for (const hit of store.search(params.query, { limit, ...(sessionKeys ? { sessionKeys } : {}) })) {
        results.push({ sessionKey: hit.sessionKey, sessionId: hit.sessionId, messageId: hit.entryId, role: hit.role, timestamp: hit.timestamp, snippet: hit.snippet, score: hit.score });
      }
    }
    results.sort((a, b) => b.score - a.score);
    return { results: results.slice(0, limit) };
  },
});
