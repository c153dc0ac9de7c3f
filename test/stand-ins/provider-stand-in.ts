/**
 * A model provider on loopback that speaks the real wire formats (OpenAI chat completions and
 * responses, Anthropic messages, Ollama), replies deterministically and records every request.
 *
 * Replies echo the last user message: `echo: <text after the last "MARK:">`, or the whole text.
 * Markers in the last user message script the behaviour:
 *   MARK:tool[:name] [json]  answer with a call to that tool (default: the first tool offered)
 *   MARK:script [json array] call the tools [{name, args}] one per round, then answer
 *                            `script done: <every tool result since the user's message, joined by " | ">`
 *   MARK:429 / MARK:500      fail the first call for that text (429 with retry-after: 1), then succeed
 *   MARK:always500           fail every time
 *   MARK:stall               send a couple of deltas, then nothing, without closing
 *   MARK:reset               send one delta, then reset the connection
 *   MARK:slow:<ms>           wait between deltas
 *   MARK:long                a long multi-paragraph answer with a code fence
 *   MARK:think               reasoning deltas before the answer
 *   MARK:cache               report half of the prompt as read from the cache
 *   MARK:failed              (responses API) a response.failed event instead of an answer
 * A last message that is a tool result is answered with `tool result: <content>`.
 *
 * Standalone: `node dist/test/stand-ins/provider-stand-in.js --port N` prints `{"port":N}`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pathToFileURL } from "node:url";

export type RecordedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  /** Set when the client went away before the reply was complete. */
  clientClosedEarly: boolean;
};

export type ProviderStandInOptions = {
  port?: number;
  host?: string;
  /** When set, requests must carry it (`Authorization: Bearer` or `x-api-key`) or get a 401. */
  apiKey?: string;
  /** Models listed by GET /v1/models and GET /api/tags. */
  models?: string[];
  /** Pause between stream frames, in milliseconds. */
  delayMs?: number;
  /** The oldest recorded requests are dropped beyond this. */
  maxRecorded?: number;
};

export type ProviderStandIn = {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The next `count` POSTs get this status (and headers/body) instead of an answer. */
  failNext(count: number, status: number, headers?: Record<string, string>, body?: unknown): void;
  setDelay(ms: number): void;
  /** Resolves once `predicate` holds (polled), rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

type Format = "openai" | "responses" | "anthropic" | "ollama";

type ToolDef = { name: string; parameters?: Record<string, unknown> };

/** What a request asks for, whatever its wire format. */
type Turn = {
  model: string;
  stream: boolean;
  /** The text markers are read from; empty when the last message is a tool result. */
  userText: string;
  toolResult?: string;
  /** The last user message's text, also while tool rounds follow it. */
  lastUserText: string;
  /** Tool results after the last user message, oldest first (one per call). */
  resultsSinceUser: string[];
  tools: ToolDef[];
  promptChars: number;
  maxTokens?: number;
  includeUsage: boolean;
};

type ToolCallPlan = { id: string; name: string; arguments: string; fragments: string[] };

type Plan = {
  thinking: string[];
  text: string[];
  toolCall?: ToolCallPlan;
  truncated: boolean;
  stall: boolean;
  reset: boolean;
  failed: boolean;
  delayMs?: number;
  usage: { prompt: number; completion: number; cached: number };
};

type InjectedFailure = { status: number; headers?: Record<string, string>; body?: unknown };

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_DELTAS = 48;
const MAX_SLOW_MS = 10_000;
const MAX_DIMENSIONS = 4096;
const MAX_EMBED_INPUTS = 2048;
const MAX_ONCE_KEYS = 10_000;
const MAX_INJECTED_FAILURES = 1000;
const RESET_FLUSH_MS = 20;

class BadRequest extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A pause that ends early when the client goes away, so no timer outlives its connection. */
function pauseWhileOpen(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once("close", done);
  });
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => {
      const p = part as { type?: unknown; text?: unknown };
      return typeof p?.text === "string" && p.type !== "tool_result" ? p.text : "";
    })
    .join("");
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asNumber = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined);

function requireModel(body: Record<string, unknown>): string {
  if (typeof body.model !== "string" || !body.model) throw new BadRequest("'model' is required");
  return body.model;
}

function toolDefs(tools: unknown, pick: (t: Record<string, unknown>) => ToolDef | undefined): ToolDef[] {
  return asArray(tools)
    .map((t) => pick(asRecord(t)))
    .filter((t): t is ToolDef => !!t && typeof t.name === "string" && t.name.length > 0);
}

/** The last user message's text and the tool results that came after it. */
function sinceUser(messages: Array<Record<string, unknown>>, isUser: (m: Record<string, unknown>) => boolean, results: (m: Record<string, unknown>) => string[]) {
  let at = messages.length - 1;
  while (at >= 0 && !isUser(messages[at])) at--;
  return { lastUserText: at >= 0 ? textOf(messages[at].content) : "", resultsSinceUser: messages.slice(at + 1).flatMap(results) };
}

/** `MARK:script [{name, args}, …]`: one call per round, then a summary of every result. */
function scriptedStep(turn: Turn, nextId: () => number): Pick<Plan, "text" | "toolCall"> | null {
  const at = turn.lastUserText.indexOf("MARK:script");
  if (at < 0) return null;
  let steps: Array<{ name?: unknown; args?: unknown }>;
  try {
    steps = asArray(JSON.parse(turn.lastUserText.slice(at + "MARK:script".length).trim())).map(asRecord);
  } catch {
    return { text: splitDeltas("script error: the steps are not a JSON array") };
  }
  const step = steps[turn.resultsSinceUser.length];
  if (!step) return { text: splitDeltas(`script done: ${turn.resultsSinceUser.join(" | ")}`) };
  const args = JSON.stringify(asRecord(step.args));
  return { text: [], toolCall: { id: String(nextId()), name: String(step.name), arguments: args, fragments: splitFragments(args) } };
}

/** The run of messages at the end that satisfy `pred` (parallel tool results arrive together). */
function trailing(messages: Array<Record<string, unknown>>, pred: (m: Record<string, unknown>) => boolean): Array<Record<string, unknown>> {
  let start = messages.length;
  while (start > 0 && pred(messages[start - 1])) start--;
  return messages.slice(start);
}

/** OpenAI chat completions and Ollama's /api/chat share the message shape; only a few fields differ. */
function chatMessagesTurn(body: Record<string, unknown>, differ: { emptyMessages: string; stream: boolean; maxTokens?: number; includeUsage: boolean }): Turn {
  const model = requireModel(body);
  const messages = asArray(body.messages).map(asRecord);
  if (messages.length === 0) throw new BadRequest(differ.emptyMessages);
  const results = trailing(messages, (m) => m.role === "tool");
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  return {
    model,
    stream: differ.stream,
    userText: results.length > 0 ? "" : textOf(lastUser?.content),
    toolResult: results.length > 0 ? results.map((m) => textOf(m.content)).join("\n") : undefined,
    ...sinceUser(messages, (m) => m.role === "user", (m) => (m.role === "tool" ? [textOf(m.content)] : [])),
    tools: toolDefs(body.tools, (t) => {
      const f = asRecord(t.function);
      return { name: f.name as string, parameters: asRecord(f.parameters) };
    }),
    promptChars: messages.reduce((n, m) => n + textOf(m.content).length, 0),
    maxTokens: differ.maxTokens,
    includeUsage: differ.includeUsage,
  };
}

function openaiTurn(body: Record<string, unknown>): Turn {
  return chatMessagesTurn(body, {
    emptyMessages: "'messages' must be a non-empty array",
    stream: body.stream === true,
    maxTokens: asNumber(body.max_completion_tokens) ?? asNumber(body.max_tokens),
    includeUsage: asRecord(body.stream_options).include_usage === true,
  });
}

function responsesTurn(body: Record<string, unknown>): Turn {
  const model = requireModel(body);
  const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : asArray(body.input).map(asRecord);
  if (input.length === 0) throw new BadRequest("'input' must be a string or a non-empty array");
  const results = trailing(input, (m) => m.type === "function_call_output");
  const lastUser = [...input].reverse().find((m) => m.role === "user");
  return {
    model,
    stream: body.stream === true,
    userText: results.length > 0 ? "" : textOf(lastUser?.content),
    toolResult: results.length > 0 ? results.map((m) => (typeof m.output === "string" ? m.output : textOf(m.output))).join("\n") : undefined,
    ...sinceUser(input, (m) => m.role === "user", (m) => (m.type === "function_call_output" ? [typeof m.output === "string" ? m.output : textOf(m.output)] : [])),
    tools: toolDefs(body.tools, (t) => (t.type === "function" ? { name: t.name as string, parameters: asRecord(t.parameters) } : undefined)),
    promptChars: (typeof body.instructions === "string" ? body.instructions.length : 0) + input.reduce((n, m) => n + textOf(m.content).length, 0),
    maxTokens: asNumber(body.max_output_tokens),
    includeUsage: true,
  };
}

function anthropicTurn(body: Record<string, unknown>): Turn {
  const model = requireModel(body);
  if (asNumber(body.max_tokens) === undefined) throw new BadRequest("max_tokens: Field required");
  const messages = asArray(body.messages).map(asRecord);
  if (messages.length === 0) throw new BadRequest("messages: at least one message is required");
  const last = messages[messages.length - 1];
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const results = asArray(last.content).map(asRecord).filter((b) => b.type === "tool_result");
  const isToolResult = last.role === "user" && results.length > 0 && !textOf(last.content);
  const system = typeof body.system === "string" ? body.system : textOf(body.system);
  return {
    model,
    stream: body.stream === true,
    userText: isToolResult ? "" : textOf(lastUser?.content),
    toolResult: isToolResult ? results.map((r) => textOf(r.content)).join("\n") : undefined,
    ...sinceUser(
      messages,
      (m) => m.role === "user" && textOf(m.content) !== "",
      (m) => (m.role === "user" ? asArray(m.content).map(asRecord).filter((b) => b.type === "tool_result").map((b) => textOf(b.content)) : []),
    ),
    tools: toolDefs(body.tools, (t) => ({ name: t.name as string, parameters: asRecord(t.input_schema) })),
    promptChars: system.length + messages.reduce((n, m) => n + textOf(m.content).length, 0),
    maxTokens: asNumber(body.max_tokens),
    includeUsage: true,
  };
}

function ollamaTurn(body: Record<string, unknown>): Turn {
  return chatMessagesTurn(body, { emptyMessages: "messages are required", stream: body.stream !== false, maxTokens: asNumber(asRecord(body.options).num_predict), includeUsage: true });
}

function markerTokens(text: string): string[] {
  return [...text.matchAll(/MARK:(\S+)/g)].map((m) => m[1]);
}

/** Splits text into at most MAX_DELTAS pieces at whitespace; the pieces concatenate back to it. */
function splitDeltas(text: string): string[] {
  const words = text.split(/(?=\s)/).filter((w) => w.length > 0);
  const size = Math.max(1, Math.ceil(words.length / MAX_DELTAS));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out;
}

function splitFragments(text: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [""];
}

function longAnswer(): string {
  const paragraphs: string[] = [];
  for (let p = 1; p <= 10; p++) {
    const sentences: string[] = [];
    for (let s = 1; s <= 6; s++) sentences.push(`Sentence ${s} of paragraph ${p} keeps this long answer deterministic and long enough to be split.`);
    paragraphs.push(`Paragraph ${p}. ${sentences.join(" ")}`);
    if (p === 5) paragraphs.push("```js\nfor (let i = 0; i < 3; i++) {\n  console.log(`line ${i}`);\n}\n```");
  }
  return paragraphs.join("\n\n");
}

function sampleValue(schema: Record<string, unknown>, text: string): unknown {
  switch (schema.type) {
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return text || "stand-in";
  }
}

function toolArguments(rest: string, tool: ToolDef | undefined): string {
  try {
    const parsed: unknown = JSON.parse(rest);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return JSON.stringify(parsed);
  } catch {
    // Not JSON: fill the tool's schema with the text instead.
  }
  if (!tool) return JSON.stringify({ text: rest });
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(asRecord(tool.parameters?.properties))) args[name] = sampleValue(asRecord(schema), rest);
  return JSON.stringify(args);
}

function planReply(turn: Turn, nextId: () => number): Plan {
  const prompt = Math.max(1, Math.ceil(turn.promptChars / 4));
  const base: Plan = { thinking: [], text: [], truncated: false, stall: false, reset: false, failed: false, usage: { prompt, completion: 0, cached: 0 } };
  const scripted = scriptedStep(turn, nextId);
  if (scripted) {
    Object.assign(base, scripted);
  } else if (turn.toolResult !== undefined) {
    base.text = splitDeltas(`tool result: ${turn.toolResult}`);
  } else {
    const text = turn.userText;
    const tokens = markerTokens(text);
    const has = (name: string) => tokens.includes(name);
    const lastMark = text.lastIndexOf("MARK:");
    const subject = lastMark >= 0 ? text.slice(lastMark + 5) : text;
    const slow = tokens.find((t) => t.startsWith("slow:"));
    if (slow) base.delayMs = Math.min(MAX_SLOW_MS, Math.max(0, Number.parseInt(slow.slice(5), 10) || 0));
    base.stall = has("stall");
    base.reset = has("reset");
    base.failed = has("failed");
    if (has("cache")) base.usage.cached = Math.floor(prompt / 2);
    if (has("think")) base.thinking = splitDeltas(`thinking about: ${subject}`);
    const toolToken = tokens.find((t) => t === "tool" || t.startsWith("tool:"));
    if (toolToken) {
      const wanted = toolToken.length > 5 ? toolToken.slice(5) : undefined;
      const offered = wanted ? turn.tools.find((t) => t.name === wanted) : turn.tools[0];
      const at = text.indexOf(`MARK:${toolToken}`);
      const rest = text.slice(at + 5 + toolToken.length).replace(/MARK:\S+/g, "").trim();
      const args = toolArguments(rest, offered);
      base.toolCall = { id: String(nextId()), name: wanted ?? offered?.name ?? "echo", arguments: args, fragments: splitFragments(args) };
    } else {
      base.text = splitDeltas(has("long") ? longAnswer() : `echo: ${subject}`);
    }
  }
  if (turn.maxTokens !== undefined && base.thinking.length + base.text.length > turn.maxTokens) {
    base.text = base.text.slice(0, Math.max(0, turn.maxTokens - base.thinking.length));
    base.toolCall = undefined;
    base.truncated = true;
  }
  base.usage.completion = Math.max(1, base.thinking.length + base.text.length + (base.toolCall?.fragments.length ?? 0));
  return base;
}

const OPENAI_ERROR_TYPES: Record<number, [string, string]> = {
  400: ["invalid_request_error", "invalid_request"],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "permission_denied"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["requests", "rate_limit_exceeded"],
};

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function errorBody(format: Format, status: number, message: string): unknown {
  if (format === "anthropic") return { type: "error", error: { type: ANTHROPIC_ERROR_TYPES[status] ?? "api_error", message } };
  if (format === "ollama") return { error: message };
  const [type, code] = OPENAI_ERROR_TYPES[status] ?? ["server_error", "server_error"];
  return { error: { message, type, param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sse(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}

/** Stream frames; `firstDelta` is the index of the first one carrying model output (-1: none). */
type Frames = { frames: string[]; firstDelta: number; contentType: string };

/** Collects frames and remembers where the model output starts, for stall, reset and delays. */
function frameList() {
  const frames: string[] = [];
  let firstDelta = -1;
  return {
    frames,
    push: (frame: string) => void frames.push(frame),
    delta: (frame: string) => {
      if (firstDelta < 0) firstDelta = frames.length;
      frames.push(frame);
    },
    done: (contentType: string): Frames => ({ frames, firstDelta, contentType }),
  };
}

function openaiUsage(plan: Plan) {
  const { prompt, completion, cached } = plan.usage;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: plan.thinking.length, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openaiFinish(plan: Plan): string {
  return plan.truncated ? "length" : plan.toolCall ? "tool_calls" : "stop";
}

function openaiFrames(turn: Turn, plan: Plan, id: string): Frames {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: turn.model,
    system_fingerprint: "fp_stand_in",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(turn.includeUsage && { usage: null }),
  });
  const out = frameList();
  out.push(sse(undefined, chunk({ role: "assistant", content: "" })));
  for (const piece of plan.thinking) out.delta(sse(undefined, chunk({ reasoning_content: piece })));
  for (const piece of plan.text) out.delta(sse(undefined, chunk({ content: piece })));
  const call = plan.toolCall;
  if (call) {
    out.delta(sse(undefined, chunk({ tool_calls: [{ index: 0, id: `call_${call.id}`, type: "function", function: { name: call.name, arguments: "" } }] })));
    for (const fragment of call.fragments) out.delta(sse(undefined, chunk({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })));
  }
  out.push(sse(undefined, chunk({}, openaiFinish(plan))));
  if (turn.includeUsage) {
    out.push(sse(undefined, { id, object: "chat.completion.chunk", created, model: turn.model, system_fingerprint: "fp_stand_in", choices: [], usage: openaiUsage(plan) }));
  }
  out.push("data: [DONE]\n\n");
  return out.done("text/event-stream");
}

function openaiCompletion(turn: Turn, plan: Plan, id: string): unknown {
  const call = plan.toolCall;
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: turn.model,
    system_fingerprint: "fp_stand_in",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: call ? null : plan.text.join(""),
          refusal: null,
          ...(plan.thinking.length > 0 && { reasoning_content: plan.thinking.join("") }),
          ...(call && { tool_calls: [{ id: `call_${call.id}`, type: "function", function: { name: call.name, arguments: call.arguments } }] }),
        },
        logprobs: null,
        finish_reason: openaiFinish(plan),
      },
    ],
    usage: openaiUsage(plan),
  };
}

function responsesOutput(plan: Plan, id: string) {
  const items: Array<Record<string, unknown>> = [];
  if (plan.thinking.length > 0) {
    items.push({ id: `rs_${id}`, type: "reasoning", summary: [{ type: "summary_text", text: plan.thinking.join("") }] });
  }
  if (plan.text.length > 0) {
    items.push({
      id: `msg_${id}`,
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: plan.text.join(""), annotations: [], logprobs: [] }],
    });
  }
  if (plan.toolCall) {
    const call = plan.toolCall;
    items.push({ id: `fc_${call.id}`, type: "function_call", status: "completed", call_id: `call_${call.id}`, name: call.name, arguments: call.arguments });
  }
  return items;
}

function responseObject(turn: Turn, plan: Plan, id: string, status: string, output: unknown[]): Record<string, unknown> {
  const { prompt, completion, cached } = plan.usage;
  const done = status !== "in_progress";
  return {
    id: `resp_${id}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: plan.truncated && done ? { reason: "max_output_tokens" } : null,
    instructions: null,
    max_output_tokens: turn.maxTokens ?? null,
    model: turn.model,
    output,
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    usage: done
      ? {
          input_tokens: prompt,
          input_tokens_details: { cached_tokens: cached },
          output_tokens: completion,
          output_tokens_details: { reasoning_tokens: plan.thinking.length },
          total_tokens: prompt + completion,
        }
      : null,
  };
}

function responsesFrames(turn: Turn, plan: Plan, id: string): Frames {
  let seq = 0;
  const event = (type: string, data: Record<string, unknown>) => sse(type, { type, sequence_number: seq++, ...data });
  const out = frameList();
  out.push(event("response.created", { response: responseObject(turn, plan, id, "in_progress", []) }));
  out.push(event("response.in_progress", { response: responseObject(turn, plan, id, "in_progress", []) }));
  if (plan.failed) {
    const failed = { ...responseObject(turn, plan, id, "failed", []), error: { code: "server_error", message: "The stand-in failed this response." } };
    out.push(event("response.failed", { response: failed }));
    return out.done("text/event-stream");
  }
  const output = responsesOutput(plan, id);
  output.forEach((item, index) => {
    if (item.type === "reasoning") {
      out.push(event("response.output_item.added", { output_index: index, item: { ...item, summary: [] } }));
      for (const delta of plan.thinking) out.delta(event("response.reasoning_summary_text.delta", { item_id: item.id, output_index: index, summary_index: 0, delta }));
      out.push(event("response.output_item.done", { output_index: index, item }));
    } else if (item.type === "message") {
      const text = plan.text.join("");
      out.push(event("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", content: [] } }));
      out.push(event("response.content_part.added", { item_id: item.id, output_index: index, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }));
      for (const delta of plan.text) out.delta(event("response.output_text.delta", { item_id: item.id, output_index: index, content_index: 0, delta, logprobs: [] }));
      out.push(event("response.output_text.done", { item_id: item.id, output_index: index, content_index: 0, text, logprobs: [] }));
      out.push(event("response.content_part.done", { item_id: item.id, output_index: index, content_index: 0, part: { type: "output_text", text, annotations: [] } }));
      out.push(event("response.output_item.done", { output_index: index, item }));
    } else {
      out.push(event("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", arguments: "" } }));
      for (const delta of plan.toolCall?.fragments ?? []) out.delta(event("response.function_call_arguments.delta", { item_id: item.id, output_index: index, delta }));
      out.push(event("response.function_call_arguments.done", { item_id: item.id, output_index: index, arguments: item.arguments }));
      out.push(event("response.output_item.done", { output_index: index, item }));
    }
  });
  const status = plan.truncated ? "incomplete" : "completed";
  out.push(event(`response.${status}`, { response: responseObject(turn, plan, id, status, output) }));
  return out.done("text/event-stream");
}

function anthropicStop(plan: Plan): string {
  return plan.truncated ? "max_tokens" : plan.toolCall ? "tool_use" : "end_turn";
}

function anthropicUsage(plan: Plan, output: number) {
  const { prompt, cached } = plan.usage;
  return { input_tokens: prompt - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: output };
}

function anthropicFrames(turn: Turn, plan: Plan, id: string): Frames {
  const message = { id: `msg_${id}`, type: "message", role: "assistant", model: turn.model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsage(plan, 1) };
  const out = frameList();
  out.push(sse("message_start", { type: "message_start", message }));
  out.push(sse("ping", { type: "ping" }));
  let index = 0;
  if (plan.thinking.length > 0) {
    out.push(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }));
    for (const thinking of plan.thinking) out.delta(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking } }));
    out.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "signature_delta", signature: "stand-in" } }));
    out.push(sse("content_block_stop", { type: "content_block_stop", index: index++ }));
  }
  if (plan.text.length > 0) {
    out.push(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
    for (const text of plan.text) out.delta(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text } }));
    out.push(sse("content_block_stop", { type: "content_block_stop", index: index++ }));
  }
  const call = plan.toolCall;
  if (call) {
    out.push(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: `toolu_${call.id}`, name: call.name, input: {} } }));
    for (const partial_json of call.fragments) out.delta(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }));
    out.push(sse("content_block_stop", { type: "content_block_stop", index: index++ }));
  }
  out.push(sse("message_delta", { type: "message_delta", delta: { stop_reason: anthropicStop(plan), stop_sequence: null }, usage: { output_tokens: plan.usage.completion } }));
  out.push(sse("message_stop", { type: "message_stop" }));
  return out.done("text/event-stream");
}

function anthropicMessage(turn: Turn, plan: Plan, id: string): unknown {
  const content: unknown[] = [];
  if (plan.thinking.length > 0) content.push({ type: "thinking", thinking: plan.thinking.join(""), signature: "stand-in" });
  if (plan.text.length > 0) content.push({ type: "text", text: plan.text.join(""), citations: null });
  if (plan.toolCall) content.push({ type: "tool_use", id: `toolu_${plan.toolCall.id}`, name: plan.toolCall.name, input: JSON.parse(plan.toolCall.arguments) });
  const usage = anthropicUsage(plan, plan.usage.completion);
  return { id: `msg_${id}`, type: "message", role: "assistant", model: turn.model, content, stop_reason: anthropicStop(plan), stop_sequence: null, usage };
}

function ollamaFinal(turn: Turn, plan: Plan) {
  return {
    model: turn.model,
    created_at: new Date().toISOString(),
    done: true,
    done_reason: plan.truncated ? "length" : "stop",
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: plan.usage.prompt,
    prompt_eval_duration: 200_000,
    eval_count: plan.usage.completion,
    eval_duration: 700_000,
  };
}

function ollamaToolCalls(plan: Plan) {
  return plan.toolCall ? [{ function: { name: plan.toolCall.name, arguments: JSON.parse(plan.toolCall.arguments) as unknown } }] : undefined;
}

function ollamaFrames(turn: Turn, plan: Plan): Frames {
  const line = (message: Record<string, unknown>) =>
    `${JSON.stringify({ model: turn.model, created_at: new Date().toISOString(), message: { role: "assistant", content: "", ...message }, done: false })}\n`;
  const out = frameList();
  for (const thinking of plan.thinking) out.delta(line({ thinking }));
  for (const content of plan.text) out.delta(line({ content }));
  const calls = ollamaToolCalls(plan);
  if (calls) out.delta(line({ tool_calls: calls }));
  out.push(`${JSON.stringify({ ...ollamaFinal(turn, plan), message: { role: "assistant", content: "" } })}\n`);
  return out.done("application/x-ndjson");
}

function ollamaMessage(turn: Turn, plan: Plan): unknown {
  const calls = ollamaToolCalls(plan);
  const message = { role: "assistant", content: plan.text.join(""), ...(plan.thinking.length > 0 && { thinking: plan.thinking.join("") }), ...(calls && { tool_calls: calls }) };
  return { ...ollamaFinal(turn, plan), message };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Spreads the bits of one hash so neighbouring dimensions are unrelated (murmur3's finalizer). */
function mix(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A unit vector derived from the text alone, so equal texts embed equally. */
function embedding(text: string, dimensions: number): number[] {
  const seed = fnv1a(text);
  const raw: number[] = [];
  for (let d = 0; d < dimensions; d++) raw.push(mix(seed + Math.imul(d + 1, 0x9e3779b9)) / 0xffffffff - 0.5);
  const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) || 1;
  return raw.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

function embeddingInputs(input: unknown): string[] {
  if (typeof input === "string") return [input];
  const list = asArray(input);
  if (list.length === 0) throw new BadRequest("'input' must be a string or a non-empty array");
  if (list.length > MAX_EMBED_INPUTS) throw new BadRequest(`'input' may hold at most ${MAX_EMBED_INPUTS} items`);
  return list.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
}

function dimensionsOf(value: unknown): number {
  const d = asNumber(value);
  return d === undefined ? 8 : Math.min(MAX_DIMENSIONS, Math.floor(d));
}

function base64Vector(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string" && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "");
  const key = headers["x-api-key"];
  return typeof key === "string" ? key : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RangeError("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const ROUTES: Record<string, Format> = {
  "POST /v1/chat/completions": "openai",
  "POST /v1/embeddings": "openai",
  "POST /v1/responses": "responses",
  "POST /v1/messages": "anthropic",
  "POST /api/chat": "ollama",
  "POST /api/embed": "ollama",
};

export async function startProviderStandIn(opts: ProviderStandInOptions = {}): Promise<ProviderStandIn> {
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const failedOnce = new Set<string>();
  const sockets = new Set<Socket>();
  const models = opts.models ?? ["echo"];
  const maxRecorded = opts.maxRecorded ?? 1000;
  let delayMs = opts.delayMs ?? 0;
  let counter = 0;
  const nextId = () => ++counter;

  async function sendFrames(res: ServerResponse, { frames, firstDelta, contentType }: Frames, plan: Plan, record: { serverReset: boolean }): Promise<void> {
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache", connection: "keep-alive" });
    const pause = plan.delayMs ?? delayMs;
    if (!plan.stall && !plan.reset && pause === 0) {
      res.end(frames.join(""));
      return;
    }
    const start = firstDelta < 0 ? frames.length : firstDelta;
    const limit = plan.reset ? start + 1 : plan.stall ? start + 2 : frames.length;
    for (let i = 0; i < Math.min(limit, frames.length); i++) {
      if (i > start && pause > 0) await pauseWhileOpen(pause, res);
      if (res.destroyed) return;
      res.write(frames[i]);
    }
    if (plan.reset) {
      await pauseWhileOpen(RESET_FLUSH_MS, res);
      record.serverReset = true;
      res.socket?.resetAndDestroy();
    } else if (!plan.stall) res.end();
  }

  function scriptedFailure(format: Format, key: string, text: string): InjectedFailure | undefined {
    const tokens = markerTokens(text);
    if (tokens.includes("always500")) return { status: 500, body: errorBody(format, 500, "The stand-in always fails this request.") };
    for (const [marker, status, headers] of [["429", 429, { "retry-after": "1" }], ["500", 500, undefined]] as const) {
      if (!tokens.includes(marker)) continue;
      const onceKey = `${marker}|${key}|${text}`;
      if (failedOnce.has(onceKey)) continue;
      if (failedOnce.size >= MAX_ONCE_KEYS) failedOnce.clear();
      failedOnce.add(onceKey);
      return { status, headers, body: errorBody(format, status, status === 429 ? "Rate limit reached, retry after 1s." : "The stand-in failed once.") };
    }
    return undefined;
  }

  async function generate(format: Format, path: string, body: Record<string, unknown>, res: ServerResponse, record: { serverReset: boolean }): Promise<void> {
    const turn = format === "openai" ? openaiTurn(body) : format === "responses" ? responsesTurn(body) : format === "anthropic" ? anthropicTurn(body) : ollamaTurn(body);
    const scripted = scriptedFailure(format, path, turn.userText);
    if (scripted) return sendJson(res, scripted.status, scripted.body, scripted.headers);
    const plan = planReply(turn, nextId);
    const id = `stand_in_${nextId()}`;
    if (!turn.stream) {
      if (plan.stall) return;
      if (plan.reset) {
        record.serverReset = true;
        res.socket?.resetAndDestroy();
        return;
      }
      const reply =
        format === "openai" ? openaiCompletion(turn, plan, `chatcmpl-${id}`)
        : format === "responses" ? responseObject(turn, plan, id, plan.truncated ? "incomplete" : "completed", responsesOutput(plan, id))
        : format === "anthropic" ? anthropicMessage(turn, plan, id)
        : ollamaMessage(turn, plan);
      return sendJson(res, 200, reply);
    }
    const frames =
      format === "openai" ? openaiFrames(turn, plan, `chatcmpl-${id}`)
      : format === "responses" ? responsesFrames(turn, plan, id)
      : format === "anthropic" ? anthropicFrames(turn, plan, id)
      : ollamaFrames(turn, plan);
    await sendFrames(res, frames, plan, record);
  }

  function embed(format: Format, body: Record<string, unknown>, res: ServerResponse): void {
    const model = requireModel(body);
    const inputs = embeddingInputs(body.input);
    const dimensions = dimensionsOf(body.dimensions);
    const vectors = inputs.map((text) => embedding(text, dimensions));
    const tokens = inputs.reduce((n, text) => n + Math.max(1, Math.ceil(text.length / 4)), 0);
    if (format === "ollama") return sendJson(res, 200, { model, embeddings: vectors, total_duration: 1_000_000, load_duration: 100_000, prompt_eval_count: tokens });
    const base64 = body.encoding_format === "base64";
    sendJson(res, 200, {
      object: "list",
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? base64Vector(v) : v })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function listModels(path: string, res: ServerResponse): boolean {
    if (path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "stand-in" })) });
      return true;
    }
    if (path === "/api/tags") {
      const details = { format: "gguf", family: "stand-in", families: ["stand-in"], parameter_size: "1B", quantization_level: "Q4_0" };
      sendJson(res, 200, { models: models.map((name) => ({ name, model: name, modified_at: new Date(0).toISOString(), size: 1, digest: "0".repeat(64), details })) });
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    const route = `${method} ${path}`;
    const format: Format = ROUTES[route] ?? (path.startsWith("/api/") ? "ollama" : path === "/v1/messages" ? "anthropic" : "openai");
    let raw = "";
    try {
      raw = await readBody(req);
    } catch {
      return sendJson(res, 413, errorBody(format, 413, "request body too large"));
    }
    let body: unknown = raw;
    let parsed = true;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        parsed = false;
      }
    }
    const record: RecordedRequest & { serverReset: boolean } = { method, path, headers: req.headers, body, clientClosedEarly: false, serverReset: false };
    requests.push(record);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
    res.on("close", () => {
      if (!res.writableFinished && !record.serverReset) record.clientClosedEarly = true;
    });

    if (opts.apiKey) {
      const key = presentedKey(req.headers);
      // Echoed in full on purpose: tests check that our errors scrub whatever the server sends back.
      if (key !== opts.apiKey) return sendJson(res, 401, errorBody(format, 401, key ? `Incorrect API key provided: ${key}.` : "Missing API key."));
    }
    if (method === "GET" && listModels(path, res)) return;
    if (!ROUTES[route]) return sendJson(res, 404, errorBody(format, 404, `no route for ${route}`));
    const injected = failures.shift();
    if (injected) {
      return sendJson(res, injected.status, injected.body ?? errorBody(format, injected.status, `stand-in failure ${injected.status}`), injected.headers);
    }
    if (!parsed || !body || typeof body !== "object" || Array.isArray(body)) return sendJson(res, 400, errorBody(format, 400, "the body must be a JSON object"));
    const json = body as Record<string, unknown>;
    try {
      if (path === "/v1/embeddings" || path === "/api/embed") embed(format, json, res);
      else await generate(format, path, json, res, record);
    } catch (error) {
      if (!(error instanceof BadRequest) || res.headersSent) throw error;
      sendJson(res, 400, errorBody(format, 400, error.message));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody("openai", 500, error instanceof Error ? error.message : String(error)));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext(count, status, headers, body) {
      for (let i = 0; i < Math.min(count, MAX_INJECTED_FAILURES); i++) failures.push({ status, headers, body });
    },
    setDelay(ms) {
      delayMs = Math.max(0, Math.min(MAX_SLOW_MS, ms));
    },
    async waitFor(predicate, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const standIn = await startProviderStandIn({
    port: Number(argValue(args, "--port") ?? 0),
    host: argValue(args, "--host"),
    apiKey: argValue(args, "--api-key"),
    delayMs: Number(argValue(args, "--delay") ?? 0),
    maxRecorded: 100,
  });
  process.stdout.write(`${JSON.stringify({ port: standIn.port })}\n`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
