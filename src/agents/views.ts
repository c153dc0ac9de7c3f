import type { SessionRow, TranscriptEntry } from "../store/types.js";
import { sessionKind } from "./session-key.js";

/** A transcript entry as chat.history and session.message show it. */
export function entryToMessage(entry: TranscriptEntry): Record<string, unknown> {
  const { content, ...rest } = entry.data;
  const meta: Record<string, unknown> = { id: entry.id, seq: entry.seq };
  if (entry.runId) meta.runId = entry.runId;
  if (entry.type !== "message") meta.kind = entry.type;
  if (entry.idempotencyKey) meta.idempotencyKey = entry.idempotencyKey;
  const role = entry.role ?? "system";
  const body = role === "user" ? (content ?? entry.text) : (content ?? [{ type: "text", text: entry.text }]);
  return {
    role,
    content: body,
    ...(role === "user" ? {} : rest),
    timestamp: entry.timestamp,
    ...(entry.idempotencyKey ? { idempotencyKey: entry.idempotencyKey } : {}),
    __openclaw: meta,
  };
}

/** The wire shape of a session row (sessions.list, sessions.changed, chat.history sessionInfo). */
export function sessionView(row: SessionRow, agentId: string, activeRunIds: string[]): Record<string, unknown> {
  const kind = sessionKind(row.key);
  return {
    key: row.key,
    kind,
    chatType: kind === "group" ? "group" : "direct",
    agentId,
    sessionId: row.sessionId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...(row.lastInteractionAt !== null ? { lastInteractionAt: row.lastInteractionAt } : {}),
    ...(row.label ? { label: row.label, displayName: row.label } : {}),
    ...(row.lastMessagePreview ? { lastMessagePreview: row.lastMessagePreview } : {}),
    ...(row.channel ? { channel: row.channel } : {}),
    ...(row.model ? { model: row.model, modelProvider: row.modelProvider } : {}),
    ...(row.modelOverride ? { modelOverride: row.modelOverride } : {}),
    ...(row.thinkingLevel ? { thinkingLevel: row.thinkingLevel } : {}),
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheRead: row.cacheReadTokens,
    totalTokens: row.totalTokens,
    messageCount: row.messageCount,
    ...(row.status ? { status: activeRunIds.length > 0 ? "running" : row.status } : {}),
    abortedLastRun: row.abortedLastRun,
    ...(row.lastRunId ? { lastRunId: row.lastRunId } : {}),
    ...(row.lastRunError ? { lastRunError: row.lastRunError } : {}),
    ...(row.startedAt !== null ? { startedAt: row.startedAt } : {}),
    ...(row.endedAt !== null ? { endedAt: row.endedAt } : {}),
    ...(row.startedAt !== null && row.endedAt !== null && row.endedAt >= row.startedAt ? { runtimeMs: row.endedAt - row.startedAt } : {}),
    hasActiveRun: activeRunIds.length > 0,
    activeRunIds,
  };
}
