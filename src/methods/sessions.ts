import { Type } from "@sinclair/typebox";
import { agentStorePath } from "../agents/agent-config.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { SessionRow } from "../store/types.js";
import { listedAgents, modelDefaults, readableStore, sessionNotFound, sessionRow, sessionTarget, view } from "./agent-target.js";
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
      defaults: modelDefaults(gateway, defaultId),
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
    return { key: sessionKey, session: view(gateway, found.row, agentId), defaults: modelDefaults(gateway, agentId, found.row) };
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
