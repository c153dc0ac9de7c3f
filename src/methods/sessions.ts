import { Type } from "@sinclair/typebox";
import { agentStorePath } from "../agents/agent-config.js";
import { compactSession } from "../agents/compaction.js";
import { parseModelRef } from "../agents/model-catalog.js";
import { availableProviders } from "../agents/model-resolution.js";
import { sessionView } from "../agents/views.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import type { SessionRow } from "../store/types.js";
import { listedAgents, readableStore, runtimeOf, sessionNotFound, sessionRow, sessionTarget } from "./agent-target.js";
import { sessionDefaults } from "./chat-history.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;
const DEFAULT_LIST_LIMIT = 100;

const ListFields = {
  limit: Opt(Type.Integer({ minimum: 1 })),
  offset: Opt(Type.Integer({ minimum: 0 })),
  activeMinutes: Opt(Type.Integer({ minimum: 1 })),
  agentId: Opt(NonEmpty),
  search: Opt(Type.String()),
  label: Opt(Type.String({ minLength: 1, maxLength: 512 })),
};
/** Listing filters this gateway applies; OpenClaw's other list options are accepted and ignored. */
const ListParams = compileSchema(Type.Object(ListFields, { additionalProperties: true }));

function view(gateway: GatewayContext, row: SessionRow, agentId: string) {
  return sessionView(row, agentId, runtimeOf(gateway).activeRunIds(agentId, row.key));
}

export const sessionsListMethod = defineMethod({
  name: "sessions.list",
  scope: Scope.read,
  params: ListParams,
  async handler({ params, gateway }) {
    const limit = params.limit ?? DEFAULT_LIST_LIMIT;
    const offset = params.offset ?? 0;
    const activeSinceMs = params.activeMinutes ? Date.now() - params.activeMinutes * 60_000 : undefined;
    let total = 0;
    const rows: Array<{ row: SessionRow; agentId: string }> = [];
    for (const agentId of listedAgents(gateway, params.agentId)) {
      const store = await readableStore(gateway, agentId);
      if (!store) continue;
      const page = store.listSessions({ limit: offset + limit, offset: 0, search: params.search, label: params.label, activeSinceMs });
      total += page.total;
      rows.push(...page.rows.map((row) => ({ row, agentId })));
    }
    rows.sort((a, b) => b.row.updatedAt - a.row.updatedAt);
    const sessions = rows.slice(offset, offset + limit).map(({ row, agentId }) => view(gateway, row, agentId));
    const hasMore = offset + sessions.length < total;
    const defaultId = gateway.agents.defaultAgentId();
    return {
      ts: Date.now(),
      path: agentStorePath(gateway.stateDir, defaultId),
      count: sessions.length,
      totalCount: total,
      limitApplied: limit,
      offset,
      nextOffset: hasMore ? offset + sessions.length : null,
      hasMore,
      defaults: sessionDefaults(gateway, defaultId),
      sessions,
    };
  },
});

export const sessionsSubscribeMethod = defineMethod({
  name: "sessions.subscribe",
  scope: Scope.read,
  params: ListParams,
  handler({ subscriptions }) {
    subscriptions.sessions = true;
    return { subscribed: true };
  },
});

export const sessionsUnsubscribeMethod = defineMethod({
  name: "sessions.unsubscribe",
  scope: Scope.read,
  handler({ subscriptions }) {
    subscriptions.sessions = false;
    return { subscribed: false };
  },
});

const KeyParams = compileSchema(Type.Object({ key: NonEmpty, agentId: Opt(NonEmpty), includeApprovals: Opt(Type.Literal(true)) }, { additionalProperties: false }));

export const sessionsMessagesSubscribeMethod = defineMethod({
  name: "sessions.messages.subscribe",
  scope: Scope.read,
  params: KeyParams,
  handler({ params, gateway, subscriptions }) {
    const { sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    subscriptions.messages.add(sessionKey);
    return { subscribed: true, key: sessionKey };
  },
});

export const sessionsMessagesUnsubscribeMethod = defineMethod({
  name: "sessions.messages.unsubscribe",
  scope: Scope.read,
  params: KeyParams,
  handler({ params, gateway, subscriptions }) {
    const { sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    subscriptions.messages.delete(sessionKey);
    return { subscribed: false, key: sessionKey };
  },
});

const DescribeParams = compileSchema(
  Type.Object({ key: NonEmpty, agentId: Opt(NonEmpty), includeDerivedTitles: Opt(Type.Boolean()), includeLastMessage: Opt(Type.Boolean()) }, { additionalProperties: false }),
);

export const sessionsDescribeMethod = defineMethod({
  name: "sessions.describe",
  scope: Scope.read,
  params: DescribeParams,
  async handler({ params, gateway }) {
    const { agentId, sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    const found = await sessionRow(gateway, agentId, sessionKey);
    if (!found) throw sessionNotFound(sessionKey);
    return { key: sessionKey, session: view(gateway, found.row, agentId), defaults: sessionDefaults(gateway, agentId, found.row) };
  },
});

const PreviewParams = compileSchema(
  Type.Object({ keys: Type.Array(NonEmpty, { minItems: 1, maxItems: 100 }), limit: Opt(Type.Integer({ minimum: 1, maximum: 50 })), maxChars: Opt(Type.Integer({ minimum: 20 })) }, { additionalProperties: false }),
);

export const sessionsPreviewMethod = defineMethod({
  name: "sessions.preview",
  scope: Scope.read,
  params: PreviewParams,
  async handler({ params, gateway }) {
    const limit = params.limit ?? 5;
    const maxChars = params.maxChars ?? 240;
    const previews = [];
    for (const key of params.keys) {
      const { agentId, sessionKey } = sessionTarget(gateway, key);
      const found = await sessionRow(gateway, agentId, sessionKey);
      if (!found) {
        previews.push({ key: sessionKey, status: "missing", items: [] });
        continue;
      }
      const { entries } = found.store.history(found.row.sessionId, { limit, messagesOnly: true });
      const items = entries.map((e) => ({ role: e.role, text: e.text.length > maxChars ? `${e.text.slice(0, maxChars - 1)}…` : e.text, timestamp: e.timestamp }));
      previews.push({ key: sessionKey, status: items.length > 0 ? "ok" : "empty", items });
    }
    return { ts: Date.now(), previews };
  },
});

/** Fields of sessions.patch a writer may set (OpenClaw's envelope and write-level fields). */
const WRITE_LEVEL_FIELDS = new Set([
  "key", "agentId", "expectedSessionId", "expectedLifecycleRevision", "expectedPermissionMode", "expectedMarkedUnreadAt",
  "label", "autoLabel", "icon", "color", "category", "boardFace", "boardPresentation", "pinned", "archived", "unread",
  "model", "agentRuntime", "thinkingLevel", "fastMode", "permissionMode",
]);
const APPLIED_FIELDS = new Set(["key", "agentId", "expectedSessionId", "label", "model", "thinkingLevel"]);
const NullableString = (max?: number) => Opt(Type.Union([Type.String({ minLength: 1, ...(max ? { maxLength: max } : {}) }), Type.Null()]));

const PatchParams = compileSchema(
  Type.Object(
    {
      key: NonEmpty,
      agentId: Opt(NonEmpty),
      expectedSessionId: Opt(NonEmpty),
      label: NullableString(512),
      model: NullableString(),
      thinkingLevel: NullableString(),
      execSecurity: Opt(Type.Unknown()),
      execAsk: Opt(Type.Unknown()),
    },
    { additionalProperties: true },
  ),
);

export const sessionsPatchMethod = defineMethod({
  name: "sessions.patch",
  scope: Scope.write,
  params: PatchParams,
  scopeFor: (params) => ((params as { permissionMode?: unknown }).permissionMode === "full" || Object.keys(params).some((k) => !WRITE_LEVEL_FIELDS.has(k)) ? Scope.admin : Scope.write),
  async handler({ params, gateway }) {
    if (params.execSecurity !== undefined || params.execAsk !== undefined) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "invalid sessions.patch params: execSecurity and execAsk are retired; use exec approvals" });
    }
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    if (params.model) {
      const ref = parseModelRef(params.model);
      if (!ref) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `invalid model "${params.model}": use provider/model` });
      const providers = await availableProviders(gateway.config().config, process.env, [ref.provider]);
      if (!providers.has(ref.provider)) {
        throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `model not allowed: provider "${ref.provider}" is not configured (models.providers.${ref.provider}) and has no API key in the environment` });
      }
    }
    const store = await runtime.store(agentId);
    const existing = store.ensureSession(sessionKey);
    if (params.expectedSessionId && existing.sessionId !== params.expectedSessionId) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `session ${sessionKey} is now ${existing.sessionId}, not ${params.expectedSessionId}` });
    }
    const row = store.patchSession(sessionKey, {
      ...(params.label !== undefined ? { label: params.label } : {}),
      ...(params.model !== undefined ? { modelOverride: params.model } : {}),
      ...(params.thinkingLevel !== undefined ? { thinkingLevel: params.thinkingLevel } : {}),
    })!;
    runtime.sessionChanged(agentId, sessionKey, "patch");
    const ignored = Object.keys(params).filter((k) => !APPLIED_FIELDS.has(k));
    return { ok: true, key: sessionKey, entry: view(gateway, row, agentId), ...(ignored.length > 0 ? { ignored } : {}) };
  },
});

const ResetParams = compileSchema(
  Type.Object({ key: NonEmpty, agentId: Opt(NonEmpty), reason: Opt(Type.Union([Type.Literal("new"), Type.Literal("reset")])), expectedSessionId: Opt(NonEmpty) }, { additionalProperties: false }),
);

export const sessionsResetMethod = defineMethod({
  name: "sessions.reset",
  scope: Scope.admin,
  params: ResetParams,
  async handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    const store = await runtime.store(agentId);
    const current = store.getSession(sessionKey);
    if (params.expectedSessionId && current && current.sessionId !== params.expectedSessionId) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `session ${sessionKey} is now ${current.sessionId}, not ${params.expectedSessionId}` });
    }
    runtime.abort(agentId, sessionKey);
    const row = current ? store.resetSession(sessionKey)! : store.ensureSession(sessionKey);
    runtime.sessionChanged(agentId, sessionKey, params.reason ?? "reset");
    return { ok: true, key: sessionKey, entry: view(gateway, row, agentId) };
  },
});

const DeleteParams = compileSchema(
  Type.Object(
    {
      key: NonEmpty,
      agentId: Opt(NonEmpty),
      deleteTranscript: Opt(Type.Boolean()),
      expectedSessionId: Opt(NonEmpty),
      expectedLifecycleRevision: Opt(NonEmpty),
      expectedSessionUpdatedAt: Opt(Type.Number({ minimum: 0 })),
      emitLifecycleHooks: Opt(Type.Boolean()),
      archivedOnly: Opt(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
);
const DELETE_WRITE_FIELDS = new Set(["key", "agentId", "deleteTranscript", "expectedSessionId", "archivedOnly"]);

export const sessionsDeleteMethod = defineMethod({
  name: "sessions.delete",
  scope: Scope.write,
  params: DeleteParams,
  scopeFor: (params) => (params.archivedOnly === true && Object.keys(params).every((k) => DELETE_WRITE_FIELDS.has(k)) ? Scope.write : Scope.admin),
  async handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    const found = await sessionRow(gateway, agentId, sessionKey);
    if (found && params.expectedSessionId && found.row.sessionId !== params.expectedSessionId) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `session ${sessionKey} is now ${found.row.sessionId}, not ${params.expectedSessionId}` });
    }
    // Archived sessions do not exist here: every session is live, so an archived-only delete removes nothing.
    if (!found || params.archivedOnly) return { ok: true, key: sessionKey, deleted: false, archived: [] };
    runtime.clearQueued(agentId, sessionKey);
    runtime.abort(agentId, sessionKey);
    const deleted = found.store.deleteSession(sessionKey, params.deleteTranscript !== false);
    runtime.sessionChanged(agentId, sessionKey, "delete");
    return { ok: true, key: sessionKey, deleted, archived: [] };
  },
});

const AbortParams = compileSchema(
  Type.Object({ key: Opt(NonEmpty), runId: Opt(NonEmpty), agentId: Opt(NonEmpty), clearQueued: Opt(Type.Boolean()) }, { additionalProperties: false }),
);

export const sessionsAbortMethod = defineMethod({
  name: "sessions.abort",
  scope: Scope.write,
  params: AbortParams,
  handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    if (!params.key && !params.runId) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "invalid sessions.abort params: key or runId required" });
    const target = params.key ? sessionTarget(gateway, params.key, params.agentId) : runtime.findLiveRun(params.runId!);
    if (!target) return { ok: true, aborted: false, runIds: [] };
    const cleared = params.clearQueued ? runtime.clearQueued(target.agentId, target.sessionKey) : [];
    const runIds = runtime.abort(target.agentId, target.sessionKey, params.runId);
    return { ok: true, aborted: runIds.length > 0, runIds, ...(params.clearQueued ? { clearedQueued: cleared } : {}) };
  },
});

const CompactParams = compileSchema(Type.Object({ key: NonEmpty, agentId: Opt(NonEmpty), maxLines: Opt(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }));

export const sessionsCompactMethod = defineMethod({
  name: "sessions.compact",
  scope: Scope.admin,
  params: CompactParams,
  async handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.key, params.agentId);
    const found = await sessionRow(gateway, agentId, sessionKey);
    if (!found) throw sessionNotFound(sessionKey);
    if (runtime.activeRunIds(agentId, sessionKey).length > 0) {
      throw new GatewayError({ code: ErrorCodes.unavailable, message: `session ${sessionKey} has a run in progress; compact it afterwards`, retryable: true, retryAfterMs: 2000 });
    }
    const result = await compactSession({ runtime, agentId, store: found.store, row: found.row, keepMessages: params.maxLines ?? 20, config: gateway.config() });
    if (result.entry) runtime.sessionChanged(agentId, sessionKey, "compact");
    return { ok: true, key: sessionKey, compacted: result.entry !== null, kept: result.kept, summarized: result.summarized, method: result.method };
  },
});

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
