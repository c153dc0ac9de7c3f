import { GatewayError, ErrorCodes } from "../protocol/errors.js";

export const MAIN_KEY = "main";

export function sessionDefaults(defaultAgentId: string) {
  return { defaultAgentId, mainKey: MAIN_KEY, mainSessionKey: `agent:${defaultAgentId}:${MAIN_KEY}`, scope: "per-sender" as const };
}

/**
 * Session keys look like `agent:<agentId>:<rest>`. A bare key (`main`, `my-chat`) belongs to the
 * agent the caller named, else the default agent. Keys are lowercase.
 */
export function resolveSessionKey(raw: string | undefined, agentId: string | undefined, defaultAgentId: string): { agentId: string; sessionKey: string } {
  const key = (raw ?? "").trim().toLowerCase();
  const wanted = agentId?.trim().toLowerCase();
  if (key.startsWith("agent:")) {
    const [, keyAgent, ...rest] = key.split(":");
    if (!keyAgent || rest.length === 0 || rest.join(":") === "") throw invalid(`invalid session key: ${raw}`);
    if (wanted && wanted !== keyAgent) throw invalid(`session key ${key} belongs to agent "${keyAgent}", not "${wanted}"`);
    return { agentId: keyAgent, sessionKey: key };
  }
  const owner = wanted || defaultAgentId;
  return { agentId: owner, sessionKey: `agent:${owner}:${key || MAIN_KEY}` };
}

export type SessionKind = "direct" | "group" | "global" | "unknown";

export function sessionKind(key: string): SessionKind {
  if (/:(group|channel):/.test(key)) return "group";
  if (key === "global" || key.endsWith(":global")) return "global";
  return key.startsWith("agent:") ? "direct" : "unknown";
}

function invalid(message: string): GatewayError {
  return new GatewayError({ code: ErrorCodes.invalidRequest, message });
}
