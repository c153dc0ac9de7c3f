import { randomBytes } from "node:crypto";
import type OpenAI from "openai";
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { abortedError, classifyFailure, type FailureContext } from "./failure.js";
import { nodeHttpFetch } from "./http-transport.js";
import type { ModelRequest, ProviderClient, ProviderConfig, StopReason, StreamEvent, ToolCall, ToolChoice, Usage } from "./types.js";

/** Local servers ignore the key, but the SDK refuses to send a request without one. */
export const PLACEHOLDER_API_KEY = "not-needed";

/** The official SDK for one provider: our retries and transport, its key, base URL and headers. */
export async function openAISdk(config: ProviderConfig): Promise<OpenAI> {
  const { default: OpenAISdk } = await import("openai");
  return new OpenAISdk({
    apiKey: config.apiKey || PLACEHOLDER_API_KEY,
    baseURL: config.baseUrl,
    defaultHeaders: config.headers,
    maxRetries: 0,
    fetch: nodeHttpFetch,
    timeout: config.timeoutMs > 0 ? config.timeoutMs : undefined,
    organization: null,
    project: null,
  });
}

export async function createOpenAICompletionsClient(config: ProviderConfig): Promise<ProviderClient> {
  const sdk = await openAISdk(config);
  return {
    config,
    stream: (request) => streamChatCompletion(sdk, config, request),
    embed: (request) => embedTexts(sdk, config, request),
  };
}

function failureContext(config: ProviderConfig, model: string, signal: AbortSignal): FailureContext {
  return { provider: config.id, model, apiKey: config.apiKey, signal };
}

export function toChatMessages(request: Pick<ModelRequest, "system" | "messages">): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (request.system) out.push({ role: "system", content: request.system });
  for (const m of request.messages) {
    if (m.role === "user") out.push({ role: "user", content: m.content });
    else if (m.role === "tool") out.push({ role: "tool", tool_call_id: m.toolCallId, content: m.content });
    else if (m.toolCalls?.length) {
      out.push({
        role: "assistant",
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments || "{}" } })),
      });
    } else out.push({ role: "assistant", content: m.content });
  }
  return out;
}

function toToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
}

/** OpenAI itself rejects `max_tokens` for reasoning models; compatible servers mostly know only `max_tokens`. */
function isNativeOpenAI(baseUrl: string): boolean {
  return /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
}

function requestBody(config: ProviderConfig, request: ModelRequest): ChatCompletionCreateParamsStreaming {
  const tools: ChatCompletionTool[] = (request.tools ?? []).map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.parameters ?? { type: "object", properties: {} } },
  }));
  const body: ChatCompletionCreateParamsStreaming = {
    model: request.model,
    messages: toChatMessages(request),
    stream: true,
    stream_options: { include_usage: true },
    temperature: request.temperature,
    top_p: request.topP,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
    seed: request.seed,
    stop: request.stop?.length ? request.stop : undefined,
  };
  if (tools.length > 0) {
    body.tools = tools;
    if (request.toolChoice) body.tool_choice = toToolChoice(request.toolChoice);
  }
  if (request.maxTokens !== undefined) {
    if (isNativeOpenAI(config.baseUrl)) body.max_completion_tokens = request.maxTokens;
    else body.max_tokens = request.maxTokens;
  }
  if (request.responseFormat !== undefined) body.response_format = request.responseFormat as ChatCompletionCreateParamsStreaming["response_format"];
  return body;
}

function stopReason(finish: string | null, hasToolCalls: boolean): StopReason {
  if (finish === "length") return "length";
  if (finish === "content_filter") return "content_filter";
  if (finish === "tool_calls" || finish === "function_call" || hasToolCalls) return "tool_calls";
  return "stop";
}

/** `input` counts only uncached prompt tokens, as Anthropic reports it, so the providers add up alike. */
function toUsage(usage: CompletionUsage | undefined): Usage {
  const prompt = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const input = Math.max(0, prompt - cacheRead);
  return { input, output, cacheRead, cacheWrite: 0, total: input + output + cacheRead };
}

/** Fields some compatible servers (DeepSeek, vLLM, OpenRouter) add to a delta for reasoning text. */
type ReasoningDelta = { reasoning_content?: unknown; reasoning?: unknown };

async function* streamChatCompletion(sdk: OpenAI, config: ProviderConfig, request: ModelRequest): AsyncGenerator<StreamEvent> {
  const ctx = failureContext(config, request.model, request.signal);
  const calls = new Map<number, ToolCall>();
  let finish: string | null = null;
  let usage: CompletionUsage | undefined;
  let responseId: string | undefined;
  let responseModel: string | undefined;
  try {
    const stream = await sdk.chat.completions.create(requestBody(config, request), { signal: request.signal });
    for await (const chunk of stream) {
      responseId ??= chunk.id || undefined;
      responseModel ??= chunk.model || undefined;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta ?? {};
      const { reasoning_content, reasoning } = delta as ReasoningDelta;
      const thinking = typeof reasoning_content === "string" ? reasoning_content : typeof reasoning === "string" ? reasoning : "";
      if (thinking) yield { type: "thinking", delta: thinking };
      if (delta.content) yield { type: "text", delta: delta.content };
      delta.tool_calls?.forEach((fragment, position) => {
        const index = fragment.index ?? position;
        let call = calls.get(index);
        if (!call) {
          call = { id: "", name: "", arguments: "" };
          calls.set(index, call);
        }
        if (fragment.id && !call.id) call.id = fragment.id;
        if (fragment.function?.name && !call.name) call.name = fragment.function.name;
        if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
      });
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
  // The SDK ends the iteration quietly when its signal fires; that is still an abort.
  if (request.signal.aborted) throw abortedError(ctx);
  const ordered = [...calls.entries()].sort(([a], [b]) => a - b);
  for (const [index, call] of ordered) {
    yield { type: "tool_call", call: { id: call.id || `call_${index}_${randomBytes(6).toString("hex")}`, name: call.name, arguments: call.arguments || "{}" } };
  }
  yield { type: "done", stopReason: stopReason(finish, calls.size > 0), usage: toUsage(usage), responseId, responseModel };
}

async function embedTexts(
  sdk: OpenAI,
  config: ProviderConfig,
  request: { model: string; input: string[]; dimensions?: number; signal: AbortSignal },
): Promise<{ vectors: number[][]; promptTokens: number }> {
  const ctx = failureContext(config, request.model, request.signal);
  try {
    const res = await sdk.embeddings.create(
      { model: request.model, input: request.input, dimensions: request.dimensions, encoding_format: "float" },
      { signal: request.signal },
    );
    const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => Array.from(d.embedding));
    return { vectors, promptTokens: res.usage?.prompt_tokens ?? 0 };
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
}
