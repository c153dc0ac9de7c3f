import type { IncomingMessage, ServerResponse } from "node:http";
import { isPlainObject } from "../config/objects.js";
import { resolveSessionKey } from "../agents/session-key.js";
import { invokeDirect, type DirectOutcome } from "../agents/tools/direct-invoke.js";
import { Scope } from "../protocol/scopes.js";
import type { GatewayContext } from "../server/context.js";
import { readJsonBody, sendBodyFailure } from "./body.js";
import { authenticateHttp, requireScope } from "./http-auth.js";
import { sendApiJson, sendMethodNotAllowed } from "./openai/errors.js";

export const TOOLS_INVOKE_PATH = "/tools/invoke";
export const TOOLS_INVOKE_MAX_BODY_BYTES = 2 * 1024 * 1024;

type ToolsInvokeBody = { name: string; args: Record<string, unknown>; action?: string; sessionKey?: string; agentId?: string; idempotencyKey?: string };

function invalid(res: ServerResponse, message: string): void {
  sendApiJson(res, 400, { ok: false, error: { type: "invalid_request", message } });
}

function parseBody(body: unknown): ToolsInvokeBody | string {
  if (!isPlainObject(body)) return "body must be a JSON object";
  const b = body as Record<string, unknown>;
  const name = typeof b.name === "string" && b.name.trim() ? b.name.trim() : typeof b.tool === "string" && b.tool.trim() ? b.tool.trim() : undefined;
  if (!name) return "tools.invoke requires name";
  if (b.args !== undefined && !isPlainObject(b.args)) return "args must be an object";
  for (const field of ["action", "sessionKey", "agentId", "idempotencyKey"] as const) {
    if (b[field] !== undefined && typeof b[field] !== "string") return `${field} must be a string`;
  }
  return {
    name,
    args: (b.args as Record<string, unknown> | undefined) ?? {},
    action: b.action as string | undefined,
    sessionKey: (b.sessionKey as string | undefined)?.trim() || undefined,
    agentId: (b.agentId as string | undefined)?.trim() || undefined,
    idempotencyKey: b.idempotencyKey as string | undefined,
  };
}

function sendOutcome(res: ServerResponse, outcome: DirectOutcome): void {
  switch (outcome.status) {
    case "ok":
      return sendApiJson(res, 200, { ok: true, result: { content: [{ type: "text", text: outcome.result.content }], ...(outcome.result.details ? { details: outcome.result.details } : {}) } });
    case "not_found":
      return sendApiJson(res, 404, { ok: false, error: { type: "not_found", message: outcome.message } });
    case "blocked":
      return sendApiJson(res, 403, { ok: false, error: { type: "tool_call_blocked", message: outcome.message, ...(outcome.requiresApproval ? { requiresApproval: true } : {}) } });
    case "tool_error":
      return sendApiJson(res, 400, { ok: false, error: { type: "tool_error", message: outcome.message } });
    case "failed":
      return sendApiJson(res, 500, { ok: false, error: { type: "tool_error", message: "tool execution failed" } });
  }
}

/** `POST /tools/invoke`: one tool call under the session's tool policy, minus the HTTP hard-deny list. */
export async function handleToolsInvoke(req: IncomingMessage, res: ServerResponse, gateway: GatewayContext): Promise<void> {
  if (req.method !== "POST") return sendMethodNotAllowed(res, "POST");
  const caller = await authenticateHttp(req, res, gateway);
  if (!caller || !requireScope(res, caller, Scope.write)) return;
  const body = await readJsonBody(req, TOOLS_INVOKE_MAX_BODY_BYTES);
  if (!body.ok) return sendBodyFailure(res, body);
  const parsed = parseBody(body.value);
  if (typeof parsed === "string") return invalid(res, parsed);
  const tools = gateway.tools;
  if (!tools) return sendApiJson(res, 503, { error: { message: "Gateway context is unavailable; retry shortly.", type: "unavailable" } });
  let target;
  try {
    target = resolveSessionKey(parsed.sessionKey, parsed.agentId, gateway.agents.defaultAgentId());
  } catch (err) {
    return invalid(res, (err as Error).message);
  }
  const agent = gateway.agents.agent(target.agentId);
  if (!agent) return invalid(res, `unknown agent "${target.agentId}"`);
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) controller.abort();
  };
  res.once("close", onClose);
  try {
    const config = gateway.config().config;
    const outcome = await invokeDirect(tools.registry, tools.host, {
      name: parsed.name,
      args: parsed.args,
      action: parsed.action,
      agent,
      sessionKey: target.sessionKey,
      surface: "http",
      idempotencyKey: parsed.idempotencyKey,
      config,
      env: process.env,
      signal: controller.signal,
    });
    sendOutcome(res, outcome);
  } finally {
    res.off("close", onClose);
  }
}
