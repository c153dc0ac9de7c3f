import type Anthropic from "@anthropic-ai/sdk";
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  RawMessageStreamEvent,
  StopReason as AnthropicStopReason,
  Tool,
  ToolChoice as AnthropicToolChoice,
} from "@anthropic-ai/sdk/resources/messages";
import { abortedError, classifyFailure, type FailureContext } from "./failure.js";
import { nodeHttpFetch } from "./http-transport.js";
import { PLACEHOLDER_API_KEY } from "./openai-completions.js";
import type { ModelRequest, ProviderClient, ProviderConfig, StopReason, StreamEvent, ToolCall, ToolChoice, Usage } from "./types.js";

/** The API requires max_tokens; this is what a request without one gets. */
export const DEFAULT_MAX_TOKENS = 4096;

export async function createAnthropicMessagesClient(config: ProviderConfig): Promise<ProviderClient> {
  const { default: AnthropicSdk } = await import("@anthropic-ai/sdk");
  const sdk = new AnthropicSdk({
    apiKey: config.apiKey || PLACEHOLDER_API_KEY,
    // The SDK appends /v1/messages itself; custom configs often carry the /v1 already.
    baseURL: config.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, ""),
    defaultHeaders: config.headers,
    maxRetries: 0,
    fetch: nodeHttpFetch,
    timeout: config.timeoutMs > 0 ? config.timeoutMs : undefined,
    openTelemetry: false,
  });
  return { config, stream: (request) => streamMessage(sdk, config, request) };
}

function parseInput(args: string): unknown {
  try {
    const value: unknown = JSON.parse(args || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/**
 * Tool results travel as user messages, and the API wants consecutive turns of one role merged,
 * so blocks are appended to the previous message when the role repeats.
 */
export function toAnthropicMessages(request: Pick<ModelRequest, "messages">): MessageParam[] {
  const out: Array<{ role: "user" | "assistant"; content: ContentBlockParam[] }> = [];
  const push = (role: "user" | "assistant", blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of request.messages) {
    if (m.role === "user") push("user", m.content ? [{ type: "text", text: m.content }] : []);
    else if (m.role === "tool") push("user", [{ type: "tool_result", tool_use_id: m.toolCallId, content: m.content }]);
    else {
      const blocks: ContentBlockParam[] = m.content ? [{ type: "text", text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: parseInput(c.arguments) });
      push("assistant", blocks);
    }
  }
  return out;
}

function toToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (choice === "auto") return { type: "auto" };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any" };
  return { type: "tool", name: choice.name };
}

function requestBody(request: ModelRequest): MessageCreateParamsStreaming {
  const tools: Tool[] = (request.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: (t.parameters ?? { type: "object", properties: {} }) as Tool["input_schema"],
  }));
  const body: MessageCreateParamsStreaming = {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toAnthropicMessages(request),
    stream: true,
  };
  // Current SDK types dropped the sampling fields; the caller set them on purpose, so they still go.
  const sampling = body as { temperature?: number; top_p?: number };
  if (request.temperature !== undefined) sampling.temperature = request.temperature;
  if (request.topP !== undefined) sampling.top_p = request.topP;
  if (request.system) body.system = request.system;
  if (request.stop?.length) body.stop_sequences = request.stop;
  if (tools.length > 0) {
    body.tools = tools;
    if (request.toolChoice) body.tool_choice = toToolChoice(request.toolChoice);
  }
  const format = request.responseFormat as { type?: unknown; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  if (format?.type === "json_schema" && format.json_schema?.schema) body.output_config = { format: { type: "json_schema", schema: format.json_schema.schema } };
  return body;
}

function stopReason(reason: AnthropicStopReason | null | undefined, hasToolCalls: boolean): StopReason {
  if (reason === "max_tokens" || reason === "model_context_window_exceeded") return "length";
  if (reason === "refusal") return "content_filter";
  if (reason === "tool_use" || hasToolCalls) return "tool_calls";
  return "stop";
}

type UsageCounts = { input_tokens?: number | null; output_tokens?: number | null; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null };

async function* streamMessage(sdk: Anthropic, config: ProviderConfig, request: ModelRequest): AsyncGenerator<StreamEvent> {
  const ctx: FailureContext = { provider: config.id, model: request.model, apiKey: config.apiKey, signal: request.signal };
  // `streamed` turns true at the first input_json_delta, which replaces any input the start event carried.
  const toolBlocks = new Map<number, { call: ToolCall; streamed: boolean }>();
  const counts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const takeUsage = (u: UsageCounts | null | undefined) => {
    if (!u) return;
    if (typeof u.input_tokens === "number") counts.input = u.input_tokens;
    if (typeof u.output_tokens === "number") counts.output = u.output_tokens;
    if (typeof u.cache_read_input_tokens === "number") counts.cacheRead = u.cache_read_input_tokens;
    if (typeof u.cache_creation_input_tokens === "number") counts.cacheWrite = u.cache_creation_input_tokens;
  };
  let reason: AnthropicStopReason | null = null;
  let responseId: string | undefined;
  let responseModel: string | undefined;
  let sawToolCall = false;
  try {
    const stream = await sdk.messages.create(requestBody(request), { signal: request.signal });
    for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
      switch (event.type) {
        case "message_start":
          responseId = event.message.id;
          responseModel = event.message.model;
          takeUsage(event.message.usage);
          break;
        case "content_block_start": {
          const block = event.content_block;
          if (block.type === "tool_use") {
            const initial = block.input && typeof block.input === "object" && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : "";
            toolBlocks.set(event.index, { call: { id: block.id, name: block.name, arguments: initial }, streamed: false });
          } else if (block.type === "text" && block.text) yield { type: "text", delta: block.text };
          else if (block.type === "thinking" && block.thinking) yield { type: "thinking", delta: block.thinking };
          break;
        }
        case "content_block_delta": {
          const delta = event.delta;
          if (delta.type === "text_delta") {
            if (delta.text) yield { type: "text", delta: delta.text };
          } else if (delta.type === "thinking_delta") {
            if (delta.thinking) yield { type: "thinking", delta: delta.thinking };
          } else if (delta.type === "input_json_delta") {
            const block = toolBlocks.get(event.index);
            if (block) {
              if (!block.streamed) block.call.arguments = "";
              block.streamed = true;
              block.call.arguments += delta.partial_json;
            }
          }
          break;
        }
        case "content_block_stop": {
          const block = toolBlocks.get(event.index);
          if (block) {
            toolBlocks.delete(event.index);
            sawToolCall = true;
            yield { type: "tool_call", call: { ...block.call, arguments: block.call.arguments || "{}" } };
          }
          break;
        }
        case "message_delta":
          reason = event.delta.stop_reason ?? reason;
          takeUsage(event.usage);
          break;
      }
    }
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
  if (request.signal.aborted) throw abortedError(ctx);
  const usage: Usage = { ...counts, total: counts.input + counts.output + counts.cacheRead + counts.cacheWrite };
  yield { type: "done", stopReason: stopReason(reason, sawToolCall), usage, responseId, responseModel };
}
