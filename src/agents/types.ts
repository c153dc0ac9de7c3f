import type { AgentDefinition } from "./agent-config.js";
import type { FailureReason, SamplingParams, StopReason, ToolCall, ToolChoice, ToolSchema, Usage } from "./providers/types.js";

export type QueueMode = "steer" | "followup" | "collect" | "interrupt";

/** Sampling and limits a caller may set for one run (OpenAI-style HTTP passes them through). */
export type StreamParams = SamplingParams;

/** One message to turn into one agent run. */
export type TurnRequest = {
  agentId: string;
  sessionKey: string;
  /** Also the idempotency key: a second submit with the same id is a duplicate, never a second run. */
  runId: string;
  message: string;
  /** What started the run: `agent`, `chat`, `http` … (recorded, shown in sessions). */
  source: string;
  /** Channel the session's messages come from (`webchat`, `openai`, …). */
  channel?: string;
  extraSystemPrompt?: string;
  /** `provider/model` for this run only. */
  modelOverride?: string;
  streamParams?: StreamParams;
  /** Tools the caller defines and executes itself (OpenAI HTTP): calls end the run and go back to it. */
  clientTools?: ToolSchema[];
  toolChoice?: ToolChoice;
  /** Run timeout; 0 or absent means the agent default. */
  timeoutMs?: number;
  queueMode?: QueueMode;
};

export type RunStatusFinal = "ok" | "error" | "aborted" | "timeout" | "interrupted";

export type RunOutcome = {
  runId: string;
  sessionKey: string;
  sessionId: string;
  agentId: string;
  status: RunStatusFinal;
  /** The assistant's full text (partial when aborted or failed mid-stream). */
  text: string;
  toolCalls: ToolCall[];
  stopReason?: StopReason | "aborted" | "error" | "timeout";
  usage: Usage;
  provider?: string;
  model?: string;
  error?: { message: string; reason?: FailureReason; status?: number };
  startedAt: number;
  endedAt: number;
};

export type RunEvent =
  | { type: "queued"; runId: string; sessionKey: string; position: number }
  | { type: "start"; runId: string; sessionKey: string; sessionId: string; agentId: string; startedAt: number }
  | { type: "model"; runId: string; provider: string; model: string }
  /** `text` is the cumulative assistant text after this delta. */
  | { type: "text"; runId: string; delta: string; text: string }
  | { type: "tool_call"; runId: string; call: ToolCall }
  /** Partial output of a gateway tool while it runs. */
  | { type: "tool_update"; runId: string; call: ToolCall; text?: string; details?: Record<string, unknown> }
  | { type: "tool_result"; runId: string; call: ToolCall; content: string; details?: Record<string, unknown>; isError: boolean; durationMs: number }
  | { type: "end"; runId: string; outcome: RunOutcome };

export type SubmitResult =
  | { kind: "started" | "queued"; runId: string; sessionKey: string; sessionId: string | null; acceptedAt: number; interruptedRunIds: string[] }
  /** The run id was seen before: still running (or queued), or finished with `outcome`. */
  | { kind: "duplicate"; runId: string; sessionKey: string; inFlight: boolean; outcome: RunOutcome | null };

/** What the rest of the gateway (methods, HTTP APIs, later channels) uses to run agents. */
export interface AgentService {
  /** The default agent (`agents.entries.<id>.default`, else the first entry, else `main`). */
  defaultAgentId(): string;
  /** Configured top-level agent ids, the default first. */
  agentIds(): string[];
  hasAgent(agentId: string): boolean;
  /** The configured agent (workspace, model, identity), or undefined. */
  agent(agentId: string): AgentDefinition | undefined;
  /**
   * Accepts a turn: commits it as a queued run before returning, so it survives a crash, and
   * starts it right after the caller's current task (its ack goes out before any run event).
   * Throws GatewayError for unknown agents or a full queue.
   */
  submit(request: TurnRequest): Promise<SubmitResult>;
  /** Live events of one run; returns the unsubscribe function. Events after `end` never come. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void;
  /**
   * Resolves with the outcome once the run ends (also for runs that ended before), or null when
   * `timeoutMs` passes first or the run is unknown. Without `agentId` every agent is searched.
   */
  wait(runId: string, timeoutMs: number, agentId?: string): Promise<RunOutcome | null>;
  /** Aborts the session's active run (or only `runId`); returns the aborted run ids. */
  abort(agentId: string, sessionKey: string, runId?: string): string[];
  /** Embeddings through the agent's configured embedding provider. */
  /** Runs going on now and turns waiting behind them, over all sessions. */
  queueDepths(): { running: number; queued: number };
  embed(agentId: string, request: { model?: string; input: string[]; dimensions?: number; signal: AbortSignal }): Promise<{ vectors: number[][]; promptTokens: number; model: string }>;
}
