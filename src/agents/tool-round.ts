import type { GatewayConfig } from "../config/schema.js";
import type { NewEntry } from "../store/types.js";
import type { ModelMessage, ToolCall } from "./providers/types.js";
import { canonicalToolName } from "./tools/policy.js";
import type { ToolRegistry } from "./tools/registry.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolHost } from "./tools/types.js";
import type { RunEvent } from "./types.js";

/** The gateway's tools as runs see them. */
export type TurnTools = { registry: ToolRegistry; host: ToolHost };

const DEFAULT_MAX_ROUNDS = 24;

/** `agents.defaults.maxToolRounds`: model answers with tool calls a run may act on before it must reply. */
export function maxToolRounds(config: GatewayConfig): number {
  const value = (config.agents as { defaults?: { maxToolRounds?: unknown } } | undefined)?.defaults?.maxToolRounds;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : DEFAULT_MAX_ROUNDS;
}

export type RoundContext = {
  runId: string;
  /** What every tool call of the run knows; each call adds its own id and progress callback. */
  base: Omit<ToolContext, "toolCallId" | "update">;
  registry: ToolRegistry;
  offered: Map<string, ToolDefinition>;
  emit(event: RunEvent): void;
  /** Commits one transcript entry (each result is durable before the next call starts). */
  persist(entry: NewEntry): void;
};

function resultEntry(call: ToolCall, runId: string, content: string, isError: boolean, details?: Record<string, unknown>): NewEntry {
  return {
    type: "message",
    role: "toolResult",
    text: content,
    runId,
    idempotencyKey: null,
    data: { toolCallId: call.id, toolName: call.name, content: [{ type: "text", text: content }], isError, ...(details ? { details } : {}) },
  };
}

/**
 * Runs the tool calls of one model answer in order and records each result. A call to a tool the
 * run was not offered gets an error result the model can read; an abort stops after the running
 * call (its result says so) and throws, so the run ends as aborted.
 */
export async function runToolCalls(ctx: RoundContext, calls: ToolCall[]): Promise<ModelMessage[]> {
  const messages: ModelMessage[] = [];
  for (const call of calls) {
    const started = Date.now();
    const definition = ctx.offered.get(canonicalToolName(call.name));
    const outcome = definition
      ? await ctx.registry.call(definition, call.arguments, {
          ...ctx.base,
          toolCallId: call.id,
          update: (progress) => ctx.emit({ type: "tool_update", runId: ctx.runId, call, ...progress }),
        })
      : { ok: false as const, error: new ToolError(`tool "${call.name}" is not available in this session`, "blocked"), unexpected: false };
    const content = outcome.ok ? outcome.result.content : `Error: ${outcome.error.message}`;
    const details = outcome.ok ? outcome.result.details : { error: outcome.error.kind, ...outcome.error.details };
    ctx.persist(resultEntry(call, ctx.runId, content, !outcome.ok, details));
    ctx.emit({ type: "tool_result", runId: ctx.runId, call, content, details, isError: !outcome.ok, durationMs: Date.now() - started });
    messages.push({ role: "tool", toolCallId: call.id, name: call.name, content });
    if (ctx.base.signal.aborted) throw ctx.base.signal.reason ?? new Error("aborted");
  }
  return messages;
}
