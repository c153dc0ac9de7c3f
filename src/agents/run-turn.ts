import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Env } from "../config/paths.js";
import type { AgentStore, NewEntry, SessionRow, TranscriptEntry } from "../store/types.js";
import type { AgentDefinition } from "./agent-config.js";
import { chainClients, resolveModelChain, type ModelCandidate } from "./model-resolution.js";
import { callModel } from "./providers/call-model.js";
import { ProviderError, type ModelMessage, type StopReason, type ToolCall, type ToolChoice, type ToolSchema, type Usage } from "./providers/types.js";
import type { HistoryCache } from "./history-cache.js";
import { buildSystemPrompt, entriesToMessages, estimateTokens, fitHistory, messageTokens, reserveFor, shrinkToolResults } from "./prompt.js";
import type { RunEvent, RunOutcome, TurnRequest } from "./types.js";
import { ensureWorkspace, identityFromWorkspace, loadBootstrapFiles } from "./workspace.js";
import { maxToolRounds, runToolCalls, type TurnTools } from "./tool-round.js";
import { toolSchemas } from "./tools/registry.js";
import { policyContext } from "./tools/policy.js";
import type { ToolDefinition } from "./tools/types.js";

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
  /** The gateway's tools; null when the run may only talk. */
  tools: TurnTools | null;
  emit(event: RunEvent): void;
  /** Entries committed while the run goes on (tool calls and results), for live subscribers. */
  onEntries(entries: TranscriptEntry[]): void;
  /** `steer` turns waiting behind this run, taken at a tool boundary (their user messages, committed). */
  takeSteered?(): TranscriptEntry[];
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

type OfferedTools = { schemas: ToolSchema[]; toolChoice?: ToolChoice };

async function streamOnce(ctx: TurnContext, chain: ModelCandidate[], system: string, messages: ModelMessage[], attempt: Attempt, offered: OfferedTools): Promise<void> {
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
      ...(offered.schemas.length > 0 ? { tools: offered.schemas } : {}),
      ...(offered.toolChoice ? { toolChoice: offered.toolChoice } : {}),
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
      content: [{ type: "text", text: attempt.text }, ...attempt.toolCalls.map((c) => ({ type: "toolCall", id: c.id, name: c.name, arguments: c.arguments }))],
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

function addUsage(into: Usage, add: Usage): void {
  into.input += add.input;
  into.output += add.output;
  into.cacheRead += add.cacheRead;
  into.cacheWrite += add.cacheWrite;
  into.total += add.total;
}

type RunTools = { turn: TurnTools | null; byName: Map<string, ToolDefinition>; schemas: ToolSchema[]; sandboxed: boolean; maxRounds: number };

/** The gateway tools policy offers this run, plus the caller's own (client) tools. */
async function offerTools(ctx: TurnContext, primary: ModelCandidate): Promise<RunTools> {
  const clientTools = ctx.request.clientTools ?? [];
  if (!ctx.tools) return { turn: null, byName: new Map(), schemas: clientTools, sandboxed: false, maxRounds: 0 };
  const config = ctx.config.config;
  const external = ctx.request.source === "hook";
  const policy = policyContext(config, { agentId: ctx.agent.id, sessionKey: ctx.session.key, surface: "agent", provider: primary.provider.config.id, model: primary.model, external });
  const clientNames = new Set(clientTools.map((t) => t.name));
  await ctx.tools.registry.ready();
  const definitions = ctx.tools.registry.available(config, policy).filter((d) => !clientNames.has(d.name));
  return { turn: ctx.tools, byName: new Map(definitions.map((d) => [d.name, d])), schemas: [...toolSchemas(definitions), ...clientTools], sandboxed: policy.sandboxed, maxRounds: maxToolRounds(config) };
}

/**
 * One model call with the history fitted to the window. The estimate can be wrong for unusual
 * text; a model that still says "too long" is asked once more with half the history.
 */
async function callFitted(
  ctx: TurnContext,
  chain: ModelCandidate[],
  system: string,
  history: ModelMessage[],
  afterCurrent: ModelMessage[],
  attempt: Attempt,
  opts: { contextWindow: number; reserveTokens: number; offered: OfferedTools },
): Promise<void> {
  let kept = history;
  // This run's own tool rounds are always sent (older results shortened when they outgrow the
  // window), so the earlier history gets what they leave.
  shrinkToolResults(afterCurrent, Math.floor((opts.contextWindow - opts.reserveTokens - estimateTokens(system) - estimateTokens(ctx.request.message)) * 0.8));
  const reserveTokens = opts.reserveTokens + afterCurrent.reduce((n, m) => n + messageTokens(m), 0);
  for (let retry = 0; ; retry++) {
    const fitted = fitHistory({ system, history: kept, current: ctx.request.message, contextWindow: opts.contextWindow, reserveTokens });
    const prompt = fitted.dropped > 0 ? `${system}\n\n[${fitted.dropped} earlier messages of this conversation are not shown; they did not fit the model's context window.]` : system;
    try {
      await streamOnce(ctx, chain, prompt, [...fitted.messages, ...afterCurrent], attempt, opts.offered);
      return;
    } catch (err) {
      const overflow = err instanceof ProviderError && err.reason === "context_overflow" && attempt.text === "" && retry === 0 && kept.length > 0;
      if (!overflow) throw err;
      kept = kept.slice(Math.ceil(kept.length / 2));
    }
  }
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
  const total = zeroUsage();
  const persisted: TranscriptEntry[] = [];
  const persist = (entry: NewEntry) => {
    const written = ctx.store.appendEntry(session.key, entry);
    persisted.push(written);
    ctx.onEntries([written]);
  };
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
    const history = entriesToMessages(prior.entries);
    const reserveTokens = reserveFor(contextWindow, request.streamParams?.maxTokens ?? maxTokens);
    const currentTokens = estimateTokens(request.message);
    if (currentTokens > contextWindow - reserveTokens) {
      const message = `the message is too long for ${chain[0].ref}: about ${currentTokens} tokens, the model takes ${contextWindow - reserveTokens} (context window ${contextWindow})`;
      throw new ProviderError(message, "context_overflow", { provider: chain[0].provider.config.id, model: chain[0].model });
    }
    const tools = await offerTools(ctx, chain[0]);
    const draft = buildSystemPrompt({ agentName: name, workspace: agent.workspace, files, extra: request.extraSystemPrompt, compactionSummary: prior.summary });
    const afterCurrent: ModelMessage[] = [];
    for (let round = 0; ; round++) {
      const lastRound = tools.turn !== null && round >= tools.maxRounds;
      const note = lastRound ? `\n\n[This run has used its ${tools.maxRounds} tool rounds: answer now with what you have, without calling tools.]` : "";
      await callFitted(ctx, chain, draft + note, history, afterCurrent, attempt, {
        contextWindow,
        reserveTokens,
        offered: { schemas: tools.schemas, toolChoice: lastRound ? "none" : request.toolChoice },
      });
      addUsage(total, attempt.usage);
      const calls = attempt.toolCalls;
      const forClient = calls.some((c) => request.clientTools?.some((t) => t.name === c.name));
      if (!tools.turn || lastRound || calls.length === 0 || forClient) break;
      persist(assistantEntry(attempt, request.runId));
      const spoken = attempt.text;
      Object.assign(attempt, { text: "", toolCalls: [], usage: zeroUsage(), stopReason: undefined });
      const base = { agentId: agent.id, sessionKey: session.key, workspace: agent.workspace, runId: request.runId, surface: "agent" as const, signal: ctx.signal, sandboxed: tools.sandboxed, config: ctx.config.config, env: ctx.env, host: tools.turn.host };
      const results = await runToolCalls({ runId: request.runId, base, registry: tools.turn.registry, offered: tools.byName, emit: ctx.emit, persist }, calls);
      afterCurrent.push({ role: "assistant", content: spoken, toolCalls: calls }, ...results);
      for (const steered of ctx.takeSteered?.() ?? []) {
        persisted.push(steered);
        afterCurrent.push({ role: "user", content: steered.text });
      }
    }
    // A gateway tool call left after the last round was never run; a call to the caller's own tools goes back to it with the rest.
    if (tools.turn && !attempt.toolCalls.some((c) => request.clientTools?.some((t) => t.name === c.name))) attempt.toolCalls = [];
    entries.push(assistantEntry(attempt, request.runId));
    outcome = { ...base, status: "ok", text: attempt.text, toolCalls: attempt.toolCalls, stopReason: attempt.stopReason ?? "stop", usage: total, provider: attempt.provider, model: attempt.model, endedAt: Date.now() };
  } catch (err) {
    const cause = ctx.signal.aborted ? ((ctx.signal.reason as StopCause) ?? "aborted") : null;
    const endedAt = Date.now();
    if (cause) {
      const status = cause === "timeout" ? "timeout" : cause === "interrupted" ? "interrupted" : "aborted";
      if (attempt.text) entries.push(assistantEntry(attempt, request.runId, { stopReason: status, [status]: true }));
      entries.push({ type: "abort", role: null, text: `run ${status}`, runId: request.runId, idempotencyKey: null, data: { reason: cause, partialChars: attempt.text.length } });
      outcome = { ...base, status, text: attempt.text, toolCalls: attempt.toolCalls, stopReason: status === "aborted" ? "aborted" : status === "timeout" ? "timeout" : "aborted", usage: total, provider: attempt.provider, model: attempt.model, endedAt };
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
        usage: total,
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
  if (ctx.userEntry) ctx.history.append(session.sessionId, [ctx.userEntry, ...(ctx.collected ?? []), ...persisted, ...finished.entries]);
  return { outcome, entries: finished.entries };
}
