import { Type } from "@sinclair/typebox";
import { compactSession } from "../agents/compaction.js";
import { parseModelRef } from "../agents/model-catalog.js";
import { availableProviders } from "../agents/model-resolution.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import { runtimeOf, sessionNotFound, sessionRow, sessionTarget, startNewSession, view } from "./agent-target.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;

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
    const row = await startNewSession(gateway, agentId, sessionKey, params.reason ?? "reset");
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
