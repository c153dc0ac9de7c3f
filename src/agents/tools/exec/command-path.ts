import { delimiter, isAbsolute } from "node:path";
import type { Env } from "../../../config/paths.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { resolveExecSettings } from "./exec-config.js";
import { commandHome } from "./home.js";

/**
 * `prepend` then `base`, keeping only absolute directories, each once. sh searches the working
 * directory (the model-writable workspace) for empty and relative entries, so an allowlisted
 * `/usr/bin/git` could otherwise run a `./git` the model wrote.
 */
export function searchPath(base: string | undefined, prepend: readonly string[] = []): string | undefined {
  const dirs = new Set([...prepend, ...(base ?? "").split(delimiter)].filter((dir) => isAbsolute(dir)));
  return dirs.size > 0 ? [...dirs].join(delimiter) : undefined;
}

/** The PATH a host command of this agent runs with; approvals resolve programs through the same one. */
export function hostCommandPath(config: GatewayConfig, agentId: string, env: Env): string | undefined {
  return searchPath(env.PATH, resolveExecSettings(config, agentId, commandHome(env)).pathPrepend);
}
