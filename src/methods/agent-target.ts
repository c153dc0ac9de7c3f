import { parseModelRef } from "../agents/model-catalog.js";
import { resolveSessionKey } from "../agents/session-key.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import type { GatewayContext } from "../server/context.js";
import type { AgentStore, SessionRow } from "../store/types.js";
import type { AgentRuntime } from "../agents/runtime.js";
import { sessionView } from "../agents/views.js";

export function runtimeOf(gateway: GatewayContext): AgentRuntime {
  return gateway.agents as AgentRuntime;
}

/** The agent and full session key a request names; unknown agents are refused. */
export function sessionTarget(gateway: GatewayContext, rawKey: string | undefined, agentId?: string): { agentId: string; sessionKey: string } {
  const target = resolveSessionKey(rawKey, agentId, gateway.agents.defaultAgentId());
  if (!gateway.agents.hasAgent(target.agentId)) {
    throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `unknown agent id "${target.agentId}"` });
  }
  return target;
}

/** The agent's store for reading: null when the agent never stored anything (nothing is created). */
export function readableStore(gateway: GatewayContext, agentId: string): Promise<AgentStore | null> {
  return runtimeOf(gateway).existingStore(agentId);
}

export async function sessionRow(gateway: GatewayContext, agentId: string, sessionKey: string): Promise<{ store: AgentStore; row: SessionRow } | null> {
  const store = await readableStore(gateway, agentId);
  const row = store?.getSession(sessionKey);
  return store && row ? { store, row } : null;
}

export function sessionNotFound(key: string): GatewayError {
  return new GatewayError({ code: ErrorCodes.invalidRequest, message: `session not found: ${key}` });
}

/** Agents whose sessions a listing covers: one when asked, else every configured one and any on disk. */
export function listedAgents(gateway: GatewayContext, agentId?: string): string[] {
  if (agentId) return [sessionTarget(gateway, undefined, agentId).agentId];
  const runtime = runtimeOf(gateway);
  return [...new Set([...runtime.agentIds(), ...runtime.agentsOnDisk()])];
}

/** The model a session would use next, as far as config says (no provider is asked). */
export function modelDefaults(gateway: GatewayContext, agentId: string, row?: SessionRow | null) {
  const agent = runtimeOf(gateway).agent(agentId);
  const ref = parseModelRef(row?.modelOverride ?? agent?.model.primary ?? "");
  return { ...(ref ? { modelProvider: ref.provider, model: ref.model } : {}), modelSelectionTarget: "session" };
}

/** Aborts the session's run and starts a fresh transcript (a new session id); tells subscribers. */
export async function startNewSession(gateway: GatewayContext, agentId: string, sessionKey: string, reason: string): Promise<SessionRow> {
  const runtime = runtimeOf(gateway);
  const store = await runtime.store(agentId);
  runtime.abort(agentId, sessionKey);
  const row = store.resetSession(sessionKey) ?? store.ensureSession(sessionKey);
  runtime.sessionChanged(agentId, sessionKey, reason);
  return row;
}

/** A session row as clients see it, with the session's active runs. */
export function view(gateway: GatewayContext, row: SessionRow, agentId: string) {
  return sessionView(row, agentId, runtimeOf(gateway).activeRunIds(agentId, row.key));
}
