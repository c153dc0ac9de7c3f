import type { TurnTools } from "../tool-round.js";
import { execTools } from "./exec/index.js";
import { fileTools } from "./files/index.js";
import { messageTool } from "./message-tool.js";
import { ToolRegistry } from "./registry.js";
import { sessionTools } from "./sessions/session-tools.js";
import type { CommandGate, SessionTools, ToolHost } from "./types.js";
import { webTools } from "./web/index.js";

/** The gateway's tools: one registry and one host for agent runs, `/tools/invoke` and `tools.invoke`. */
export type GatewayTools = TurnTools & { shutdown(): void };

export function createGatewayTools(opts: { stateDir: string; commands: CommandGate; sessions: SessionTools }): GatewayTools {
  let shutdownExec: (() => void) | null = null;
  const registry = new ToolRegistry(() => {
    const exec = execTools();
    shutdownExec = exec.shutdown;
    return [...fileTools(), ...exec.tools, ...webTools(), ...sessionTools(), messageTool];
  });
  const host: ToolHost = { stateDir: opts.stateDir, commands: opts.commands, sessions: opts.sessions };
  return { registry, host, shutdown: () => shutdownExec?.() };
}
