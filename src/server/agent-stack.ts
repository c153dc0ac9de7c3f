import { AgentRuntime } from "../agents/runtime.js";
import { createExecApprovals, type ExecApprovals } from "../agents/tools/approvals/index.js";
import type { ApprovalEvents } from "../agents/tools/approvals/approval-broker.js";
import { createGatewayTools, type GatewayTools } from "../agents/tools/gateway-tools.js";
import { runtimeSessions } from "../agents/tools/sessions/runtime-sessions.js";
import type { NodeRunner } from "../agents/tools/types.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { ChannelManager } from "../channels/manager.js";

/** Agent runs with their tools, the owner's exec approvals and the chat channels feeding them: built once and used together. */
export type AgentStack = { agents: AgentRuntime; approvals: ExecApprovals; tools: GatewayTools; channels: ChannelManager };

export function createAgentStack(opts: { stateDir: string; config: () => ConfigSnapshot; events: ApprovalEvents; nodes?: NodeRunner; autoStartSuppressed?: () => boolean; onChannelStatus?: () => void }): AgentStack {
  const approvals = createExecApprovals({ stateDir: opts.stateDir, config: () => opts.config().config, events: opts.events });
  let agents: AgentRuntime | null = null;
  let channels: ChannelManager | null = null;
  const messages = { send: (req: Parameters<ChannelManager["sendMessage"]>[0]) => channels!.sendMessage(req) };
  const tools = createGatewayTools({ stateDir: opts.stateDir, commands: approvals.gate, sessions: runtimeSessions(() => agents!), messages, ...(opts.nodes ? { nodes: opts.nodes } : {}) });
  agents = new AgentRuntime({ stateDir: opts.stateDir, config: opts.config, tools });
  channels = new ChannelManager({ stateDir: opts.stateDir, config: opts.config, agents, autoStartSuppressed: opts.autoStartSuppressed, onStatusChange: opts.onChannelStatus });
  return { agents, approvals, tools, channels };
}

/**
 * Ends what the stack holds: channel intake first (no new messages), pending approvals (their runs
 * go on at once), agent runs (drained), then the channels (last replies out, disconnect) and
 * background commands.
 */
export async function closeAgentStack(stack: AgentStack, drainMs: number): Promise<void> {
  stack.channels.stopIntake();
  stack.approvals.close();
  await stack.agents.shutdown(drainMs);
  await stack.channels.shutdown();
  stack.tools.shutdown();
}
