import { randomBytes } from "node:crypto";
import { abortedError, classifyFailure, failureFromPayload, failureFromStatus, type FailureContext } from "./failure.js";
import { ProviderError, type ModelRequest, type ProviderClient, type ProviderConfig, type StopReason, type StreamEvent, type ToolCall } from "./types.js";

/** A single NDJSON line larger than this means the server is not speaking Ollama. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const MAX_ERROR_BODY_CHARS = 64 * 1024;

type OllamaMessage = {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  tool_name?: string;
};

type OllamaChunk = {
  model?: string;
  message?: { content?: string; thinking?: string; tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: unknown } }> };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: unknown;
};

export async function createOllamaClient(config: ProviderConfig): Promise<ProviderClient> {
  // Native API only: a /v1 suffix would point at Ollama's OpenAI shim, where tool calling breaks.
  const root = config.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  return {
    config,
    stream: (request) => streamChat(root, config, request),
    embed: (request) => embedTexts(root, config, request),
  };
}

function headersFor(config: ProviderConfig): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json", ...config.headers };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  return headers;
}

function parseArguments(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toOllamaMessages(request: Pick<ModelRequest, "system" | "messages">): OllamaMessage[] {
  const out: OllamaMessage[] = [];
  if (request.system) out.push({ role: "system", content: request.system });
  for (const m of request.messages) {
    if (m.role === "user") out.push({ role: "user", content: m.content });
    else if (m.role === "tool") out.push({ role: "tool", content: m.content, ...(m.name && { tool_name: m.name }) });
    else {
      const message: OllamaMessage = { role: "assistant", content: m.content };
      if (m.toolCalls?.length) message.tool_calls = m.toolCalls.map((c) => ({ function: { name: c.name, arguments: parseArguments(c.arguments) } }));
      out.push(message);
    }
  }
  return out;
}

/** Ollama's `format` is "json" or a JSON schema; the chat-completions response_format shapes map onto it. */
function toFormat(format: unknown): unknown {
  const f = format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (f?.type === "json_object") return "json";
  if (f?.type === "json_schema") return f.json_schema?.schema;
  return undefined;
}

function requestBody(request: ModelRequest): Record<string, unknown> {
  const options: Record<string, unknown> = {
    temperature: request.temperature,
    top_p: request.topP,
    num_predict: request.maxTokens,
    seed: request.seed,
    stop: request.stop,
    frequency_penalty: request.frequencyPenalty,
    presence_penalty: request.presencePenalty,
  };
  const body: Record<string, unknown> = { model: request.model, messages: toOllamaMessages(request), stream: true, options };
  if (request.tools?.length && request.toolChoice !== "none") {
    body.tools = request.tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters ?? { type: "object", properties: {} } },
    }));
  }
  const format = toFormat(request.responseFormat);
  if (format !== undefined) body.format = format;
  return body;
}

async function failureFromResponse(res: Response, ctx: FailureContext): Promise<ProviderError> {
  let text = "";
  try {
    text = (await res.text()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // The status alone still classifies the failure.
  }
  let message = text || res.statusText || "request failed";
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") message = parsed.error;
    else if (parsed.error && typeof (parsed.error as { message?: unknown }).message === "string") message = (parsed.error as { message: string }).message;
  } catch {
    // Not JSON: keep the raw text.
  }
  return failureFromStatus(res.status, message, res.headers, ctx);
}

async function* ndjson(body: ReadableStream<Uint8Array>, ctx: FailureContext): AsyncGenerator<OllamaChunk> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      ended = done;
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) yield parseLine(line, ctx);
      }
      if (buffer.length > MAX_LINE_BYTES) throw new ProviderError("an NDJSON line exceeded the size limit", "server_error", { provider: ctx.provider, model: ctx.model });
      if (done) break;
    }
    if (buffer.trim()) yield parseLine(buffer.trim(), ctx);
  } finally {
    // Stopping early (done line seen, error, abort) must not leave the connection half-read.
    if (!ended) reader.cancel().catch(() => {});
  }
}

function parseLine(line: string, ctx: FailureContext): OllamaChunk {
  try {
    return JSON.parse(line) as OllamaChunk;
  } catch {
    throw new ProviderError(`not an NDJSON line: ${line.slice(0, 80)}`, "server_error", { provider: ctx.provider, model: ctx.model });
  }
}

function toToolCall(raw: { id?: string; function?: { name?: string; arguments?: unknown } }): ToolCall {
  const args = raw.function?.arguments;
  return {
    id: raw.id || `call_${randomBytes(6).toString("hex")}`,
    name: raw.function?.name ?? "",
    arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
  };
}

function stopReason(doneReason: string | undefined, hasToolCalls: boolean): StopReason {
  if (doneReason === "length") return "length";
  return hasToolCalls ? "tool_calls" : "stop";
}

async function* streamChat(root: string, config: ProviderConfig, request: ModelRequest): AsyncGenerator<StreamEvent> {
  const ctx: FailureContext = { provider: config.id, model: request.model, apiKey: config.apiKey, signal: request.signal };
  let last: OllamaChunk | undefined;
  let toolCalls = 0;
  try {
    const res = await fetch(`${root}/api/chat`, { method: "POST", headers: headersFor(config), body: JSON.stringify(requestBody(request)), signal: request.signal });
    if (!res.ok || !res.body) throw await failureFromResponse(res, ctx);
    for await (const chunk of ndjson(res.body, ctx)) {
      if (chunk.error !== undefined) throw failureFromPayload({ error: chunk.error }, ctx);
      const message = chunk.message;
      if (message?.thinking) yield { type: "thinking", delta: message.thinking };
      if (message?.content) yield { type: "text", delta: message.content };
      for (const raw of message?.tool_calls ?? []) {
        toolCalls++;
        yield { type: "tool_call", call: toToolCall(raw) };
      }
      if (chunk.done) {
        last = chunk;
        break;
      }
    }
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
  if (request.signal.aborted) throw abortedError(ctx);
  if (!last) throw new ProviderError("the stream ended before Ollama reported done", "network", { provider: config.id, model: request.model });
  const input = last.prompt_eval_count ?? 0;
  const output = last.eval_count ?? 0;
  yield {
    type: "done",
    stopReason: stopReason(last.done_reason, toolCalls > 0),
    usage: { input, output, cacheRead: 0, cacheWrite: 0, total: input + output },
    responseModel: last.model,
  };
}

async function embedTexts(
  root: string,
  config: ProviderConfig,
  request: { model: string; input: string[]; dimensions?: number; signal: AbortSignal },
): Promise<{ vectors: number[][]; promptTokens: number }> {
  const signal = config.timeoutMs > 0 ? AbortSignal.any([request.signal, AbortSignal.timeout(config.timeoutMs)]) : request.signal;
  const ctx: FailureContext = { provider: config.id, model: request.model, apiKey: config.apiKey, signal: request.signal };
  try {
    const res = await fetch(`${root}/api/embed`, {
      method: "POST",
      headers: headersFor(config),
      body: JSON.stringify({ model: request.model, input: request.input, ...(request.dimensions && { dimensions: request.dimensions }) }),
      signal,
    });
    if (!res.ok) throw await failureFromResponse(res, ctx);
    const body = (await res.json()) as { embeddings?: unknown; prompt_eval_count?: unknown };
    if (!Array.isArray(body.embeddings)) throw new ProviderError("the embed response has no embeddings", "server_error", { provider: config.id, model: request.model });
    return { vectors: body.embeddings as number[][], promptTokens: typeof body.prompt_eval_count === "number" ? body.prompt_eval_count : 0 };
  } catch (error) {
    throw classifyFailure(error, ctx);
  }
}
