import { Type } from "@sinclair/typebox";
import { resolveSessionKey } from "../../session-key.js";
import { wrapUntrusted } from "../../untrusted-content.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";

const MAX_LIST = 100;
const DEFAULT_SEND_WAIT_SECONDS = 30;
const MAX_SEND_WAIT_SECONDS = 600;

function json(value: unknown, details?: Record<string, unknown>): ToolResult {
  return { content: JSON.stringify(value, null, 2), details: details ?? (value as Record<string, unknown>) };
}

/** `current`/omitted is the caller's own session; bare keys belong to the caller's agent. */
function targetOf(ctx: ToolContext, sessionKey: unknown, agentId: unknown): { agentId: string; sessionKey: string } {
  if (sessionKey === undefined || sessionKey === "current") {
    if (agentId !== undefined && agentId !== ctx.agentId) throw new ToolError("give a sessionKey when naming another agent", "invalid_arguments");
    return { agentId: ctx.agentId, sessionKey: ctx.sessionKey };
  }
  const wanted = typeof agentId === "string" ? agentId : undefined;
  try {
    const target = resolveSessionKey(String(sessionKey), wanted ?? (String(sessionKey).startsWith("agent:") ? undefined : ctx.agentId), ctx.agentId);
    if (!ctx.host.sessions.agentIds().includes(target.agentId)) throw new ToolError(`unknown agent "${target.agentId}"; agents_list shows the configured ones`, "invalid_arguments");
    return target;
  } catch (err) {
    if (err instanceof ToolError) throw err;
    throw new ToolError((err as Error).message, "invalid_arguments");
  }
}

const sessionsList: ToolDefinition = {
  name: "sessions_list",
  description: "List this agent's sessions (most recent first) with their kind, label, model, token counts and run status.",
  parameters: Type.Object({
    kinds: Type.Optional(Type.Array(Type.String(), { description: "Only these kinds: direct, group, global" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST })),
    activeMinutes: Type.Optional(Type.Number({ minimum: 0, description: "Only sessions active in the last N minutes" })),
    agentId: Type.Optional(Type.String()),
  }),
  async execute(args, ctx) {
    const agentId = typeof args.agentId === "string" ? args.agentId.toLowerCase() : ctx.agentId;
    if (!ctx.host.sessions.agentIds().includes(agentId)) throw new ToolError(`unknown agent "${agentId}"`, "invalid_arguments");
    const sessions = await ctx.host.sessions.listSessions(agentId, {
      limit: typeof args.limit === "number" ? args.limit : 20,
      activeMinutes: typeof args.activeMinutes === "number" && args.activeMinutes > 0 ? args.activeMinutes : undefined,
      kinds: Array.isArray(args.kinds) ? (args.kinds as string[]) : undefined,
    });
    return json({ count: sessions.length, sessions });
  },
};

const sessionStatus: ToolDefinition = {
  name: "session_status",
  description: "Status of the current session (or another one by sessionKey): model, token usage, message count, run state.",
  parameters: Type.Object({ sessionKey: Type.Optional(Type.String({ minLength: 1 })) }),
  async execute(args, ctx) {
    const target = targetOf(ctx, args.sessionKey, undefined);
    const status = await ctx.host.sessions.sessionStatus(target.agentId, target.sessionKey);
    if (!status) return json({ sessionKey: target.sessionKey, exists: false });
    return json({ ...status, current: target.sessionKey === ctx.sessionKey });
  },
};

const sessionsSend: ToolDefinition = {
  name: "sessions_send",
  description: "Send a message to another session on this gateway as a new turn there and wait for its reply (timeoutSeconds: 0 sends without waiting).",
  parameters: Type.Object({
    message: Type.String({ minLength: 1 }),
    sessionKey: Type.Optional(Type.String({ minLength: 1 })),
    agentId: Type.Optional(Type.String({ minLength: 1 })),
    timeoutSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_SEND_WAIT_SECONDS })),
  }),
  async execute(args, ctx) {
    if (args.sessionKey === undefined && args.agentId === undefined) throw new ToolError("name the target with sessionKey (or agentId for that agent's main session)", "invalid_arguments");
    const target = targetOf(ctx, args.sessionKey ?? "main", args.agentId);
    // The caller's own lane is busy with this very run: waiting on it would wait forever.
    if (target.agentId === ctx.agentId && target.sessionKey === ctx.sessionKey) throw new ToolError("sessions_send cannot target the current session", "invalid_arguments");
    const wait = typeof args.timeoutSeconds === "number" ? args.timeoutSeconds : DEFAULT_SEND_WAIT_SECONDS;
    // A sandboxed session speaks for other people: what it sends is their content, not the owner's.
    const message = ctx.sandboxed ? wrapUntrusted(String(args.message), { source: "session", name: ctx.sessionKey }) : String(args.message);
    const result = await ctx.host.sessions.send(ctx.sessionKey, target, message, wait * 1000, ctx.signal);
    return json(result);
  },
};

const agentsList: ToolDefinition = {
  name: "agents_list",
  description: "List the agents configured on this gateway (the default first).",
  parameters: Type.Object({}),
  async execute(_args, ctx) {
    const ids = ctx.host.sessions.agentIds();
    return json({ agents: ids.map((id, i) => ({ id, default: i === 0, current: id === ctx.agentId })) });
  },
};

export function sessionTools(): ToolDefinition[] {
  return [sessionsList, sessionsSend, sessionStatus, agentsList];
}
