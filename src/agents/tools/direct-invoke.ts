import type { Env } from "../../config/paths.js";
import type { GatewayConfig } from "../../config/schema.js";
import type { AgentDefinition } from "../agent-config.js";
import { ensureWorkspace } from "../workspace.js";
import type { ToolRegistry } from "./registry.js";
import { policyContext, toolAllowed } from "./policy.js";
import type { ToolDefinition, ToolHost, ToolResult } from "./types.js";

/** One call from outside an agent run: `POST /tools/invoke` or the `tools.invoke` RPC. */
export type DirectInvocation = {
  name: string;
  args: Record<string, unknown>;
  /** `/tools/invoke`'s shortcut: merged into args when the tool takes an `action` and args has none. */
  action?: string;
  agent: AgentDefinition;
  sessionKey: string;
  surface: "http" | "rpc";
  idempotencyKey?: string;
  config: GatewayConfig;
  env: Env;
  signal: AbortSignal;
};

export type DirectOutcome =
  | { status: "ok"; result: ToolResult; toolCallId: string }
  /** Not a tool here, or policy hides it from this caller. */
  | { status: "not_found"; message: string }
  | { status: "blocked"; message: string; requiresApproval: boolean }
  /** The tool refused its input or failed in a way it explained. */
  | { status: "tool_error"; message: string }
  /** Something unexpected; the message is safe to show. */
  | { status: "failed"; message: string };

function withAction(definition: ToolDefinition, args: Record<string, unknown>, action: string | undefined): Record<string, unknown> {
  if (action === undefined || args.action !== undefined) return args;
  const properties = (definition.parameters as { properties?: Record<string, unknown> }).properties;
  return properties && "action" in properties ? { ...args, action } : args;
}

/** Policy first (a hidden tool is "not found"), then the same call path agent runs use. */
export async function invokeDirect(registry: ToolRegistry, host: ToolHost, call: DirectInvocation): Promise<DirectOutcome> {
  await registry.ready();
  const definition = registry.get(call.name);
  const policy = policyContext(call.config, { agentId: call.agent.id, sessionKey: call.sessionKey, surface: call.surface });
  if (!definition || !toolAllowed(call.config, policy, definition.name).allowed) return { status: "not_found", message: `Tool not available: ${call.name}` };
  const toolCallId = `${call.surface}-direct-operator-${call.idempotencyKey ?? Date.now()}`;
  ensureWorkspace(call.agent.workspace, call.agent.skipBootstrap);
  const outcome = await registry.call(definition, withAction(definition, call.args, call.action), {
    agentId: call.agent.id,
    sessionKey: call.sessionKey,
    workspace: call.agent.workspace,
    toolCallId,
    surface: call.surface,
    signal: call.signal,
    sandboxed: policy.sandboxed,
    config: call.config,
    env: call.env,
    host,
    update: () => {},
  });
  if (outcome.ok) return { status: "ok", result: outcome.result, toolCallId };
  const { error } = outcome;
  if (outcome.unexpected) return { status: "failed", message: "tool execution failed" };
  if (error.kind === "blocked") return { status: "blocked", message: error.message, requiresApproval: error.details?.requiresApproval === true };
  return { status: "tool_error", message: error.message };
}
