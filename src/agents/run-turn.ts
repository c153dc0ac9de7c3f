import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Env } from "../config/paths.js";
import type { AgentStore, NewEntry, SessionRow, TranscriptEntry } from "../store/types.js";
import type { AgentDefinition } from "./agent-config.js";
import { chainClients, resolveModelChain, type ModelCandidate } from "./model-resolution.js";
import { callModel } from "./providers/call-model.js";
import { ProviderError, type ModelMessage, type StopReason, type ToolCall, type Usage } from "./providers/types.js";
import type { HistoryCache } from "./history-cache.js";
import { buildSystemPrompt, entriesToMessages, estimateTokens, fitHistory, reserveFor } from "./prompt.js";
import type { RunEvent, RunOutcome, TurnRequest } from "./types.js";
import { ensureWorkspace, identityFromWorkspace, loadBootstrapFiles } from "./workspace.js";

/** Why a run was stopped from outside; the AbortSignal's reason carries one of these. */
export type StopCause = "aborted" | "timeout" | "interrupted";

const HISTORY_ENTRY_LIMIT = 500;
const PARTIAL_SAVE_MS = 250;

export type TurnContext = {
  request: TurnRequest;
  agent: AgentDefinition;
  session: SessionRow;
  userEntry: TranscriptEntry | null;
  /** Messages of runs merged into this one (`collect`), written after `userEntry`. */
  collected?: TranscriptEntry[];
  store: AgentStore;
  config: ConfigSnapshot;
  env: Env;
  signal: AbortSignal;
  startedAt: number;
  history: HistoryCache;
  emit(event: RunEvent): void;
};

const zeroUsage = (): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 });

/** The history a prompt starts from: entries after the newest compaction, before the current message. */
function priorEntries(ctx: TurnContext, contextWindow: number): { entries: TranscriptEntry[]; summary?: string } {
  const { store, session, userEntry } = ctx;
  const cached = userEntry ? ctx.history.get(session.sessionId, userEntry.seq) : null;
  if (cached) return cached;
  const compaction = store.lastCompaction(session.sessionId);
  const limits = { maxEntries: HISTORY_ENTRY_LIMIT, maxBytes: contextWindow * 8 };
  const page = store.history(session.sessionId, { beforeSeq: userEntry?.seq, limit: limits.maxEntries, maxBytes: limits.maxBytes });
  const firstKept = compaction ? Number(compaction.data.firstKeptSeq ?? compaction.seq + 1) : 0;
  const entries = page.entries.filter((e) => e.seq >= firstKept && (!compaction || e.seq !== compaction.seq));
  const summary = compaction ? String(compaction.data.summary ?? compaction.text) : undefined;
  if (userEntry) ctx.history.set(session.sessionId, userEntry.seq - 1, entries, limits, summary);
  return { entries, summary };
}

type Attempt = { text: string; toolCalls: ToolCall[]; usage: Usage; stopReason?: StopReason; provider?: string; model?: string; api?: string; responseId?: string };

async function streamOnce(ctx: TurnContext, chain: ModelCandidate[], system: string, messages: ModelMessage[], attempt: Attempt): Promise<void> {
  const clients = await chainClients(chain);
  const params = ctx.request.streamParams ?? {};
  let saveTimer: NodeJS.Timeout | null = null;
  const savePartial = () => {
    saveTimer = null;
    try {
      ctx.store.savePartialText(ctx.request.runId, attempt.text);
    } catch {
      // Best effort between deltas (the file may be busy); the run's end writes the whole text.
    }
  };
  try {
    const events = callModel(clients, {
      system,
      messages,
      ...(ctx.request.clientTools?.length ? { tools: ctx.request.clientTools } : {}),
      ...(ctx.request.toolChoice ? { toolChoice: ctx.request.toolChoice } : {}),
      ...params,
      signal: ctx.signal,
    });
    for await (const event of events) {
      switch (event.type) {
        case "model":
          attempt.provider = event.provider;
          attempt.model = event.model;
          attempt.api = chain.find((c) => c.ref === event.ref)?.provider.config.api;
          ctx.emit({ type: "model", runId: ctx.request.runId, provider: event.provider, model: event.model });
          break;
        case "text":
          if (!event.delta) break;
          attempt.text += event.delta;
          ctx.emit({ type: "text", runId: ctx.request.runId, delta: event.delta, text: attempt.text });
          saveTimer ??= setTimeout(savePartial, PARTIAL_SAVE_MS);
          break;
        case "tool_call":
          attempt.toolCalls.push(event.call);
          ctx.emit({ type: "tool_call", runId: ctx.request.runId, call: event.call });
          break;
        case "done":
          attempt.usage = event.usage;
          attempt.stopReason = event.stopReason;
          attempt.responseId = event.responseId;
          break;
      }
    }
  } finally {
    if (saveTimer) clearTimeout(saveTimer);
  }
}

function assistantEntry(attempt: Attempt, runId: string, extra: Record<string, unknown> = {}): NewEntry {
  const u = attempt.usage;
  return {
    type: "message",
    role: "assistant",
    text: attempt.text,
    runId,
    idempotencyKey: null,
    data: {
      content: [{ type: "text", text: attempt.text }],
      ...(attempt.api ? { api: attempt.api } : {}),
      ...(attempt.provider ? { provider: attempt.provider, model: attempt.model } : {}),
      usage: { input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, totalTokens: u.total },
      ...(attempt.stopReason ? { stopReason: attempt.stopReason } : {}),
      ...(attempt.responseId ? { responseId: attempt.responseId } : {}),
      ...(attempt.toolCalls.length > 0 ? { toolCalls: attempt.toolCalls } : {}),
      ...extra,
    },
  };
}

/**
 * One agent turn: prompt assembly within the model's window, the model call (with retries and
 * failover), streaming, and the transcript entries that record how it ended. Every ending,
 * including aborts and provider failures, becomes a persisted outcome; only the store can throw.
 */
export async function runTurn(ctx: TurnContext): Promise<{ outcome: RunOutcome; entries: TranscriptEntry[] }> {
  const { request, agent, session } = ctx;
  const attempt: Attempt = { text: "", toolCalls: [], usage: zeroUsage() };
  const base = { runId: request.runId, sessionKey: session.key, sessionId: session.sessionId, agentId: agent.id, startedAt: ctx.startedAt };
  let outcome: RunOutcome;
  const entries: NewEntry[] = [];
  try {
    ensureWorkspace(agent.workspace, agent.skipBootstrap);
    const resolution = await resolveModelChain({
      agent,
      config: ctx.config.config,
      env: ctx.env,
      override: request.modelOverride ?? session.modelOverride ?? undefined,
      configPath: ctx.config.path,
    });
    if (!resolution.ok) throw new ProviderError(resolution.message, "auth", { provider: "", model: "" });
    const chain = resolution.chain;
    const { contextWindow, maxTokens } = chain[0];
    const prior = priorEntries(ctx, contextWindow);
    const name = agent.identity.name ?? agent.name ?? identityFromWorkspace(agent.workspace).name;
    const files = loadBootstrapFiles(agent.workspace);
    let history = entriesToMessages(prior.entries);
    const reserveTokens = reserveFor(contextWindow, request.streamParams?.maxTokens ?? maxTokens);
    const messageTokens = estimateTokens(request.message);
    if (messageTokens > contextWindow - reserveTokens) {
      const message = `the message is too long for ${chain[0].ref}: about ${messageTokens} tokens, the model takes ${contextWindow - reserveTokens} (context window ${contextWindow})`;
      throw new ProviderError(message, "context_overflow", { provider: chain[0].provider.config.id, model: chain[0].model });
    }
    for (let round = 0; ; round++) {
      const draft = buildSystemPrompt({ agentName: name, workspace: agent.workspace, files, extra: request.extraSystemPrompt, compactionSummary: prior.summary });
      const fitted = fitHistory({ system: draft, history, current: request.message, contextWindow, reserveTokens });
      const system = fitted.dropped > 0 ? `${draft}\n\n[${fitted.dropped} earlier messages of this conversation are not shown; they did not fit the model's context window.]` : draft;
      try {
        await streamOnce(ctx, chain, system, fitted.messages, attempt);
        break;
      } catch (err) {
        // The estimate can be wrong for unusual text; a model that still says "too long" gets half.
        const overflow = err instanceof ProviderError && err.reason === "context_overflow" && attempt.text === "" && round === 0 && history.length > 0;
        if (!overflow) throw err;
        history = history.slice(Math.ceil(history.length / 2));
      }
    }
    entries.push(assistantEntry(attempt, request.runId));
    outcome = { ...base, status: "ok", text: attempt.text, toolCalls: attempt.toolCalls, stopReason: attempt.stopReason ?? "stop", usage: attempt.usage, provider: attempt.provider, model: attempt.model, endedAt: Date.now() };
  } catch (err) {
    const cause = ctx.signal.aborted ? ((ctx.signal.reason as StopCause) ?? "aborted") : null;
    const endedAt = Date.now();
    if (cause) {
      const status = cause === "timeout" ? "timeout" : cause === "interrupted" ? "interrupted" : "aborted";
      if (attempt.text) entries.push(assistantEntry(attempt, request.runId, { stopReason: status, [status]: true }));
      entries.push({ type: "abort", role: null, text: `run ${status}`, runId: request.runId, idempotencyKey: null, data: { reason: cause, partialChars: attempt.text.length } });
      outcome = { ...base, status, text: attempt.text, toolCalls: attempt.toolCalls, stopReason: status === "aborted" ? "aborted" : status === "timeout" ? "timeout" : "aborted", usage: attempt.usage, provider: attempt.provider, model: attempt.model, endedAt };
    } else {
      const failure = err instanceof ProviderError ? err : null;
      const message = failure ? failure.message : `agent run failed: ${(err as Error).message}`;
      if (attempt.text) entries.push(assistantEntry(attempt, request.runId, { stopReason: "error", errorMessage: message }));
      outcome = {
        ...base,
        status: "error",
        text: attempt.text,
        toolCalls: attempt.toolCalls,
        stopReason: "error",
        usage: attempt.usage,
        provider: attempt.provider ?? (failure?.details.provider || undefined),
        model: attempt.model ?? (failure?.details.model || undefined),
        error: { message, ...(failure ? { reason: failure.reason } : {}), ...(failure?.details.status ? { status: failure.details.status } : {}) },
        endedAt,
      };
    }
  }
  const finished = ctx.store.finishRun(request.runId, {
    status: outcome.status === "ok" ? "ok" : outcome.status,
    error: outcome.error?.message ?? null,
    result: outcome as unknown as Record<string, unknown>,
    entries,
    usage: { input: outcome.usage.input, output: outcome.usage.output, cacheRead: outcome.usage.cacheRead, total: outcome.usage.total },
    modelProvider: outcome.provider ?? null,
    model: outcome.model ?? null,
  });
  if (ctx.userEntry) ctx.history.append(session.sessionId, [ctx.userEntry, ...(ctx.collected ?? []), ...finished.entries]);
  return { outcome, entries: finished.entries };
}
