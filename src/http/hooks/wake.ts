import { MAIN_KEY } from "../../agents/session-key.js";
import type { GatewayContext } from "../../server/context.js";
import type { WakeOutcome } from "../../server/system-events.js";
import type { Parsed } from "../openai/errors.js";
import { type AgentOrigin, selectHookAgent } from "./agent-policy.js";
import type { HookAnswer } from "./answer.js";
import { WAKE_MODES, type HooksConfig, type WakeMode } from "./config.js";
import { optionalChoice, optionalString, requiredText, type Payload } from "./payload-fields.js";
import { resolveLogicalSession, withoutAgentScope, type SessionKeySource } from "./session-policy.js";

/** A system event for an agent's session, and whether to wake the agent for it right away. */
export type WakeAction = {
  text: string;
  mode: WakeMode;
  agentId?: string;
  agentOrigin: AgentOrigin;
  sessionKey?: string;
  sessionKeySource: SessionKeySource;
};

/** `POST <hooks.path>/wake`: `{text, mode?, agentId?, sessionKey?}`. */
export function parseWakeRequest(body: Payload): Parsed<WakeAction> {
  const text = requiredText(body, "text");
  if (!text.ok) return text;
  const mode = optionalChoice(body, "mode", WAKE_MODES);
  if (!mode.ok) return mode;
  const agentId = optionalString(body, "agentId");
  if (!agentId.ok) return agentId;
  const sessionKey = optionalString(body, "sessionKey");
  if (!sessionKey.ok) return sessionKey;
  return {
    ok: true,
    value: {
      text: text.value,
      mode: mode.value ?? "now",
      ...(agentId.value?.trim() ? { agentId: agentId.value } : {}),
      agentOrigin: "request",
      ...(sessionKey.value !== undefined ? { sessionKey: sessionKey.value } : {}),
      sessionKeySource: "request",
    },
  };
}

export type WakeResult = { ok: true; mode: WakeMode; outcome: WakeOutcome } | { ok: false; message: string };

/**
 * Queues the wake text for the agent's main session, or for the caller's session when allowed
 * (only with mode `now`). No heartbeat runner exists yet, so `now` cannot wake anything sooner.
 */
export function dispatchWake(gateway: GatewayContext, hooks: HooksConfig, action: WakeAction, idempotencyScope?: string): WakeResult {
  const agent = selectHookAgent(gateway, hooks, action.agentId, action.agentOrigin);
  if (!agent.ok) return agent;
  let sessionKey = `agent:${agent.agentId}:${MAIN_KEY}`;
  if (action.sessionKey !== undefined) {
    if (action.mode !== "now") return { ok: false, message: 'sessionKey requires mode "now"' };
    const session = resolveLogicalSession(hooks, action.sessionKey, action.sessionKeySource, "isolated");
    if (!session.ok) return session;
    sessionKey = `agent:${agent.agentId}:${withoutAgentScope(session.logicalKey).toLowerCase()}`;
  }
  const outcome = gateway.systemEvents.enqueueWake(action.text, { sessionKey, ...(idempotencyScope ? { idempotencyKey: `hook:${idempotencyScope}` } : {}) });
  return { ok: true, mode: action.mode, outcome };
}

export function wakeAnswer(result: WakeResult): HookAnswer {
  if (!result.ok) return { status: 400, body: { ok: false, error: result.message } };
  return { status: 200, body: { ok: true, mode: result.mode, eventOutcome: result.outcome } };
}
