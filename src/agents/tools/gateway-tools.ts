import type { TurnTools } from "../tool-round.js";
import { ToolRegistry } from "./registry.js";
import type { CommandGate, MessageSender, NodeRunner, SessionTools, ToolHost } from "./types.js";

/** The gateway's tools: one registry and one host for agent runs, `/tools/invoke` and `tools.invoke`. */
export type GatewayTools = TurnTools & { shutdown(): void };

export function createGatewayTools(opts: { stateDir: string; commands: CommandGate; sessions: SessionTools; messages: MessageSender; nodes?: NodeRunner }): GatewayTools {
  let shutdownBuiltins: (() => void) | null = null;
  // The tools' code is loaded with the first run or call that needs them, not at start-up.
  const registry = new ToolRegistry(async () => {
    const builtins = (await import("./builtin-tools.js")).builtinTools();
    shutdownBuiltins = builtins.shutdown;
    return builtins.tools;
  });
  const host: ToolHost = { stateDir: opts.stateDir, commands: opts.commands, sessions: opts.sessions, messages: opts.messages, ...(opts.nodes ? { nodes: opts.nodes } : {}) };
  return { registry, host, shutdown: () => shutdownBuiltins?.() };
}
