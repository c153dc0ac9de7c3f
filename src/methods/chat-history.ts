import { Type, type Static } from "@sinclair/typebox";
import { entryToMessage, sessionView } from "../agents/views.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import type { AgentStore, TranscriptEntry } from "../store/types.js";
import { agentIdentity } from "./agent.js";
import { modelDefaults, runtimeOf, sessionNotFound, sessionRow, sessionTarget } from "./agent-target.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;
const DEFAULT_LIMIT = 200;
const DEFAULT_MAX_BYTES = 1_000_000;

const HistoryFields = {
  sessionKey: NonEmpty,
  agentId: Opt(NonEmpty),
  cursor: Opt(Type.String()),
  limit: Opt(Type.Integer({ minimum: 1, maximum: 1000 })),
  maxBytes: Opt(Type.Integer({ minimum: 1024 })),
  offset: Opt(Type.Integer({ minimum: 0 })),
  pendingBefore: Opt(Type.Integer({ minimum: 1 })),
  inputRunIds: Opt(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 50 })),
  messageId: Opt(NonEmpty),
  sessionId: Opt(NonEmpty),
  maxChars: Opt(Type.Integer({ minimum: 1, maximum: 500_000 })),
};
const HistorySchema = Type.Object(HistoryFields, { additionalProperties: false });
const HistoryParams = compileSchema(HistorySchema);
type HistoryRequest = Static<typeof HistorySchema>;

/** A cursor names the transcript (session id) and the last entry the client has. */
function encodeCursor(sessionId: string, lastSeq: number): string {
  return Buffer.from(JSON.stringify({ sessionId, lastSeq, version: 1 })).toString("base64url");
}

function decodeCursor(cursor: string): { sessionId: string; lastSeq: number } | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { sessionId?: unknown; lastSeq?: unknown };
    return typeof value.sessionId === "string" && Number.isInteger(value.lastSeq) ? { sessionId: value.sessionId, lastSeq: value.lastSeq as number } : null;
  } catch {
    return null;
  }
}

function clip(message: Record<string, unknown>, maxChars: number | undefined): Record<string, unknown> {
  if (!maxChars) return message;
  const content = message.content;
  if (typeof content === "string") return content.length > maxChars ? { ...message, content: content.slice(0, maxChars), truncated: true } : message;
  if (!Array.isArray(content)) return message;
  let clipped = false;
  const parts = content.map((p: { type?: string; text?: string }) => {
    if (p.type !== "text" || typeof p.text !== "string" || p.text.length <= maxChars) return p;
    clipped = true;
    return { ...p, text: p.text.slice(0, maxChars) };
  });
  return clipped ? { ...message, content: parts, truncated: true } : message;
}

function messagesOf(entries: TranscriptEntry[], maxChars: number | undefined): Record<string, unknown>[] {
  return entries.filter((e) => e.type === "message").map((e) => clip(entryToMessage(e), maxChars));
}

function lastSeq(store: AgentStore, sessionId: string): number {
  return store.history(sessionId, { limit: 1 }).entries[0]?.seq ?? 0;
}

async function history(gateway: GatewayContext, params: HistoryRequest) {
  const runtime = runtimeOf(gateway);
  const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
  const found = await sessionRow(gateway, agentId, sessionKey);
  const defaults = modelDefaults(gateway, agentId, found?.row);
  const queued = runtime.queuedRunIds(agentId, sessionKey);
  if (!found) return { sessionKey, messages: [], hasMore: false, totalMessages: 0, defaults, pendingInputs: { items: [], total: 0 } };
  const { store, row } = found;
  const sessionInfo = sessionView(row, agentId, runtime.activeRunIds(agentId, sessionKey));
  const limit = params.limit ?? DEFAULT_LIMIT;
  const end = lastSeq(store, row.sessionId);
  const inFlight = runtime.inFlight(agentId, sessionKey);
  const pendingInputs = {
    items: queued.map((runId) => ({ runId, message: String((store.getRun(runId)?.request as { message?: unknown } | undefined)?.message ?? "") })),
    total: queued.length,
  };
  const extras = { sessionInfo, defaults, pendingInputs, deltaCursor: encodeCursor(row.sessionId, end), ...(inFlight ? { inFlightRun: inFlight } : {}) };

  if (params.cursor !== undefined) {
    const cursor = decodeCursor(params.cursor);
    if (!cursor || cursor.sessionId !== row.sessionId || cursor.lastSeq > end) return { kind: "reset", sessionKey, sessionId: row.sessionId, ...extras };
    const entries = store.entriesAfter(row.sessionId, cursor.lastSeq, limit);
    const upTo = entries.length > 0 ? entries[entries.length - 1].seq : cursor.lastSeq;
    return { kind: "delta", sessionKey, sessionId: row.sessionId, messages: messagesOf(entries, params.maxChars), hasMore: upTo < end, ...extras, deltaCursor: encodeCursor(row.sessionId, upTo) };
  }
  const offset = params.offset ?? 0;
  const page = store.history(row.sessionId, { limit, skip: offset, messagesOnly: true, maxBytes: params.maxBytes ?? DEFAULT_MAX_BYTES });
  return {
    sessionKey,
    sessionId: row.sessionId,
    messages: messagesOf(page.entries, params.maxChars),
    offset,
    nextOffset: offset + page.entries.length,
    hasMore: page.hasMore,
    totalMessages: row.messageCount,
    ...extras,
  };
}

export const chatHistoryMethod = defineMethod({
  name: "chat.history",
  scope: Scope.read,
  params: HistoryParams,
  handler: ({ params, gateway }) => history(gateway, params),
});

const StartupParams = compileSchema(
  Type.Union([
    HistorySchema,
    Type.Object({ shortId: NonEmpty, slugHint: Opt(NonEmpty), agentId: NonEmpty, limit: Opt(Type.Integer({ minimum: 1, maximum: 1000 })), maxBytes: Opt(Type.Integer({ minimum: 1024 })) }, { additionalProperties: false }),
  ]),
);

/** What a chat view needs on open: the history page plus the agent's identity. */
export const chatStartupMethod = defineMethod({
  name: "chat.startup",
  scope: Scope.read,
  params: StartupParams,
  async handler({ params, gateway }) {
    if (!("sessionKey" in params)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "chat.startup by shortId is not supported; pass sessionKey" });
    const result = await history(gateway, params);
    const { agentId } = sessionTarget(gateway, params.sessionKey, params.agentId);
    return { ...result, agentId, identity: agentIdentity(gateway, agentId) };
  },
});

const MessageGetParams = compileSchema(
  Type.Object({ sessionKey: NonEmpty, agentId: Opt(NonEmpty), messageId: NonEmpty, maxChars: Opt(Type.Integer({ minimum: 1, maximum: 2_000_000 })) }, { additionalProperties: false }),
);

export const chatMessageGetMethod = defineMethod({
  name: "chat.message.get",
  scope: Scope.read,
  params: MessageGetParams,
  async handler({ params, gateway }) {
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    const found = await sessionRow(gateway, agentId, sessionKey);
    if (!found) throw sessionNotFound(sessionKey);
    const entry = found.store.getEntry(found.row.sessionId, params.messageId);
    if (!entry) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `message not found: ${params.messageId}` });
    return { sessionKey, sessionId: found.row.sessionId, message: clip(entryToMessage(entry), params.maxChars) };
  },
});

const MetadataParams = compileSchema(
  Type.Object({ agentId: Opt(NonEmpty), authProfileId: Opt(Type.String({ minLength: 1, maxLength: 256 })), sessionKey: Opt(NonEmpty) }, { additionalProperties: false }),
);

export const chatMetadataMethod = defineMethod({
  name: "chat.metadata",
  scope: Scope.read,
  params: MetadataParams,
  async handler({ params, gateway }) {
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    const found = params.sessionKey ? await sessionRow(gateway, agentId, sessionKey) : null;
    return {
      agentId,
      ...(params.sessionKey ? { sessionKey } : {}),
      ...modelDefaults(gateway, agentId, found?.row),
      thinkingLevels: [{ id: "off", label: "off" }],
      thinkingOptions: ["off"],
      thinkingDefault: "off",
      identity: agentIdentity(gateway, agentId),
    };
  },
});
