import type { TSchema } from "@sinclair/typebox";
import type { Env } from "../../config/paths.js";
import type { GatewayConfig } from "../../config/schema.js";

/** Where a tool call comes from: an agent run, `POST /tools/invoke`, or the `tools.invoke` RPC. */
export type ToolSurface = "agent" | "http" | "rpc";

export type ToolResult = {
  /** What the model reads. */
  content: string;
  /** Structured result (JSON-serializable) for HTTP/RPC callers and the transcript. */
  details?: Record<string, unknown>;
};

export type ToolErrorKind =
  /** The arguments do not fit the tool (bad shape, a path outside the workspace …). */
  | "invalid_arguments"
  /** Policy said no: a denied command, an approval refused or expired. */
  | "blocked"
  /** The tool ran and failed (a missing file, a command that could not start …). */
  | "failed"
  /** Something the tool needs is missing here (bubblewrap, channels …). */
  | "unavailable";

/**
 * A failure the model reads and can act on; never a crash. Its message is the whole story:
 * what was refused or failed, and when it helps, what to do instead.
 */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly kind: ToolErrorKind = "failed",
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Partial progress of a running tool (streamed as `agent` tool `update` events). */
export type ToolUpdate = { text?: string; details?: Record<string, unknown> };

/** Why a command may or may not run, as decided by the owner's exec policy and approvals. */
export type CommandVerdict =
  | { allowed: true; via: "full" | "allowlist" | "allow-once" | "allow-always" }
  | {
      allowed: false;
      via: "security-deny" | "allowlist-miss" | "denied" | "expired" | "aborted";
      message: string;
      /** The command needed the owner's approval and nobody could give it (HTTP call, no approval client, expiry). */
      requiresApproval?: true;
    };

/** One command about to run, as the approval layer sees it. */
export type CommandRequest = {
  agentId: string;
  sessionKey: string;
  runId?: string;
  toolCallId: string;
  /** The command as shown to the owner (argv joined with shell quoting when argv was given). */
  commandText: string;
  /** The program and its arguments when known (argv given, or a simple command split safely). */
  argv: string[] | null;
  cwd: string;
  sandboxed: boolean;
  surface: ToolSurface;
  /** Set when the command runs on a paired node: its programs are looked up there, not here. */
  node?: { nodeId: string; resolveProgram(program: string, cwd: string): Promise<string | null> };
};

/** The gate every command passes before it is spawned (src/agents/tools/approvals). */
export interface CommandGate {
  /** Resolves once decided: at once from policy, or after an operator answers (bounded wait). */
  authorize(request: CommandRequest, signal: AbortSignal): Promise<CommandVerdict>;
}

/** What gateway-side services tools may use; built once per gateway and shared by every call. */
export interface ToolHost {
  readonly stateDir: string;
  readonly commands: CommandGate;
  /** Sessions and agents (the `sessions_*`, `session_status`, `agents_list` tools). */
  readonly sessions: SessionTools;
  /** Outbound chat messages (the `message` tool). */
  readonly messages: MessageSender;
  /** Paired nodes (`exec` with `host: "node"`); absent when the gateway runs without them. */
  readonly nodes?: NodeRunner;
}

/** A paired node as the exec tool sees it. */
export type NodeSummary = { nodeId: string; displayName?: string; remoteIp?: string; platform?: string; connected: boolean; commands: string[] };

/** Lists nodes and runs a command on one (`node.invoke`), waiting for its answer. */
export interface NodeRunner {
  list(): Promise<NodeSummary[]>;
  invoke(req: { nodeId: string; command: string; params: unknown; timeoutMs: number; idempotencyKey: string; sessionKey?: string; signal: AbortSignal; onProgress?(chunk: string): void }): Promise<{ payload: unknown }>;
}

/** Sends text through a chat channel's durable outbound queue. */
export interface MessageSender {
  send(req: { channel?: string; accountId?: string; to: string; text: string; threadId?: string; idempotencyKey: string }): Promise<{ channel: string; conversationId: string; messageId: string | null; queued: boolean }>;
}

/** The agent-runtime operations the session tools need (implemented over AgentRuntime). */
export interface SessionTools {
  agentIds(): string[];
  listSessions(agentId: string, opts: { limit: number; activeMinutes?: number; kinds?: string[] }): Promise<Array<Record<string, unknown>>>;
  sessionStatus(agentId: string, sessionKey: string): Promise<Record<string, unknown> | null>;
  /** Sends a message into another session as a new turn; waits up to `timeoutMs` for its reply (0 = do not wait), or until `signal` aborts. */
  send(fromSessionKey: string, target: { agentId: string; sessionKey: string }, message: string, timeoutMs: number, signal: AbortSignal): Promise<Record<string, unknown>>;
}

/** Everything one tool call knows about where it runs. */
export type ToolContext = {
  agentId: string;
  sessionKey: string;
  /** The agent's workspace: file tools are confined to it and commands start in it. */
  workspace: string;
  runId?: string;
  toolCallId: string;
  surface: ToolSurface;
  /** Aborted when the run is aborted or times out: a running tool stops at once. */
  signal: AbortSignal;
  /** Commands of this session run inside the OS sandbox (bubblewrap), never outside it. */
  sandboxed: boolean;
  config: GatewayConfig;
  env: Env;
  host: ToolHost;
  update(progress: ToolUpdate): void;
};

export type ToolDefinition = {
  /** OpenClaw's tool name (`read`, `exec` …). */
  name: string;
  description: string;
  /** JSON Schema of the arguments (TypeBox), sent to the model as is and checked before `execute`. */
  parameters: TSchema;
  execute(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
  /** Offered to runs only when this says so (e.g. `message` once a channel is configured). */
  enabled?(config: GatewayConfig): boolean;
};
