import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ToolCall, Usage } from "../../agents/providers/types.js";
import type { RunOutcome, StreamParams } from "../../agents/types.js";
import type { GatewayContext } from "../../server/context.js";
import { readJsonBody, sendBodyFailure } from "../body.js";
import { authenticateHttp, CHAT_SEND_SCOPES, requireScope } from "../http-auth.js";
import { NO_RESPONSE_TEXT, startAgentTurn, type AgentTurn } from "./agent-run.js";
import { callerToolCalls, selectClientTools, TOOL_CHOICE_UNSATISFIED_MESSAGE, toolChoiceSatisfied, type ClientToolSelection } from "./client-tools.js";
import { failureOfOutcome, failureOfThrown, sendApiError, sendApiJson, sendMethodNotAllowed, typeName, type MappedFailure, type Parsed } from "./errors.js";
import { DEFAULT_IMAGE_LIMITS, FILE_MAX_BYTES } from "./input-media.js";
import { conversationFromResponsesInput, flattenConversation, type Conversation, type ResponsesMediaLimits } from "./prompt.js";
import { responseSessionsOf } from "./response-sessions.js";
import { responsesStreamParams } from "./sampling.js";
import { SseWriter } from "./sse.js";
import { buildTurnRequest, resolveTurnTarget } from "./turn-target.js";

export const RESPONSES_PATH = "/v1/responses";
export const MISSING_USER_INPUT_MESSAGE = "Missing user message in `input`.";
const BASE_MAX_BODY_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_URL_PARTS = 8;

const ALLOWED_FIELDS = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "text",
  "stream",
  "max_output_tokens",
  "max_tool_calls",
  "user",
  "temperature",
  "top_p",
  "metadata",
  "store",
  "previous_response_id",
  "reasoning",
  "truncation",
]);

type ResponsesRequest = {
  model: string;
  stream: boolean;
  user?: string;
  previousResponseId?: string;
  conversation: Conversation;
  streamParams: StreamParams;
  tools: ClientToolSelection;
};

type Body = Record<string, unknown>;

function expected(path: string, kind: string, value: unknown): Parsed<never> {
  return { ok: false, message: `${path}: Expected ${kind}, received ${typeName(value)}` };
}

function optionalOf(b: Body, key: string, kind: "string" | "boolean" | "object"): Parsed<never> | null {
  const value = b[key];
  if (value === undefined || value === null) return null;
  const matches = kind === "object" ? typeof value === "object" && !Array.isArray(value) : typeof value === kind;
  return matches ? null : expected(key, kind, value);
}

function parseResponsesRequest(body: unknown, limits: ResponsesMediaLimits): Parsed<ResponsesRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return expected("body", "object", body);
  const b = body as Body;
  const unknown = Object.keys(b).filter((key) => !ALLOWED_FIELDS.has(key));
  if (unknown.length > 0) return { ok: false, message: `Unrecognized key(s) in object: ${unknown.map((k) => `'${k}'`).join(", ")}` };
  if (b.model === undefined) return { ok: false, message: "model: Required" };
  if (typeof b.model !== "string") return expected("model", "string", b.model);
  if (b.input !== undefined && typeof b.input !== "string" && !Array.isArray(b.input)) return expected("input", "string | array", b.input);
  for (const [key, kind] of [
    ["instructions", "string"],
    ["user", "string"],
    ["previous_response_id", "string"],
    ["stream", "boolean"],
    ["store", "boolean"],
    ["metadata", "object"],
    ["reasoning", "object"],
    ["text", "object"],
  ] as const) {
    const problem = optionalOf(b, key, kind);
    if (problem) return problem;
  }
  const format = (b.text as Body | undefined)?.format as Body | undefined;
  if (format !== undefined && format?.type !== "text") return { ok: false, message: 'text.format.type: Invalid literal value, expected "text"' };
  if (b.truncation !== undefined && b.truncation !== "auto" && b.truncation !== "disabled") {
    return { ok: false, message: "truncation: Invalid enum value. Expected 'auto' | 'disabled'" };
  }
  const streamParams = responsesStreamParams(b);
  if (!streamParams.ok) return streamParams;
  const tools = selectClientTools(b.tools, b.tool_choice, "responses");
  if (!tools.ok) return tools;
  const conversation = conversationFromResponsesInput(b.input, b.instructions as string | undefined, limits);
  if (!conversation.ok) return conversation;
  return {
    ok: true,
    value: {
      model: b.model,
      stream: b.stream === true,
      ...(typeof b.user === "string" ? { user: b.user } : {}),
      ...(typeof b.previous_response_id === "string" ? { previousResponseId: b.previous_response_id } : {}),
      conversation: conversation.value,
      streamParams: streamParams.value,
      tools: tools.value,
    },
  };
}

export function responsesUsage(usage: Partial<Usage> | undefined): Record<string, unknown> {
  const cached = usage?.cacheRead ?? 0;
  const input = (usage?.input ?? 0) + cached;
  const output = usage?.output ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: usage?.cacheWrite ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: Math.max(input + output, usage?.total ?? 0),
  };
}

type Head = { id: string; created_at: number; model: string };

function resource(head: Head, status: string, output: unknown[], usage: Partial<Usage> | undefined, extra: Record<string, unknown> = {}) {
  return { id: head.id, object: "response", created_at: head.created_at, status, model: head.model, output, usage: responsesUsage(usage), ...extra };
}

function failedResource(head: Head, failure: MappedFailure, usage?: Partial<Usage>) {
  return resource(head, "failed", [], usage, { error: { code: failure.error.type, message: failure.error.message } });
}

const UNSATISFIED: MappedFailure = { status: 502, error: { message: TOOL_CHOICE_UNSATISFIED_MESSAGE, type: "api_error" } };

function messageItem(id: string, text: string, phase: "final_answer" | "commentary", status: string) {
  return { type: "message", id, role: "assistant", content: [{ type: "output_text", text }], phase, status };
}

function functionCallItem(call: ToolCall, status: string) {
  return { type: "function_call", id: `call_${randomUUID()}`, call_id: call.id, name: call.name, arguments: call.arguments, status };
}

/** How a finished run reads as a Responses result: status, text, calls. */
type Finished =
  | { ok: true; status: "completed" | "incomplete"; text: string; calls: ToolCall[]; outcome: RunOutcome }
  | { ok: false; failure: MappedFailure; outcome: RunOutcome };

function finish(outcome: RunOutcome, tools: ClientToolSelection): Finished {
  if (outcome.status !== "ok") return { ok: false, failure: failureOfOutcome(outcome), outcome };
  const calls = callerToolCalls(tools, outcome.toolCalls ?? []);
  if (!toolChoiceSatisfied(tools, calls)) return { ok: false, failure: UNSATISFIED, outcome };
  const text = calls.length > 0 ? (outcome.text ?? "") : outcome.text || NO_RESPONSE_TEXT;
  return { ok: true, status: outcome.stopReason === "length" ? "incomplete" : "completed", text, calls, outcome };
}

function terminalExtra(status: "completed" | "incomplete"): Record<string, unknown> {
  return status === "incomplete" ? { incomplete_details: { reason: "max_output_tokens" } } : {};
}

function mediaLimits(gateway: GatewayContext): ResponsesMediaLimits {
  const settings = gateway.config().config.gateway?.http?.endpoints?.responses;
  return {
    images: { allowUrl: settings?.images?.allowUrl !== false, maxBytes: settings?.images?.maxBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes },
    maxUrlParts: settings?.maxUrlParts ?? DEFAULT_MAX_URL_PARTS,
  };
}

/** `POST /v1/responses` (OpenResponses): one agent turn as a response resource or its event stream. */
export async function handleResponses(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> {
  if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
  const caller = await authenticateHttp(req, res, gateway);
  if (!caller || !requireScope(res, caller, CHAT_SEND_SCOPES)) return;
  const limits = mediaLimits(gateway);
  const body = await readJsonBody(req, Math.max(BASE_MAX_BODY_BYTES, 2 * FILE_MAX_BYTES, 2 * limits.images.maxBytes));
  if (!body.ok) return sendBodyFailure(res, body);
  const parsed = parseResponsesRequest(body.value, limits);
  if (!parsed.ok) return sendApiError(res, 400, parsed.message);
  const request = parsed.value;
  const sessions = responseSessionsOf(gateway);
  const previous = request.previousResponseId;
  const target = resolveTurnTarget(req, gateway.agents, caller, {
    model: request.model,
    user: request.user,
    prefix: "openresponses",
    continuedSession: previous ? (agentId, sessionKeyHeader) => sessions.sessionFor(previous, { subject: caller.subject, agentId, sessionKeyHeader }) : undefined,
  });
  if (!target.ok) return sendApiJson(res, target.status, target.body);
  const prompt = flattenConversation(request.conversation);
  if (!prompt) return sendApiError(res, 400, MISSING_USER_INPUT_MESSAGE);

  const head: Head = { id: `resp_${randomUUID()}`, created_at: Math.floor(Date.now() / 1000), model: request.model };
  const turn = buildTurnRequest(target.target, head.id, prompt, request.streamParams, request.tools);
  let run: AgentTurn;
  try {
    run = await startAgentTurn(gateway.agents, turn, res);
  } catch (err) {
    const failure = failureOfThrown(err);
    if (!request.stream) return sendApiJson(res, failure.status, failedResource(head, failure));
    const sse = new SseWriter(res);
    sse.open();
    sse.event("response.failed", { response: failedResource(head, failure) });
    return sse.done();
  }
  const { agentId, sessionKey, sessionKeyHeader } = target.target;
  sessions.remember(head.id, { subject: caller.subject, agentId, sessionKeyHeader }, sessionKey);
  if (request.stream) await streamResponse(res, run, request, head);
  else await answerResponse(res, run, request, head);
}

async function answerResponse(res: ServerResponse, run: AgentTurn, request: ResponsesRequest, head: Head): Promise<void> {
  const outcome = await run.ended;
  if (!outcome) return;
  const result = finish(outcome, request.tools);
  if (!result.ok) return sendApiJson(res, result.failure.status, failedResource(head, result.failure, outcome.usage));
  const output: unknown[] = [];
  const phase = result.calls.length > 0 ? "commentary" : "final_answer";
  if (result.text) output.push(messageItem(`msg_${randomUUID()}`, result.text, phase, result.status));
  for (const call of result.calls) output.push(functionCallItem(call, "completed"));
  sendApiJson(res, 200, resource(head, result.status, output, outcome.usage, terminalExtra(result.status)));
}

async function streamResponse(res: ServerResponse, run: AgentTurn, request: ResponsesRequest, head: Head): Promise<void> {
  const sse = new SseWriter(res);
  const itemId = `msg_${randomUUID()}`;
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  sse.open();
  const starting = resource(head, "in_progress", [], undefined);
  sse.event("response.created", { response: starting });
  sse.event("response.in_progress", { response: starting });
  sse.event("response.output_item.added", { output_index: 0, item: { type: "message", id: itemId, role: "assistant", content: [], status: "in_progress" } });
  sse.event("response.content_part.added", { ...at, part: { type: "output_text", text: "" } });
  // While the answer must contain a tool call, text is held back until we know it does.
  const holdText = request.tools.mustCall !== undefined;
  let sent = "";
  run.onText((delta) => {
    if (!delta || holdText) return;
    sent += delta;
    sse.event("response.output_text.delta", { ...at, delta });
  });
  const outcome = await run.ended;
  if (!outcome) return;
  const result = finish(outcome, request.tools);
  if (!result.ok) {
    sse.event("response.failed", { response: failedResource(head, result.failure, outcome.usage) });
    return sse.done();
  }
  const rest = result.text.startsWith(sent) ? result.text.slice(sent.length) : "";
  if (rest) sse.event("response.output_text.delta", { ...at, delta: rest });
  const text = sent && !result.text.startsWith(sent) ? sent : result.text;
  const phase = result.calls.length > 0 ? "commentary" : "final_answer";
  const message = messageItem(itemId, text, phase, result.status);
  sse.event("response.output_text.done", { ...at, text });
  sse.event("response.content_part.done", { ...at, part: { type: "output_text", text } });
  sse.event("response.output_item.done", { output_index: 0, item: message });
  const output: unknown[] = [message];
  result.calls.forEach((call, index) => {
    const item = functionCallItem(call, "completed");
    sse.event("response.output_item.added", { output_index: index + 1, item: { ...item, status: "in_progress" } });
    sse.event("response.output_item.done", { output_index: index + 1, item });
    output.push(item);
  });
  const terminal = resource(head, result.status, output, outcome.usage, terminalExtra(result.status));
  sse.event(result.status === "incomplete" ? "response.incomplete" : "response.completed", { response: terminal });
  sse.done();
}
