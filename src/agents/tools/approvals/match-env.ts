import type { Env } from "../../../config/paths.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { commandHome } from "../exec/home.js";
import { hostCommandPath } from "../exec/command-path.js";
import type { MatchEnv } from "./allowlist-match.js";

/** Programs are resolved through the PATH and HOME the agent's host command will run with, or a match could name another binary. */
export function hostMatchEnv(config: GatewayConfig, agentId: string, env: Env): MatchEnv {
  return { pathEnv: hostCommandPath(config, agentId, env), home: commandHome(env) };
}
