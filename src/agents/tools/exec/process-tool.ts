import { Type, type Static } from "@sinclair/typebox";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import type { BackgroundSession } from "./background-session.js";
import { describeExit } from "./exit-summary.js";
import type { ProcessRegistry } from "./process-registry.js";

/** OpenClaw clamps a poll's wait to this. */
const MAX_POLL_WAIT_MS = 30_000;
const DEFAULT_LOG_LINES = 200;
const PREVIEW_CHARS = 120;

const ACTIONS = ["list", "poll", "log", "write", "send-keys", "submit", "paste", "kill", "clear", "remove"] as const;

export const ProcessParameters = Type.Object({
  action: Type.Union(ACTIONS.map((a) => Type.Literal(a)), { description: "list | poll | log | write | kill | clear | remove (send-keys, submit and paste need a PTY, which this gateway does not offer)." }),
  sessionId: Type.Optional(Type.String({ description: "The session id exec returned; every action but list needs it." })),
  data: Type.Optional(Type.String({ description: "write: text sent to the command's stdin." })),
  eof: Type.Optional(Type.Boolean({ description: "write: close stdin after the data." })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: "log: first line (0-based)." })),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: "log: number of lines (default: the last 200)." })),
  timeout: Type.Optional(Type.Number({ minimum: 0, description: "poll: wait up to this many milliseconds for new output or the exit (at most 30000)." })),
  keys: Type.Optional(Type.Array(Type.String())),
  text: Type.Optional(Type.String()),
});

type ProcessArgs = Static<typeof ProcessParameters>;

function sessionOf(registry: ProcessRegistry, args: ProcessArgs, ctx: ToolContext): BackgroundSession {
  if (!args.sessionId) throw new ToolError(`process ${args.action} needs a sessionId`, "invalid_arguments");
  const session = registry.get(ctx, args.sessionId);
  if (!session) throw new ToolError(`no background session ${args.sessionId} in this chat session (process list shows them; finished ones expire)`, "invalid_arguments");
  return session;
}

function statusLine(session: BackgroundSession): string {
  if (session.endedAt === null) return "[still running]";
  if (session.failure) return `[could not start: ${session.failure}]`;
  return describeExit(session.outcome!, session.origin.limits);
}

function summary(session: BackgroundSession): Record<string, unknown> {
  const outcome = session.outcome;
  return {
    sessionId: session.id,
    status: session.status,
    command: session.origin.commandText.length > PREVIEW_CHARS ? `${session.origin.commandText.slice(0, PREVIEW_CHARS)}…` : session.origin.commandText,
    name: session.origin.commandText.trim().split(/\s+/).slice(0, 2).join(" "),
    cwd: session.origin.cwd,
    sandboxed: session.origin.sandboxed,
    pid: session.command.pid,
    startedAt: session.startedAt,
    runtimeMs: (session.endedAt ?? Date.now()) - session.startedAt,
    ...(outcome ? { exitCode: outcome.exitCode, signal: outcome.signal, truncated: outcome.truncated } : {}),
  };
}

function list(registry: ProcessRegistry, ctx: ToolContext): ToolResult {
  const sessions = registry.list(ctx).map(summary);
  const lines = sessions.map((s) => `${s.sessionId}  ${s.status}  ${Math.round((s.runtimeMs as number) / 1000)}s  ${s.command}`);
  return { content: lines.length > 0 ? lines.join("\n") : "No background sessions.", details: { sessions } };
}

async function poll(session: BackgroundSession, args: ProcessArgs, ctx: ToolContext): Promise<ToolResult> {
  await session.waitForChange(Math.min(args.timeout ?? 0, MAX_POLL_WAIT_MS), ctx.signal);
  const { text, cutBytes } = session.drain();
  const output = text === "" ? "(no new output)" : text.replace(/\n$/, "");
  return { content: `${output}\n\n${statusLine(session)}`, details: { ...summary(session), newOutputCutBytes: cutBytes } };
}

function log(session: BackgroundSession, args: ProcessArgs): ToolResult {
  const all = session.command.output.text().replace(/\n$/, "");
  const lines = all === "" ? [] : all.split("\n");
  const start = args.offset ?? Math.max(0, lines.length - (args.limit ?? DEFAULT_LOG_LINES));
  const end = args.limit !== undefined ? Math.min(lines.length, start + args.limit) : lines.length;
  const page = lines.slice(start, end);
  const hint = `[lines ${page.length > 0 ? start + 1 : start}-${end} of ${lines.length}${end < lines.length || start > 0 ? "; use offset and limit for others" : ""}]`;
  const retention = session.command.output.truncated ? "\n[the middle of this output was cut: only its head and tail are kept]" : "";
  return { content: `${page.join("\n")}\n\n${hint}${retention}\n${statusLine(session)}`, details: { ...summary(session), offset: start, lines: page.length, totalLines: lines.length } };
}

async function write(session: BackgroundSession, args: ProcessArgs): Promise<ToolResult> {
  if (args.data === undefined && !args.eof) throw new ToolError("process write needs data (or eof: true)", "invalid_arguments");
  if (!session.command.stdinWritable) throw new ToolError(`session ${session.id} no longer accepts input (${session.endedAt === null ? "stdin was closed" : "it has finished"})`, "failed");
  try {
    await session.command.writeStdin(args.data ?? "", args.eof ?? false);
  } catch (err) {
    throw new ToolError(`could not write to session ${session.id}: ${(err as Error).message}`, "failed");
  }
  const bytes = Buffer.byteLength(args.data ?? "");
  return { content: `Wrote ${bytes} bytes to session ${session.id}${args.eof ? " and closed its stdin" : ""}.`, details: { ...summary(session), bytes, eof: args.eof ?? false } };
}

async function kill(session: BackgroundSession, graceMs: number): Promise<ToolResult> {
  if (session.endedAt !== null) return { content: `Session ${session.id} has already finished.\n${statusLine(session)}`, details: summary(session) };
  session.killRequested = true;
  session.command.stop("killed");
  await Promise.race([session.command.done.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, graceMs + 1000).unref())]);
  const ended = session.endedAt !== null;
  return { content: ended ? `Killed session ${session.id}.\n${statusLine(session)}` : `Sent SIGTERM to session ${session.id}; SIGKILL follows if it does not exit.`, details: summary(session) };
}

export type ProcessToolOptions = { registry: ProcessRegistry; killGraceMs: number };

export function processTool(options: ProcessToolOptions): ToolDefinition {
  const { registry } = options;
  return {
    name: "process",
    description: "Manage the background exec sessions started in this chat session: list, poll (new output + exit status), log (paged output), write (stdin), kill, clear, remove.",
    parameters: ProcessParameters,
    async execute(raw, ctx): Promise<ToolResult> {
      const args = raw as ProcessArgs;
      switch (args.action) {
        case "list":
          return list(registry, ctx);
        case "poll":
          return poll(sessionOf(registry, args, ctx), args, ctx);
        case "log":
          return log(sessionOf(registry, args, ctx), args);
        case "write":
          return write(sessionOf(registry, args, ctx), args);
        case "kill":
          return kill(sessionOf(registry, args, ctx), options.killGraceMs);
        case "clear": {
          const session = sessionOf(registry, args, ctx);
          if (session.endedAt === null) throw new ToolError(`session ${session.id} is still running; kill it first, or use remove`, "invalid_arguments");
          registry.delete(ctx, session.id);
          return { content: `Cleared session ${session.id}.`, details: { sessionId: session.id, cleared: true } };
        }
        case "remove": {
          const session = sessionOf(registry, args, ctx);
          const wasRunning = session.endedAt === null;
          if (wasRunning) {
            session.killRequested = true;
            session.command.stop("killed");
          }
          registry.delete(ctx, session.id);
          return { content: `Removed session ${session.id}${wasRunning ? " (termination requested)" : ""}.`, details: { sessionId: session.id, removed: true, wasRunning } };
        }
        case "send-keys":
        case "submit":
        case "paste":
          throw new ToolError(`process ${args.action} needs a PTY session, and this gateway runs commands without a terminal; use action "write" with data (e.g. "y\\n") instead`, "invalid_arguments");
        default:
          throw new ToolError(`unknown process action ${JSON.stringify((args as { action: unknown }).action)}`, "invalid_arguments");
      }
    },
  };
}
