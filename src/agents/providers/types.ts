/**
 * The one shape every model provider speaks to the agent runner, whatever its wire API
 * (OpenAI chat completions, OpenAI responses, Anthropic messages, Ollama). Adapters translate
 * to and from it; the runner never sees a provider's own types.
 */

export type ProviderApi = "openai-completions" | "openai-responses" | "anthropic-messages" | "ollama";

export type ToolCall = { id: string; name: string; /** JSON text, as the model produced it. */ arguments: string };

export type ModelMessage =
  | { role: "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: ToolCall[] }
  | { role: "tool"; toolCallId: string; name?: string; content: string };

export type ToolSchema = { name: string; description?: string; parameters?: Record<string, unknown> };

export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** Sampling and limits of one call, as callers may set them. */
export type SamplingParams = {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  stop?: string[];
  responseFormat?: unknown;
};

export type ModelRequest = SamplingParams & {
  /** The provider's own model id (the part after `provider/`). */
  model: string;
  system: string;
  messages: ModelMessage[];
  tools?: ToolSchema[];
  toolChoice?: ToolChoice;
  signal: AbortSignal;
};

export type Usage = { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };

export type StopReason = "stop" | "length" | "tool_calls" | "content_filter";

export type StreamEvent =
  | { type: "text"; delta: string }
  | { type: "thinking"; delta: string }
  /** A complete tool call (adapters assemble the argument fragments). */
  | { type: "tool_call"; call: ToolCall }
  | { type: "done"; stopReason: StopReason; usage: Usage; responseId?: string; responseModel?: string };

/** Why a call failed, in the classes failover and the HTTP error mapping need. */
export type FailureReason =
  | "auth"
  | "auth_permanent"
  | "rate_limit"
  | "billing"
  | "format"
  | "context_overflow"
  | "model_not_found"
  | "overloaded"
  | "server_error"
  | "timeout"
  | "network"
  | "aborted";

/** A provider failure; `message` never contains an API key. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly reason: FailureReason,
    readonly details: { provider: string; model: string; status?: number; retryAfterMs?: number } ,
  ) {
    super(message);
  }

  /** Worth another attempt on the same model (after backoff) or on the next model in the chain. */
  get retryable(): boolean {
    return ["rate_limit", "overloaded", "server_error", "timeout", "network"].includes(this.reason);
  }
}

/** A configured provider, resolved: where it lives and how to authenticate (the key already substituted). */
export type ProviderConfig = {
  id: string;
  api: ProviderApi;
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Per-request timeout; also the idle watchdog between stream events. */
  timeoutMs: number;
  /** True for loopback/LAN/.local hosts: longer idle watchdog, marker keys accepted. */
  local: boolean;
};

export type ModelInfo = {
  id: string;
  name?: string;
  reasoning?: boolean;
  input?: string[];
  contextWindow?: number;
  maxTokens?: number;
  cost?: { input: number; output: number; cacheRead: number; cacheWrite: number };
};

/** One wire API's client, created once per provider config and reused. */
export interface ProviderClient {
  readonly config: ProviderConfig;
  /** Streams one model call. Errors are thrown as ProviderError, including mid-stream ones. */
  stream(request: ModelRequest): AsyncIterable<StreamEvent>;
  /** Embeddings, where the API has them. */
  embed?(request: { model: string; input: string[]; dimensions?: number; signal: AbortSignal }): Promise<{ vectors: number[][]; promptTokens: number }>;
}
