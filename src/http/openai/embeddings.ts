import type { IncomingMessage, ServerResponse } from "node:http";
import { Scope } from "../../protocol/scopes.js";
import type { GatewayContext } from "../../server/context.js";
import { readJsonBody, sendBodyFailure } from "../body.js";
import { authenticateHttp, CHAT_SEND_SCOPES, requireScope } from "../http-auth.js";
import { failureOfThrown, sendApiError, sendApiJson, sendFailure, sendMethodNotAllowed, sendMissingScope, typeName, type Parsed } from "./errors.js";
import { selectAgent } from "./model-target.js";

export const EMBEDDINGS_PATH = "/v1/embeddings";
export const EMBEDDINGS_MAX_BODY_BYTES = 5 * 1024 * 1024;
export const MAX_EMBEDDING_INPUTS = 128;
export const MAX_EMBEDDING_INPUT_CHARS = 8192;
export const MAX_EMBEDDING_TOTAL_CHARS = 65_536;

type EmbeddingsRequest = { model: string; input: string[]; encoding: "float" | "base64"; dimensions?: number };

function parseEmbeddingsRequest(body: unknown): Parsed<EmbeddingsRequest> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, message: `body: Expected object, received ${typeName(body)}` };
  const b = body as Record<string, unknown>;
  if (b.model === undefined) return { ok: false, message: "model: Required" };
  if (typeof b.model !== "string") return { ok: false, message: `model: Expected string, received ${typeName(b.model)}` };
  const input = typeof b.input === "string" ? [b.input] : b.input;
  if (!Array.isArray(input) || !input.every((item) => typeof item === "string")) {
    return { ok: false, message: "`input` must be a string or an array of strings." };
  }
  if (input.length === 0 || input.length > MAX_EMBEDDING_INPUTS) return { ok: false, message: `\`input\` must contain between 1 and ${MAX_EMBEDDING_INPUTS} items.` };
  if (input.some((item) => item === "")) return { ok: false, message: "`input` items must not be empty." };
  if (input.some((item) => item.length > MAX_EMBEDDING_INPUT_CHARS)) {
    return { ok: false, message: `\`input\` items must be at most ${MAX_EMBEDDING_INPUT_CHARS} characters.` };
  }
  if (input.reduce((sum, item) => sum + item.length, 0) > MAX_EMBEDDING_TOTAL_CHARS) {
    return { ok: false, message: `\`input\` must be at most ${MAX_EMBEDDING_TOTAL_CHARS} characters in total.` };
  }
  const encoding = b.encoding_format ?? "float";
  if (encoding !== "float" && encoding !== "base64") return { ok: false, message: "`encoding_format` must be `float` or `base64`." };
  const dimensions = b.dimensions;
  if (dimensions !== undefined && (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions <= 0)) {
    return { ok: false, message: "`dimensions` must be a positive integer." };
  }
  if (b.user !== undefined && typeof b.user !== "string") return { ok: false, message: `user: Expected string, received ${typeName(b.user)}` };
  return { ok: true, value: { model: b.model, input: input as string[], encoding, ...(dimensions !== undefined ? { dimensions } : {}) } };
}

/** Float32 little-endian bytes, base64 encoded (what OpenAI clients decode). */
export function base64Float32(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString("base64");
}

/** `POST /v1/embeddings`: embeddings through the selected agent's embedding provider. */
export async function handleEmbeddings(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> {
  if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
  const caller = await authenticateHttp(req, res, gateway);
  if (!caller || !requireScope(res, caller, CHAT_SEND_SCOPES)) return;
  const body = await readJsonBody(req, EMBEDDINGS_MAX_BODY_BYTES);
  if (!body.ok) return sendBodyFailure(res, body);
  const parsed = parseEmbeddingsRequest(body.value);
  if (!parsed.ok) return sendApiError(res, 400, parsed.message);
  const request = parsed.value;
  const agent = selectAgent(gateway.agents, request.model, req);
  if (!agent.ok) return sendApiError(res, 400, agent.message);
  const header = req.headers["x-openclaw-model"];
  const modelOverride = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
  if (modelOverride !== undefined && !caller.isOwner) return sendMissingScope(res, Scope.admin);

  const controller = new AbortController();
  const onClose = () => controller.abort();
  res.once("close", onClose);
  let result;
  try {
    result = await gateway.agents.embed(agent.agentId, {
      input: request.input,
      signal: controller.signal,
      ...(modelOverride !== undefined ? { model: modelOverride } : {}),
      ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    });
  } catch (err) {
    if (controller.signal.aborted) return;
    const failure = failureOfThrown(err);
    return sendFailure(res, failure.status === 400 ? failure : { status: 500, error: { message: failure.error.message, type: "api_error" } });
  } finally {
    res.off("close", onClose);
  }
  const data = result.vectors.map((vector, index) => ({
    object: "embedding",
    index,
    embedding: request.encoding === "base64" ? base64Float32(vector) : vector,
  }));
  sendApiJson(res, 200, { object: "list", data, model: request.model, usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens } });
}
