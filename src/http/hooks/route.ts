import type { IncomingMessage, ServerResponse } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "../../config/objects.js";
import type { GatewayContext } from "../../server/context.js";
import { readJsonBody } from "../body.js";
import { sendMethodNotAllowed, sendPlainText } from "../openai/errors.js";
import { answerAgentHook } from "./agent-hook.js";
import { hookFailure, sendHookAnswer, type HookAnswer } from "./answer.js";
import { DEFAULT_HOOK_BODY_BYTES, resolveHooksConfig, trimSlashes, type HooksConfig } from "./config.js";
import { authenticateHook, QUERY_TOKEN_MESSAGE } from "./hook-auth.js";
import { idempotencyKeyOf, replayScope } from "./idempotency.js";
import { ingressStateOf } from "./ingress-state.js";
import { answerMappedHook } from "./mapped-hook.js";
import { bodyCapFor, findMapping } from "./mappings.js";
import type { TemplateContext } from "./template.js";
import { dispatchWake, parseWakeRequest, wakeAnswer } from "./wake.js";

export const CONFIG_CHANGED_MESSAGE = "hook configuration changed; retry request";

/** Headers that carry credentials never reach templates (and so never reach a prompt). */
const PRIVATE_HEADERS = new Set(["authorization", "x-openclaw-token", "cookie", "proxy-authorization"]);

function templateContext(req: IncomingMessage, url: URL, subPath: string, payload: unknown): TemplateContext {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !PRIVATE_HEADERS.has(name)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { payload, headers, query: Object.fromEntries(url.searchParams), path: subPath, now: new Date().toISOString() };
}

async function dispatch(gateway: GatewayContext, hooks: HooksConfig, req: IncomingMessage, url: URL, subPath: string, body: unknown): Promise<HookAnswer | null> {
  if (subPath === "wake" || subPath === "agent") {
    if (!isPlainObject(body)) return hookFailure(400, "payload must be a JSON object");
    if (subPath === "agent") return answerAgentHook(gateway, hooks, req, body);
    const action = parseWakeRequest(body);
    if (!action.ok) return hookFailure(400, action.message);
    const key = idempotencyKeyOf(req, body);
    return wakeAnswer(dispatchWake(gateway, hooks, action.value, key === undefined ? undefined : replayScope([hooks.token, "wake", key])));
  }
  const mapping = findMapping(hooks, subPath, body);
  return mapping ? answerMappedHook(gateway, hooks, mapping, req, templateContext(req, url, subPath, body)) : null;
}

/**
 * `POST <hooks.path>/…` (http.md §1.7). The token is checked before the body is read; the hooks
 * settings come from the live config on every request, so edits apply without a restart.
 */
export async function handleHooks(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext, pathname: string): Promise<void> {
  const hooks = resolveHooksConfig(gateway.config().config);
  if (!hooks) return sendPlainText(res, 404, "Not Found");
  const url = new URL(req.url ?? "/", "http://hooks.invalid");
  if (url.searchParams.has("token")) return sendPlainText(res, 400, QUERY_TOKEN_MESSAGE);
  if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
  const auth = authenticateHook(req, hooks.token, ingressStateOf(gateway).limiter);
  if (!auth.ok) {
    if (auth.status === 429) return sendPlainText(res, 429, "Too Many Requests", { "Retry-After": String(auth.retryAfterSeconds) });
    return sendPlainText(res, 401, "Unauthorized");
  }
  const subPath = trimSlashes(pathname.slice(hooks.basePath.length));
  if (subPath === "") return sendPlainText(res, 404, "Not Found");
  const cap = subPath === "wake" || subPath === "agent" ? DEFAULT_HOOK_BODY_BYTES : bodyCapFor(hooks, subPath);
  const body = await readJsonBody(req, cap);
  if (!body.ok) return sendHookAnswer(res, hookFailure(body.status, body.message), body.status === 400 ? {} : { Connection: "close" });
  // Reading the body took time; a reload meanwhile may have changed who may do what.
  if (!isDeepStrictEqual(resolveHooksConfig(gateway.config().config), hooks)) return sendHookAnswer(res, hookFailure(409, CONFIG_CHANGED_MESSAGE));
  const answer = await dispatch(gateway, hooks, req, url, subPath, body.value);
  if (!answer) return sendPlainText(res, 404, "Not Found");
  sendHookAnswer(res, answer);
}
