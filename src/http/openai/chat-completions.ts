import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ToolCall, Usage } from "../../agents/providers/types.js";
import type { RunOutcome, StreamParams } from "../../agents/types.js";
import type { GatewayContext } from "../../server/context.js";
import { readJsonBody, sendBodyFailure } from "../body.js";
import { authenticateHttp, CHAT_SEND_SCOPES, requireScope } from "../http-auth.js";
import { NO_RESPONSE_TEXT, startAgentTurn, type AgentTurn } from "./agent-run.js";
import { callerToolCalls, selectClientTools, TOOL_CHOICE_UNSATISFIED_MESSAGE, toolChoiceSatisfied, type ClientToolSelection } from "./client-tools.js";
import { failureOfOutcome, failureOfThrown, sendApiError, sendApiJson, sendFailure, sendMethodNotAllowed, typeName, type Parsed } from "./errors.js";
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from "./input-media.js";
import { DEFAULT_MODEL } from "./model-target.js";
import { conversationFromChatMessages, flattenConversation, type Conversation } from "./prompt.js";
import { chatStreamParams } from "./sampling.js";
import { SseWriter } from "./sse.js";
import { buildTurnRequest, resolveTurnTarget } from "./turn-target.js";

export const CHAT_COMPLETIONS_PATH = "/v1/chat/completions";
export const CHAT_MAX_BODY_BYTES = 20 * 1024 * 1024;
export const MISSING_USER_MESSAGE = "Missing user message in `messages`.";
/** Tool-call arguments are streamed in fragments of at most this many characters. */
const ARGUMENT_FRAGMENT_CHARS = 256;

type ChatRequest = {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  user?: string;
  conversation: Conversation;
  streamParams: StreamParams;
  tools: ClientToolSelection;
};

type Body = Record<string, unknown>;

function expected(path: string, kind: string, value: unknown): Parsed<never> {
  return { ok: false, message: `${path}: Expected ${kind}, received ${typeName(value)}` };
}

function parseChatRequest(body: unknown, images: ImageLimits): Parsed<ChatRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return expected("body", "object", body);
  const b = body as Body;
  if (b.model !== undefined && typeof b.model !== "string") return expected("model", "string", b.model);
  if (b.messages !== undefined && !Array.isArray(b.messages)) return expected("messages", "array", b.messages);
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== "boolean") return expected("stream", "boolean", b.stream);
  const options = b.stream_options;
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) return expected("stream_options", "object", options);
  if (b.user !== undefined && typeof b.user !== "string") return expected("user", "string", b.user);
  const streamParams = chatStreamParams(b);
  if (!streamParams.ok) return streamParams;
  const tools = selectClientTools(b.tools, b.tool_choice, "chat");
  if (!tools.ok) return tools;
  const conversation = conversationFromChatMessages((b.messages as unknown[] | undefined) ?? [], images);
  if (!conversation.ok) return conversation;
  return {
    ok: true,
    value: {
      model: (b.model as string | undefined) ?? DEFAULT_MODEL,
      stream: b.stream === true,
      includeUsage: (options as Body | undefined | null)?.include_usage === true,
      ...(b.user !== undefined ? { user: b.user as string } : {}),
      conversation: conversation.value,
      streamParams: streamParams.value,
      tools: tools.value,
    },
  };
}

export function chatUsage(usage: Partial<Usage> | undefined): Record<string, unknown> {
  const cached = usage?.cacheRead ?? 0;
  const prompt = (usage?.input ?? 0) + cached;
  const completion = usage?.output ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: Math.max(prompt + completion, usage?.total ?? 0),
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}

function finishReason(outcome: RunOutcome, calls: ToolCall[]): "stop" | "length" | "tool_calls" {
  if (calls.length > 0) return "tool_calls";
  return outcome.stopReason === "length" ? "length" : "stop";
}

function imageLimits(gateway: GatewayContext): ImageLimits {
  const images = gateway.config().config.gateway?.http?.endpoints?.chatCompletions?.images;
  return { allowUrl: images?.allowUrl === true, maxBytes: images?.maxBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes };
}

/** `POST /v1/chat/completions`: one agent turn, answered whole or streamed as chunks. */
export async function handleChatCompletions(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> {
  if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
  const caller = await authenticateHttp(req, res, gateway);
  if (!caller || !requireScope(res, caller, CHAT_SEND_SCOPES)) return;
  const body = await readJsonBody(req, CHAT_MAX_BODY_BYTES);
  if (!body.ok) return sendBodyFailure(res, body);
  const parsed = parseChatRequest(body.value, imageLimits(gateway));
  if (!parsed.ok) return sendApiError(res, 400, parsed.message);
  const request = parsed.value;
  const target = resolveTurnTarget(req, gateway.agents, caller, { model: request.model, user: request.user, prefix: "openai" });
  if (!target.ok) return sendApiJson(res, target.status, target.body);
  const prompt = flattenConversation(request.conversation);
  if (!prompt) return sendApiError(res, 400, MISSING_USER_MESSAGE);

  const id = `chatcmpl_${randomUUID()}`;
  const turn = buildTurnRequest(target.target, id, prompt, request.streamParams, request.tools);
  let run: AgentTurn;
  try {
    run = await startAgentTurn(gateway.agents, turn, res);
  } catch (err) {
    return sendFailure(res, failureOfThrown(err));
  }
  const created = Math.floor(Date.now() / 1000);
  if (request.stream) await streamCompletion(res, run, request, { id, object: "chat.completion.chunk", created, model: request.model });
  else await answerCompletion(res, run, request, { id, object: "chat.completion", created, model: request.model });
}

async function answerCompletion(res: ServerResponse, run: AgentTurn, request: ChatRequest, head: Record<string, unknown>): Promise<void> {
  const outcome = await run.ended;
  if (!outcome) return;
  if (outcome.status !== "ok") return sendFailure(res, failureOfOutcome(outcome));
  const calls = callerToolCalls(request.tools, outcome.toolCalls ?? []);
  if (!toolChoiceSatisfied(request.tools, calls)) return sendApiError(res, 502, TOOL_CHOICE_UNSATISFIED_MESSAGE, "api_error");
  const message =
    calls.length > 0
      ? { role: "assistant", content: outcome.text ?? "", tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) }
      : { role: "assistant", content: outcome.text || NO_RESPONSE_TEXT };
  sendApiJson(res, 200, { ...head, choices: [{ index: 0, message, finish_reason: finishReason(outcome, calls) }], usage: chatUsage(outcome.usage) });
}

async function streamCompletion(res: ServerResponse, run: AgentTurn, request: ChatRequest, head: Record<string, unknown>): Promise<void> {
  const sse = new SseWriter(res);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => sse.data({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] });
  sse.open();
  chunk({ role: "assistant" });
  // While the answer must contain a tool call, text is held back until we know it does.
  const holdText = request.tools.mustCall !== undefined;
  let sent = "";
  run.onText((delta) => {
    if (!delta || holdText) return;
    sent += delta;
    chunk({ content: delta });
  });
  const outcome = await run.ended;
  if (!outcome) return;
  if (outcome.status !== "ok") {
    sse.data({ error: failureOfOutcome(outcome).error });
    return sse.done();
  }
  const calls = callerToolCalls(request.tools, outcome.toolCalls ?? []);
  if (!toolChoiceSatisfied(request.tools, calls)) {
    sse.data({ error: { message: TOOL_CHOICE_UNSATISFIED_MESSAGE, type: "api_error" } });
    return sse.done();
  }
  const text = outcome.text ?? "";
  const rest = text.startsWith(sent) ? text.slice(sent.length) : "";
  if (rest) chunk({ content: rest });
  else if (!sent && !text && calls.length === 0) chunk({ content: NO_RESPONSE_TEXT });
  calls.forEach((call, index) => {
    chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] });
    for (let at = 0; at < call.arguments.length; at += ARGUMENT_FRAGMENT_CHARS) {
      chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + ARGUMENT_FRAGMENT_CHARS) } }] });
    }
  });
  chunk({}, finishReason(outcome, calls));
  if (request.includeUsage) sse.data({ ...head, choices: [], usage: chatUsage(outcome.usage) });
  sse.done();
}
