import type OpenAI from "openai";
import type {
  FunctionTool,
  Response,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseStreamEvent,
  ResponseTextConfig,
} from "openai/resources/responses/responses";
import { abortedError, classifyFailure, failureFromPayload, type FailureContext } from "./failure.js";
import { openAISdk } from "./openai-completions.js";
import { ProviderError, type ModelRequest, type ProviderClient, type ProviderConfig, type StopReason, type StreamEvent, type ToolCall, type Usage } from "./types.js";

export async function createOpenAIResponsesClient(config: ProviderConfig): Promise<ProviderClient> {
  const sdk = await openAISdk(config);
  return { config, stream: (request) => streamResponse(sdk, config, request) };
}

export function toResponsesInput(request: Pick<ModelRequest, "messages">): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const m of request.messages) {
    if (m.role === "user") items.push({ role: "user", content: m.content });
    else if (m.role === "tool") items.push({ type: "function_call_output", call_id: m.toolCallId, output: m.content });
    else {
      if (m.content) items.push({ role: "assistant", content: m.content });
      for (const c of m.toolCalls ?? []) items.push({ type: "function_call", call_id: c.id, name: c.name, arguments: c.arguments || "{}" });
    }
  }
  return items;
}

/** Accepts the chat-completions `response_format` shape callers already know and moves it to `text.format`. */
function toTextConfig(format: unknown): ResponseTextConfig | undefined {
  if (!format || typeof format !== "object") return undefined;
  const f = format as { type?: unknown; json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean } };
  if (f.type === "json_object") return { format: { type: "json_object" } };
  if (f.type === "json_schema" && f.json_schema?.schema) {
    return { format: { type: "json_schema", name: f.json_schema.name ?? "response", schema: f.json_schema.schema, strict: f.json_schema.strict ?? null } };
  }
  return undefined;
}

function requestBody(request: ModelRequest): ResponseCreateParamsStreaming {
  const tools: FunctionTool[] = (request.tools ?? []).map((t) => ({
    type: "function",
    name: t.name,
    description: t.description,
    parameters: t.parameters ?? { type: "object", properties: {} },
    strict: false,
  }));
  const body: ResponseCreateParamsStreaming = {
    model: request.model,
    input: toResponsesInput(request),
    stream: true,
    store: false,
    temperature: request.temperature,
    top_p: request.topP,
    max_output_tokens: request.maxTokens,
  };
  if (request.system) body.instructions = request.system;
  if (tools.length > 0) {
    body.tools = tools;
    const choice = request.toolChoice;
    if (choice) body.tool_choice = typeof choice === "string" ? choice : { type: "function", name: choice.name };
  }
  const text = toTextConfig(request.responseFormat);
  if (text) body.text = text;
  return body;
}

/** `input` counts only uncached prompt tokens, as Anthropic reports it. */
function toUsage(usage: Response["usage"] | undefined): Usage {
  const cacheRead = usage?.input_tokens_details?.cached_tokens ?? 0;
  const input = Math.max(0, (usage?.input_tokens ?? 0) - cacheRead);
  const output = usage?.output_tokens ?? 0;
  return { input, output, cacheRead, cacheWrite: 0, total: input + output + cacheRead };
}

function stopReason(response: Response, hasToolCalls: boolean): StopReason {
  const incomplete = response.incomplete_details?.reason;
  if (incomplete === "max_output_tokens") return "length";
  if (incomplete === "content_filter") return "content_filter";
  return hasToolCalls ? "tool_calls" : "stop";
}

async function* streamResponse(sdk: OpenAI, config: ProviderConfig, request: ModelRequest): AsyncGenerator<StreamEvent> {
  const ctx: FailureContext = { provider: config.id, model: request.model, apiKey: config.apiKey, signal: request.signal };
  const pending = new Map<number, ToolCall>();
  let emittedCalls = 0;
  let finished: Response | undefined;
  const complete = (call: ToolCall): StreamEvent => {
    emittedCalls++;
    return { type: "tool_call", call: { ...call, arguments: call.arguments || "{}" } };
  };
  try {
    const stream = await sdk.responses.create(requestBody(request), { signal: request.signal });
    for await (const event of stream as AsyncIterable<ResponseStreamEvent>) {
      switch (event.type) {
        case "response.output_text.delta":
        case "response.refusal.delta":
          if (event.delta) yield { type: "text", delta: event.delta };
          break;
        case "response.reasoning_text.delta":
        case "response.reasoning_summary_text.delta":
          if (event.delta) yield { type: "thinking", delta: event.delta };
          break;
        case "response.output_item.added":
          if (event.item.type === "function_call") {
            pending.set(event.output_index, { id: event.item.call_id, name: event.item.name, arguments: event.item.arguments ?? "" });
          }
          break;
        case "response.function_call_arguments.delta": {
          const call = pending.get(event.output_index);
          if (call) call.arguments += event.delta;
          break;
        }
        case "response.function_call_arguments.done": {
          const call = pending.get(event.output_index);
          if (call) call.arguments = event.arguments;
          break;
        }
        case "response.output_item.done":
          if (event.item.type === "function_call") {
            const seen = pending.get(event.output_index);
            pending.delete(event.output_index);
            const item = event.item;
            yield complete({ id: item.call_id || seen?.id || "", name: item.name || seen?.name || "", arguments: item.arguments || seen?.arguments || "" });
          }
          break;
        case "response.completed":
        case "response.incomplete":
          finished = event.response;
          break;
        case "response.failed":
          throw failureFromPayload(event.response.error ?? { message: "the response failed" }, ctx);
        case "error":
          throw failureFromPayload(event, ctx);
      }
    }
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
  if (request.signal.aborted) throw abortedError(ctx);
  if (!finished) throw new ProviderError("the stream ended before the response completed", "network", { provider: config.id, model: request.model });
  for (const [, call] of [...pending.entries()].sort(([a], [b]) => a - b)) yield complete(call);
  yield { type: "done", stopReason: stopReason(finished, emittedCalls > 0), usage: toUsage(finished.usage), responseId: finished.id, responseModel: finished.model };
}
