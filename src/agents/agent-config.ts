import { join } from "node:path";
import type { GatewayConfig } from "../config/schema.js";
import { isPlainObject } from "../config/objects.js";

export const DEFAULT_AGENT_ID = "main";
export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The official default: a run may take up to two days unless the agent or the call says less. */
const DEFAULT_TIMEOUT_SECONDS = 48 * 3600;

export type ModelChoice = { primary?: string; fallbacks: string[] };

export type AgentIdentity = { name?: string; emoji?: string; avatar?: string; theme?: string };

/** One agent as configured: a workspace, a model choice and an identity. */
export type AgentDefinition = {
  id: string;
  name?: string;
  isDefault: boolean;
  workspace: string;
  model: ModelChoice;
  identity: AgentIdentity;
  skipBootstrap: boolean;
  timeoutSeconds: number;
};

export type AgentsConfig = {
  defaultId: string;
  agents: AgentDefinition[];
  maxConcurrent: number;
  /** Messages a busy session may hold before new ones are refused. */
  queueCap: number;
  /** `agents.defaults.memorySearch` (embedding provider/model), as configured. */
  memorySearch: { provider?: string; model?: string };
};

type Raw = Record<string, unknown>;

function asObject(value: unknown): Raw {
  return isPlainObject(value) ? (value as Raw) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function modelChoice(value: unknown, fallback?: ModelChoice): ModelChoice {
  if (typeof value === "string") return { primary: str(value), fallbacks: [] };
  if (isPlainObject(value)) {
    const raw = value as Raw;
    const fallbacks = Array.isArray(raw.fallbacks) ? raw.fallbacks.filter((f): f is string => typeof f === "string" && f.trim() !== "") : [];
    return { primary: str(raw.primary) ?? fallback?.primary, fallbacks: fallbacks.length > 0 ? fallbacks : (fallback?.fallbacks ?? []) };
  }
  return fallback ?? { fallbacks: [] };
}

function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

function identityOf(value: unknown): AgentIdentity {
  const raw = asObject(value);
  const out: AgentIdentity = {};
  for (const key of ["name", "emoji", "avatar", "theme"] as const) {
    const v = str(raw[key]);
    if (v) out[key] = v;
  }
  return out;
}

/**
 * Reads `agents.defaults` and `agents.entries.<id>`. The default agent is the entry marked
 * `default`, else the first entry, else `main`; it is always present even with no entries.
 */
export function resolveAgentsConfig(config: GatewayConfig, stateDir: string, home: string): AgentsConfig {
  const agents = asObject(config.agents);
  const defaults = asObject(agents.defaults);
  const entries = Object.entries(asObject(agents.entries)).filter(([id]) => AGENT_ID_PATTERN.test(id.toLowerCase()));
  const defaultEntry = entries.find(([, e]) => asObject(e).default === true) ?? entries[0];
  const defaultId = defaultEntry ? defaultEntry[0].toLowerCase() : DEFAULT_AGENT_ID;
  const ordered = defaultEntry ? [defaultEntry, ...entries.filter((e) => e !== defaultEntry)] : [[DEFAULT_AGENT_ID, {}] as [string, unknown]];
  const defaultModel = modelChoice(defaults.model);
  const defaultWorkspace = str(defaults.workspace);
  const timeoutDefault = typeof defaults.timeoutSeconds === "number" && defaults.timeoutSeconds >= 0 ? defaults.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;

  const list = ordered.map(([rawId, rawEntry]): AgentDefinition => {
    const id = rawId.toLowerCase();
    const entry = asObject(rawEntry);
    const isDefault = id === defaultId;
    const workspace = str(entry.workspace) ?? (isDefault ? defaultWorkspace ?? join(stateDir, "workspace") : join(stateDir, `workspace-${id}`));
    return {
      id,
      name: str(entry.name),
      isDefault,
      workspace: expandHome(workspace, home),
      model: modelChoice(entry.model, defaultModel),
      identity: identityOf(entry.identity),
      skipBootstrap: (entry.skipBootstrap ?? defaults.skipBootstrap) === true,
      timeoutSeconds: typeof entry.timeoutSeconds === "number" && entry.timeoutSeconds >= 0 ? entry.timeoutSeconds : timeoutDefault,
    };
  });
  const maxConcurrent = typeof defaults.maxConcurrent === "number" && defaults.maxConcurrent >= 1 ? Math.floor(defaults.maxConcurrent) : 8;
  const queue = asObject(asObject(config.messages).queue);
  const queueCap = typeof queue.cap === "number" && queue.cap >= 1 ? Math.floor(queue.cap) : 20;
  const memory = asObject(defaults.memorySearch);
  return { defaultId, agents: list, maxConcurrent, queueCap, memorySearch: { provider: str(memory.provider), model: str(memory.model) } };
}

/** `agents.entries.<id>` as configured (ids compare case-insensitively), or undefined. */
export function agentEntry(config: GatewayConfig, agentId: string): Raw | undefined {
  const entries = asObject(asObject(config.agents).entries);
  const entry = Object.entries(entries).find(([id]) => id.toLowerCase() === agentId)?.[1];
  return isPlainObject(entry) ? (entry as Raw) : undefined;
}

/** Where an agent keeps its state database. */
export function agentStorePath(stateDir: string, agentId: string): string {
  return join(stateDir, "agents", agentId, "agent", "openclaw-agent.sqlite");
}
