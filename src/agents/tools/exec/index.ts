import type { ToolDefinition } from "../types.js";
import { execTool } from "./exec-tool.js";
import { processTool } from "./process-tool.js";
import { ProcessRegistry } from "./process-registry.js";
import { DEFAULT_KILL_GRACE_MS } from "./run-command.js";

export type ExecToolsOptions = {
  /** Use this bubblewrap binary instead of searching PATH (tests point it at a missing one). */
  bwrapPath?: string;
  /** SIGTERM → SIGKILL delay when a command is stopped. */
  killGraceMs?: number;
};

/** The `exec` and `process` tools sharing one registry of background sessions; `shutdown` stops every command they started. */
export function execTools(options: ExecToolsOptions = {}): { tools: ToolDefinition[]; shutdown(): void } {
  const registry = new ProcessRegistry();
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  return {
    tools: [execTool({ registry, bwrapPath: options.bwrapPath, killGraceMs }), processTool({ registry, killGraceMs })],
    shutdown: () => registry.shutdown(),
  };
}
