import { isPlainObject } from "../../config/objects.js";
import type { GatewayContext } from "../../server/context.js";
import type { HooksConfig } from "./config.js";

export const AGENT_NOT_ALLOWED_MESSAGE = "agentId is not allowed by hooks.allowedAgentIds";
export const AGENT_REQUIRED_MESSAGE = "agentId is required when multiple agents are configured";

function unknownHookAgentMessage(agentId: string): string {
  return `unknown agentId "${agentId}"`;
}

/** Who asked for the agent: a request must name a real one; a mapping's unknown id falls back to the default. */
export type AgentOrigin = "request" | "mapping";

export type HookAgent = { ok: true; agentId: string } | { ok: false; message: string };

/** Several configured agents and none marked `default`: there is no owner a hook could assume. */
function defaultIsAmbiguous(gateway: GatewayContext): boolean {
  const entries = gateway.config().config.agents?.entries;
  if (!isPlainObject(entries)) return false;
  const list = Object.values(entries);
  return list.length > 1 && !list.some((entry) => isPlainObject(entry) && entry.default === true);
}

/** The agent a hook action runs as, checked against `hooks.allowedAgentIds`. */
export function selectHookAgent(gateway: GatewayContext, hooks: HooksConfig, requested: string | undefined, origin: AgentOrigin): HookAgent {
  const wanted = requested?.trim().toLowerCase();
  let agentId: string;
  if (wanted && gateway.agents.hasAgent(wanted)) agentId = wanted;
  else if (wanted && origin === "request") return { ok: false, message: unknownHookAgentMessage(wanted) };
  else if (defaultIsAmbiguous(gateway)) return { ok: false, message: AGENT_REQUIRED_MESSAGE };
  else agentId = gateway.agents.defaultAgentId();
  if (hooks.allowedAgentIds !== "all" && !hooks.allowedAgentIds.includes(agentId)) return { ok: false, message: AGENT_NOT_ALLOWED_MESSAGE };
  return { ok: true, agentId };
}
