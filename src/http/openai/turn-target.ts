import type { IncomingMessage } from "node:http";
import type { AgentService, StreamParams, TurnRequest } from "../../agents/types.js";
import { resolveSessionKey } from "../../agents/session-key.js";
import { Scope } from "../../protocol/scopes.js";
import type { HttpCaller } from "../http-auth.js";
import type { ClientToolSelection } from "./client-tools.js";
import { selectAgent } from "./model-target.js";
import type { Prompt } from "./prompt.js";
import { derivedSessionKey, explicitSessionKey, type SessionKeyPrefix } from "./session-key.js";

export const DEFAULT_MESSAGE_CHANNEL = "webchat";

/** Where an OpenAI-style request runs: agent, session, ingress channel and model override. */
export type TurnTarget = {
  agentId: string;
  sessionKey: string;
  channel: string;
  modelOverride?: string;
  /** The raw `x-openclaw-session-key`, part of the scope a stored Responses session is reused in. */
  sessionKeyHeader?: string;
};

export type TargetRequest = {
  model: string;
  user?: string;
  prefix: SessionKeyPrefix;
  /** A session to continue (Responses `previous_response_id`), looked up once the agent is known. */
  continuedSession?: (agentId: string, sessionKeyHeader: string | undefined) => string | undefined;
};

export type TargetResult = { ok: true; target: TurnTarget } | { ok: false; status: number; body: unknown };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

function invalidRequest(message: string): TargetResult {
  return { ok: false, status: 400, body: { error: { message, type: "invalid_request_error" } } };
}

/** Resolves §3 of the HTTP spec: `model` and headers to agent, session key and run options. */
export function resolveTurnTarget(req: IncomingMessage, agents: AgentService, caller: HttpCaller, request: TargetRequest): TargetResult {
  const agent = selectAgent(agents, request.model, req);
  if (!agent.ok) return invalidRequest(agent.message);
  const explicit = explicitSessionKey(req);
  if (!explicit.ok) return invalidRequest(explicit.message);
  const modelOverride = header(req, "x-openclaw-model");
  if (modelOverride !== undefined && !caller.isOwner) {
    return { ok: false, status: 403, body: { ok: false, error: { type: "forbidden", message: `missing scope: ${Scope.admin}` } } };
  }
  let sessionKey = request.continuedSession?.(agent.agentId, explicit.key) ?? derivedSessionKey(agent.agentId, request.prefix, request.user);
  if (explicit.key !== undefined) {
    try {
      sessionKey = resolveSessionKey(explicit.key, agent.agentId, agents.defaultAgentId()).sessionKey;
    } catch (err) {
      return invalidRequest(`\`x-openclaw-session-key\`: ${(err as Error).message}`);
    }
  }
  return {
    ok: true,
    target: {
      agentId: agent.agentId,
      sessionKey,
      channel: header(req, "x-openclaw-message-channel") ?? DEFAULT_MESSAGE_CHANNEL,
      ...(modelOverride !== undefined ? { modelOverride } : {}),
      ...(explicit.key !== undefined ? { sessionKeyHeader: explicit.key } : {}),
    },
  };
}

/** The agent run an HTTP request becomes (the run id doubles as the response id). */
export function buildTurnRequest(target: TurnTarget, runId: string, prompt: Prompt, streamParams: StreamParams, tools: ClientToolSelection): TurnRequest {
  const system = [prompt.extraSystemPrompt, tools.instruction].filter((s): s is string => !!s).join("\n\n");
  return {
    agentId: target.agentId,
    sessionKey: target.sessionKey,
    runId,
    message: prompt.message,
    source: "http",
    channel: target.channel,
    ...(system ? { extraSystemPrompt: system } : {}),
    ...(target.modelOverride !== undefined ? { modelOverride: target.modelOverride } : {}),
    ...(Object.keys(streamParams).length > 0 ? { streamParams } : {}),
    ...(tools.tools ? { clientTools: tools.tools } : {}),
    ...(tools.toolChoice !== undefined ? { toolChoice: tools.toolChoice } : {}),
  };
}
