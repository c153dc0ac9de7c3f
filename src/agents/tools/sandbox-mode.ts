import { isPlainObject } from "../../config/objects.js";
import type { GatewayConfig } from "../../config/schema.js";
import { MAIN_KEY } from "../session-key.js";

export const SANDBOX_MODES = ["off", "non-main", "all"] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

function modeIn(section: unknown): SandboxMode | undefined {
  if (!isPlainObject(section)) return undefined;
  const mode = (section as Record<string, unknown>).mode;
  return (SANDBOX_MODES as readonly unknown[]).includes(mode) ? (mode as SandboxMode) : undefined;
}

/** `agents.entries.<id>.sandbox.mode`, else `agents.defaults.sandbox.mode`; undefined when neither is set. */
export function configuredSandboxMode(config: GatewayConfig, agentId: string): SandboxMode | undefined {
  const agents = isPlainObject(config.agents) ? (config.agents as Record<string, unknown>) : {};
  const entries = isPlainObject(agents.entries) ? (agents.entries as Record<string, unknown>) : {};
  const entry = Object.entries(entries).find(([id]) => id.toLowerCase() === agentId)?.[1];
  return modeIn(isPlainObject(entry) ? (entry as Record<string, unknown>).sandbox : undefined) ?? modeIn(isPlainObject(agents.defaults) ? (agents.defaults as Record<string, unknown>).sandbox : undefined);
}

/** Sessions fed by other people: a channel's groups, rooms and per-peer DMs (`…:group:…`, `…:direct:…`). */
export function isPeerSession(sessionKey: string): boolean {
  return /^agent:[^:]+:(.+:)?(group|channel|direct):/.test(sessionKey);
}

/**
 * Whether a session's commands run in the OS sandbox. With no mode configured, sessions fed by
 * other people are sandboxed and the owner's own sessions are not; `non-main` spares only the
 * agent's main session, `all` spares none.
 */
export function sessionSandboxed(config: GatewayConfig, agentId: string, sessionKey: string): boolean {
  switch (configuredSandboxMode(config, agentId)) {
    case "off":
      return false;
    case "all":
      return true;
    case "non-main":
      return sessionKey !== `agent:${agentId}:${MAIN_KEY}`;
    default:
      return isPeerSession(sessionKey);
  }
}
