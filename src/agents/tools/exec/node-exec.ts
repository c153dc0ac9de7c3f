import { isAbsolute, posix } from "node:path";
import { GatewayError } from "../../../protocol/errors.js";
import { ToolError, type NodeRunner, type NodeSummary, type ToolContext, type ToolResult } from "../types.js";
import { checkEnvOverrides } from "./child-env.js";
import { DEFAULT_OUTPUT_SIDE_BYTES } from "./bounded-output.js";
import { shownCommand } from "./shown-command.js";
import { simpleArgv } from "./simple-argv.js";

/** Extra wait past the command's own limit for the node to report back. */
const REPORT_GRACE_MS = 10_000;
/** A node command without a time limit is still not waited for longer than this. */
const UNLIMITED_WAIT_MS = 7 * 24 * 3600_000;
const MAX_SHOWN_OUTPUT_CHARS = 2 * DEFAULT_OUTPUT_SIDE_BYTES;

export type NodeExecRequest = { command: string; node?: string; workdir?: string; env?: unknown; timeoutSeconds: number };

const notRun = "the command was not run";

function label(node: NodeSummary): string {
  return node.displayName ? `${node.nodeId} (${node.displayName})` : node.nodeId;
}

/** An id (or id prefix) names any node; a display name or IP, which a node reports itself, only one that can run commands. */
function matches(node: NodeSummary, query: string, runnable: boolean): boolean {
  if (node.nodeId === query || (query.length >= 8 && node.nodeId.startsWith(query))) return true;
  return runnable && (node.displayName?.toLowerCase() === query.toLowerCase() || node.remoteIp === query);
}

/** The node a command runs on: the one named (call or `tools.exec.node`), else the only one that can. */
export function selectExecNode(nodes: readonly NodeSummary[], query: string | undefined): NodeSummary {
  const runnable = (n: NodeSummary) => n.connected && n.commands.includes("system.run");
  const eligible = nodes.filter(runnable);
  if (query) {
    const byId = nodes.filter((n) => n.nodeId === query);
    const found = byId.length > 0 ? byId : nodes.filter((n) => matches(n, query, runnable(n)));
    if (found.length === 0) throw new ToolError(`no node matches "${query}" (a name or IP only names a connected node offering system.run; known nodes: ${nodes.map(label).join(", ") || "none"}); ${notRun}`, "invalid_arguments");
    if (found.length > 1) throw new ToolError(`"${query}" matches several nodes: ${found.map(label).join(", ")}; name one by its id; ${notRun}`, "invalid_arguments");
    const node = found[0]!;
    if (!node.connected) throw new ToolError(`node ${label(node)} is not connected; start or reconnect its node host; ${notRun}`, "unavailable");
    if (!runnable(node)) throw new ToolError(`node ${label(node)} does not offer system.run (or it awaits the owner's approval: openclaw nodes pending); ${notRun}`, "unavailable");
    return node;
  }
  if (eligible.length === 1) return eligible[0]!;
  if (eligible.length === 0) {
    throw new ToolError(`host=node needs a connected, approved node offering system.run, and there is none (paired nodes: ${nodes.map(label).join(", ") || "none"}); ${notRun}`, "unavailable");
  }
  throw new ToolError(`several nodes can run commands: ${eligible.map(label).join(", ")}; pass node, or set tools.exec.node; ${notRun}`, "invalid_arguments");
}

const isWindows = (platform: string | undefined) => platform?.toLowerCase().startsWith("win") === true;

/** The argv a node's shell runs `command` with. */
function shellArgv(command: string, platform: string | undefined): string[] {
  return isWindows(platform) ? ["cmd.exe", "/d", "/s", "/c", command] : ["/bin/sh", "-lc", command];
}

type RunPayload = { exitCode?: unknown; timedOut?: unknown; success?: unknown; stdout?: unknown; stderr?: unknown; error?: unknown };

function clip(text: string): string {
  return text.length > MAX_SHOWN_OUTPUT_CHARS ? `${text.slice(0, MAX_SHOWN_OUTPUT_CHARS / 2)}\n… (${text.length - MAX_SHOWN_OUTPUT_CHARS} characters cut) …\n${text.slice(-MAX_SHOWN_OUTPUT_CHARS / 2)}` : text;
}

function resultOf(node: NodeSummary, raw: unknown, durationMs: number, timeoutSeconds: number): ToolResult {
  const p = (raw && typeof raw === "object" ? raw : {}) as RunPayload;
  const stdout = typeof p.stdout === "string" ? p.stdout : "";
  const stderr = typeof p.stderr === "string" ? p.stderr : "";
  const exitCode = typeof p.exitCode === "number" ? p.exitCode : null;
  const timedOut = p.timedOut === true;
  const success = p.success === true || (p.success === undefined && exitCode === 0 && !timedOut);
  const errorText = typeof p.error === "string" && p.error !== "" ? p.error : "";
  const output = [stdout.replace(/\n$/, ""), stderr.replace(/\n$/, ""), errorText].filter((part) => part !== "").join("\n");
  const exit = timedOut
    ? `Stopped on node ${label(node)}: it ran longer than ${timeoutSeconds} s. Raise timeoutSeconds if it needs longer.`
    : `Ran on node ${label(node)}: exit code ${exitCode ?? "unknown"}${success ? "" : " (failed)"}.`;
  return {
    content: `${output === "" ? "(no output)" : clip(output)}\n\n${exit}`,
    details: { status: success ? "completed" : "failed", exitCode, timedOut, durationMs, host: "node", nodeId: node.nodeId },
  };
}

/**
 * Asks the node where a program lives (`system.which`), for allowlist checks; null when it cannot
 * say. A path is judged with its `..` folded away. Windows nodes never match: their cmd.exe quoting
 * is not the shell grammar commands are split by here, so each of their commands asks instead.
 */
function programResolver(runner: NodeRunner, node: NodeSummary, ctx: ToolContext): (program: string, cwd: string) => Promise<string | null> {
  return async (program) => {
    if (isWindows(node.platform)) return null;
    if (program.includes("/")) return posix.isAbsolute(program) ? posix.normalize(program) : null;
    if (!node.commands.includes("system.which")) return null;
    try {
      const { payload } = await runner.invoke({ nodeId: node.nodeId, command: "system.which", params: { bins: [program] }, timeoutMs: 10_000, idempotencyKey: `which:${ctx.toolCallId}:${program}`, signal: ctx.signal });
      const found = (payload as { bins?: Record<string, unknown> } | null)?.bins?.[program];
      return typeof found === "string" && posix.isAbsolute(found) ? posix.normalize(found) : null;
    } catch {
      return null;
    }
  };
}

/**
 * `exec` with `host: "node"`: the owner's exec policy and approvals decide as for a command on
 * the gateway host, then the node runs it through `system.run` (its own exec policy applies on
 * top). The call waits for the node's answer; aborting the run cancels it on the node.
 */
export async function runOnNode(req: NodeExecRequest, ctx: ToolContext, defaultNode: string | undefined): Promise<ToolResult> {
  const runner = ctx.host.nodes;
  if (!runner) throw new ToolError(`host=node is not available: this gateway runs without nodes; ${notRun}`, "unavailable");
  if (req.workdir !== undefined && !isAbsolute(req.workdir)) throw new ToolError(`with host=node, workdir must be an absolute path on the node; ${notRun}`, "invalid_arguments");
  const overrides = checkEnvOverrides(req.env, true);
  const node = selectExecNode(await runner.list(), req.node ?? defaultNode);
  const cwd = req.workdir;
  const verdict = await ctx.host.commands.authorize(
    {
      agentId: ctx.agentId,
      sessionKey: ctx.sessionKey,
      runId: ctx.runId,
      toolCallId: ctx.toolCallId,
      commandText: shownCommand(req.command, overrides),
      argv: simpleArgv(req.command),
      cwd: cwd ?? "/",
      sandboxed: false,
      surface: ctx.surface,
      node: { nodeId: node.nodeId, resolveProgram: programResolver(runner, node, ctx) },
    },
    ctx.signal,
  );
  if (!verdict.allowed) throw new ToolError(verdict.message, "blocked", { via: verdict.via, host: "node", nodeId: node.nodeId, ...(verdict.requiresApproval ? { requiresApproval: true } : {}) });
  if (ctx.signal.aborted) throw new ToolError(`the run was aborted before the command started; ${notRun}`, "failed");

  const runMs = req.timeoutSeconds * 1000;
  const startedAt = Date.now();
  try {
    const { payload } = await runner.invoke({
      nodeId: node.nodeId,
      command: "system.run",
      params: {
        command: shellArgv(req.command, node.platform),
        rawCommand: req.command,
        ...(cwd !== undefined ? { cwd } : {}),
        ...(Object.keys(overrides).length > 0 ? { env: overrides } : {}),
        ...(runMs > 0 ? { timeoutMs: runMs } : {}),
        agentId: ctx.agentId,
        sessionKey: ctx.sessionKey,
        ...(ctx.runId ? { runId: ctx.runId } : {}),
        suppressNotifyOnExit: true,
      },
      timeoutMs: runMs > 0 ? runMs + REPORT_GRACE_MS : UNLIMITED_WAIT_MS,
      idempotencyKey: `exec:${ctx.runId ?? ctx.surface}:${ctx.toolCallId}`,
      sessionKey: ctx.sessionKey,
      signal: ctx.signal,
      onProgress: (chunk) => {
        try {
          ctx.update({ text: chunk });
        } catch {
          // A listener's failure must not reach the node's progress request.
        }
      },
    });
    return resultOf(node, payload, Date.now() - startedAt, req.timeoutSeconds);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    const denied = /SYSTEM_RUN_DENIED/.test(err.message);
    const why = denied ? `node ${label(node)} refused the command by its own exec policy (see \`openclaw approvals get --node ${node.nodeId}\`)` : `node ${label(node)} did not run the command`;
    throw new ToolError(`${why}: ${err.message}`, denied ? "blocked" : "failed", { host: "node", nodeId: node.nodeId });
  }
}
