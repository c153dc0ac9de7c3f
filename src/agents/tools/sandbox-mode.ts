import { isPlainObject } from "../../config/objects.js";
import type { GatewayConfig } from "../../config/schema.js";
import { agentEntry } from "../agent-config.js";
import { MAIN_KEY } from "../session-key.js";

const SANDBOX_MODES = ["off", "non-main", "all"] as const;
type SandboxMode = (typeof SANDBOX_MODES)[number];

function modeIn(section: unknown): SandboxMode | undefined {
  if (!isPlainObject(section)) return undefined;
  const mode = (section as Record<string, unknown>).mode;
  return (SANDBOX_MODES as readonly unknown[]).includes(mode) ? (mode as SandboxMode) : undefined;
}

/** `agents.entries.<id>.sandbox.mode`, else `agents.defaults.sandbox.mode`; undefined when neither is set. */
function configuredSandboxMode(config: GatewayConfig, agentId: string): SandboxMode | undefined {
  const defaults = (config.agents as { defaults?: { sandbox?: unknown } } | undefined)?.defaults;
  return modeIn(agentEntry(config, agentId)?.sandbox) ?? modeIn(defaults?.sandbox);
}

/** Sessions fed by other people: a channel's groups, rooms and per-peer DMs (`…:group:…`, `…:direct:…`). */
function isPeerSession(sessionKey: string): boolean {
  return /^agent:[^:]+:(.+:)?(group|channel|direct):/.test(sessionKey);
}

/**
 * Whether a session's commands run in the OS sandbox. With no mode configured, sessions fed by
 * other people, and runs started by outside systems (`external`: hooks), are sandboxed and the
 * owner's own sessions are not; `non-main` spares only the agent's main session, `all` spares none.
 */
export function sessionSandboxed(config: GatewayConfig, agentId: string, sessionKey: string, external = false): boolean {
  switch (configuredSandboxMode(config, agentId)) {
    case "off":
      return false;
    case "all":
      return true;
    case "non-main":
      return sessionKey !== `agent:${agentId}:${MAIN_KEY}`;
    default:
      return external || isPeerSession(sessionKey);
  }
}
