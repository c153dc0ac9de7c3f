import { execTools } from "./exec/index.js";
import { fileTools } from "./files/index.js";
import { messageTool } from "./message-tool.js";
import { sessionTools } from "./sessions/session-tools.js";
import type { ToolDefinition } from "./types.js";
import { webTools } from "./web/index.js";

/** Every tool the gateway ships; `shutdown` stops the commands still running in the background. */
export function builtinTools(): { tools: ToolDefinition[]; shutdown(): void } {
  const exec = execTools();
  return { tools: [...fileTools(), ...exec.tools, ...webTools(), ...sessionTools(), messageTool], shutdown: exec.shutdown };
}
