import type { IncomingMessage } from "node:http";
import type { AgentService } from "../../agents/types.js";

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const INVALID_MODEL_MESSAGE = "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.";

export const DEFAULT_MODEL = "openclaw";

/** What an OpenAI `model` string names: the default agent or one agent by id. */
export type ModelTarget = { kind: "default" } | { kind: "agent"; agentId: string };

export function unknownAgentMessage(agentId: string): string {
  return `Unknown agent '${agentId}'.`;
}

/** Parses `openclaw`, `openclaw/default`, `openclaw/<id>`, `openclaw:<id>` or `agent:<id>`; null otherwise. */
export function parseModelTarget(model: string): ModelTarget | null {
  const value = model.trim().toLowerCase();
  if (value === "openclaw" || value === "openclaw/default") return { kind: "default" };
  const prefix = ["openclaw/", "openclaw:", "agent:"].find((p) => value.startsWith(p));
  if (!prefix) return null;
  const agentId = value.slice(prefix.length);
  return AGENT_ID_PATTERN.test(agentId) ? { kind: "agent", agentId } : null;
}

export type AgentSelection = { ok: true; agentId: string } | { ok: false; message: string };

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

/**
 * Picks the agent for a request: `x-openclaw-agent-id` (or `x-openclaw-agent`) wins over `model`,
 * and either must name a configured agent. `model` must be an agent target even when overridden.
 */
export function selectAgent(agents: Pick<AgentService, "defaultAgentId" | "hasAgent">, model: string, req: IncomingMessage): AgentSelection {
  const target = parseModelTarget(model);
  if (!target) return { ok: false, message: INVALID_MODEL_MESSAGE };
  const fromHeader = headerValue(req, "x-openclaw-agent-id") ?? headerValue(req, "x-openclaw-agent");
  if (fromHeader !== undefined) {
    const agentId = fromHeader.toLowerCase();
    return AGENT_ID_PATTERN.test(agentId) && agents.hasAgent(agentId) ? { ok: true, agentId } : { ok: false, message: unknownAgentMessage(agentId) };
  }
  if (target.kind === "default") return { ok: true, agentId: agents.defaultAgentId() };
  return agents.hasAgent(target.agentId) ? { ok: true, agentId: target.agentId } : { ok: false, message: unknownAgentMessage(target.agentId) };
}
