import { AgentRuntime } from "../agents/runtime.js";
import { createExecApprovals, type ExecApprovals } from "../agents/tools/approvals/index.js";
import type { ApprovalEvents } from "../agents/tools/approvals/approval-broker.js";
import { createGatewayTools, type GatewayTools } from "../agents/tools/gateway-tools.js";
import { runtimeSessions } from "../agents/tools/sessions/runtime-sessions.js";
import type { ConfigSnapshot } from "../config/snapshot.js";

/** Agent runs with their tools and the owner's exec approvals: built once and used together. */
export type AgentStack = { agents: AgentRuntime; approvals: ExecApprovals; tools: GatewayTools };

export function createAgentStack(opts: { stateDir: string; config: () => ConfigSnapshot; events: ApprovalEvents }): AgentStack {
  const approvals = createExecApprovals({ stateDir: opts.stateDir, config: () => opts.config().config, events: opts.events });
  let agents: AgentRuntime | null = null;
  const tools = createGatewayTools({ stateDir: opts.stateDir, commands: approvals.gate, sessions: runtimeSessions(() => agents!) });
  agents = new AgentRuntime({ stateDir: opts.stateDir, config: opts.config, tools });
  return { agents, approvals, tools };
}

/** Ends what the stack holds: pending approvals first (their runs go on at once), agent runs (drained), then background commands. */
export async function closeAgentStack(stack: AgentStack, drainMs: number): Promise<void> {
  stack.approvals.close();
  await stack.agents.shutdown(drainMs);
  stack.tools.shutdown();
}
