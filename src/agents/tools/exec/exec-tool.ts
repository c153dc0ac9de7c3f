import { Type, type Static } from "@sinclair/typebox";
import { ToolError, type ToolDefinition, type ToolResult } from "../types.js";
import { checkEnvOverrides, hostCommandEnv, sandboxCommandEnv } from "./child-env.js";
import { hostCommandPath } from "./command-path.js";
import { MAX_EXEC_TIMEOUT_SECONDS, MAX_YIELD_MS, resolveExecSettings, type ExecSettings } from "./exec-config.js";
import { describeExit, outcomeStatus } from "./exit-summary.js";
import { resolveBwrap, sandboxUnavailableMessage } from "./find-bwrap.js";
import { commandHome } from "./home.js";
import { streamOutput } from "./output-stream.js";
import type { ProcessRegistry } from "./process-registry.js";
import { startCommand, type CommandOutcome, type RunningCommand } from "./run-command.js";
import { bwrapArgv } from "./sandbox.js";
import { resolveSandboxPolicy } from "./sandbox-config.js";
import { shownCommand } from "./shown-command.js";
import { simpleArgv } from "./simple-argv.js";
import { timerMs } from "./timers.js";
import { noteRunningCommand } from "./leftovers.js";
import { runOnNode } from "./node-exec.js";
import { resolveWorkdir } from "./workdir.js";

/** How much of the output so far a backgrounded call shows. */
const RUNNING_PREVIEW_BYTES = 4 * 1024;

const Literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description });

export const ExecParameters = Type.Object({
  command: Type.String({ minLength: 1, description: "Shell command to run (through /bin/sh -c)." }),
  workdir: Type.Optional(Type.String({ description: "Working directory inside the workspace; relative paths resolve against the workspace. Default: the workspace." })),
  env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Environment variables set for this command." })),
  yieldMs: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_YIELD_MS, description: "Move the command to the background after this many milliseconds (default 10000, at most 3600000)." })),
  background: Type.Optional(Type.Boolean({ description: "Start in the background at once; manage it with the process tool." })),
  timeoutSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_EXEC_TIMEOUT_SECONDS, description: "Kill the command after this many seconds, also in the background (default tools.exec.timeoutSeconds, 1800; 0 = no limit; at most 604800, 7 days)." })),
  timeout: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_EXEC_TIMEOUT_SECONDS, description: "Older name of timeoutSeconds." })),
  pty: Type.Optional(Type.Boolean({ description: "Not supported here: commands run without a terminal." })),
  host: Type.Optional(Literals(["auto", "sandbox", "gateway", "node"] as const, "Where to run: auto (the session's default), sandbox, gateway, or node (a paired machine, through its node host).")),
  ask: Type.Optional(Literals(["off", "on-miss", "always"] as const, "Approval mode; the owner's exec policy decides here.")),
  node: Type.Optional(Type.String({ description: "With host=node: the node's id, name or IP. Default: tools.exec.node, else the only connected node that can run commands." })),
  elevated: Type.Optional(Type.Boolean({ description: "Not supported here: commands never leave the session's sandbox." })),
});

type ExecArgs = Static<typeof ExecParameters>;

export type ExecToolOptions = {
  registry: ProcessRegistry;
  /** The bubblewrap binary to use instead of searching PATH (a missing one makes sandboxed exec unavailable). */
  bwrapPath?: string;
  killGraceMs?: number;
};

/** Where the command runs: the call's host, else `tools.exec.host`, else the session's default. */
function targetHost(args: ExecArgs, configured: ExecSettings["host"]): "auto" | "sandbox" | "gateway" | "node" {
  return args.host && args.host !== "auto" ? args.host : configured;
}

function refuseUnsupported(args: ExecArgs, host: ReturnType<typeof targetHost>, sandboxed: boolean): void {
  const notRun = "the command was not run";
  if (args.pty) throw new ToolError(`pty is not supported by this gateway (commands run without a terminal); run it without pty, with non-interactive flags; ${notRun}`, "invalid_arguments");
  if (args.elevated) throw new ToolError(`elevated exec is not available on this gateway: commands run where the session runs them; ${notRun}`, "blocked");
  if (args.node !== undefined && host !== "node") throw new ToolError(`node selects a machine only with host=node; pass host "node" too, or omit node; ${notRun}`, "invalid_arguments");
  if (host === "node") {
    // A model may not pick the node to leave its sandbox; the owner's tools.exec.host may route there.
    if (args.host === "node" && sandboxed) throw new ToolError(`this session is sandboxed, so host=node is refused; omit host to run in the sandbox; ${notRun}`, "blocked");
    if (args.background) throw new ToolError(`host=node commands run in the foreground (no background sessions on nodes); run it without background; ${notRun}`, "invalid_arguments");
    return;
  }
  if (host === "gateway" && sandboxed) throw new ToolError(`this session is sandboxed, so host=gateway is refused; omit host to run in the sandbox; ${notRun}`, "blocked");
  if (host === "sandbox" && !sandboxed) throw new ToolError(`sandboxing is off for this session, so host=sandbox cannot be honoured; omit host to run on the gateway host; ${notRun}`, "unavailable");
}

function timeoutSecondsOf(args: ExecArgs, fallback: number): number {
  const value = args.timeoutSeconds ?? args.timeout ?? fallback;
  if (!Number.isFinite(value) || value < 0) throw new ToolError("timeoutSeconds must be a number of seconds, 0 or more", "invalid_arguments");
  return Math.min(value, MAX_EXEC_TIMEOUT_SECONDS);
}

/** Resolves with the outcome, or with null once `ms` pass with the command still running. */
function outcomeWithin(command: RunningCommand, ms: number): Promise<CommandOutcome | null> {
  if (ms <= 0) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(null), timerMs(ms));
    command.done.then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function execTool(options: ExecToolOptions): ToolDefinition {
  return {
    name: "exec",
    description:
      "Run a shell command in the workspace. Returns its output and exit code; a command still running after yieldMs (or with background: true) keeps running as a background session managed with the process tool.",
    parameters: ExecParameters,
    async execute(raw, ctx): Promise<ToolResult> {
      const args = raw as ExecArgs;
      if (typeof args.command !== "string" || args.command.trim() === "") throw new ToolError("command is required", "invalid_arguments");
      const settings = resolveExecSettings(ctx.config, ctx.agentId, commandHome(ctx.env));
      const host = targetHost(args, settings.host);
      refuseUnsupported(args, host, ctx.sandboxed);
      const timeoutSeconds = timeoutSecondsOf(args, settings.timeoutSeconds);
      if (host === "node") return runOnNode({ command: args.command, node: args.node, workdir: args.workdir, env: args.env, timeoutSeconds }, ctx, settings.node);
      const dirs = await resolveWorkdir(ctx.workspace, args.workdir);
      const overrides = checkEnvOverrides(args.env, !ctx.sandboxed);
      const shellArgv = ["/bin/sh", "-c", args.command];
      const policy = ctx.sandboxed ? resolveSandboxPolicy(ctx.config, ctx.agentId) : null;
      let argv = shellArgv;
      let env: Record<string, string>;
      if (policy) {
        const bwrap = await resolveBwrap(options.bwrapPath, ctx.env);
        if (!bwrap.ok) throw new ToolError(sandboxUnavailableMessage(bwrap.reason), "unavailable", { sandboxed: true });
        argv = bwrapArgv({ bwrapPath: bwrap.path, policy, workspace: dirs.root, cwd: dirs.cwd, argv: shellArgv });
        env = sandboxCommandEnv(dirs.root, { lang: ctx.env.LANG, pathPrepend: settings.pathPrepend, sandboxEnv: policy.env, overrides });
      } else {
        env = hostCommandEnv(ctx.env, { passEnv: settings.passEnv, path: hostCommandPath(ctx.config, ctx.agentId, ctx.env), overrides });
      }

      const verdict = await ctx.host.commands.authorize(
        {
          agentId: ctx.agentId,
          sessionKey: ctx.sessionKey,
          runId: ctx.runId,
          toolCallId: ctx.toolCallId,
          commandText: shownCommand(args.command, overrides),
          argv: simpleArgv(args.command),
          cwd: dirs.cwd,
          sandboxed: ctx.sandboxed,
          surface: ctx.surface,
        },
        ctx.signal,
      );
      if (!verdict.allowed) throw new ToolError(verdict.message, "blocked", { via: verdict.via, ...(verdict.requiresApproval ? { requiresApproval: true } : {}) });
      if (ctx.signal.aborted) throw new ToolError("the run was aborted before the command started; it was not run", "failed");

      let command: RunningCommand;
      try {
        command = startCommand({ argv, cwd: dirs.cwd, env, timeoutMs: timeoutSeconds * 1000, signal: ctx.signal, keepStdinOpen: true, killGraceMs: options.killGraceMs });
      } catch (err) {
        throw new ToolError(`the command could not be started: ${(err as Error).message}`, "failed");
      }
      options.registry.track(command);
      if (!ctx.sandboxed && command.pid !== undefined) {
        const forget = noteRunningCommand(ctx.host.stateDir, command.pid);
        command.done.then(forget, forget);
      }
      const stopStreaming = streamOutput(command, (progress) => ctx.update(progress));
      let outcome: CommandOutcome | null;
      try {
        outcome = await outcomeWithin(command, args.background ? 0 : (args.yieldMs ?? settings.backgroundMs));
      } catch (err) {
        throw new ToolError(`the command could not be started: ${(err as Error).message}`, "failed");
      } finally {
        stopStreaming();
      }

      const exitContext = { timeoutSeconds, sandboxed: ctx.sandboxed, cpuSeconds: policy?.cpuSeconds ?? 0 };
      if (outcome) {
        const status = outcomeStatus(outcome);
        return {
          content: `${outcome.output === "" ? "(no output)" : outcome.output.replace(/\n$/, "")}\n\n${describeExit(outcome, exitContext)}`,
          details: { status, exitCode: outcome.exitCode, signal: outcome.signal, durationMs: outcome.durationMs, truncated: outcome.truncated, sandboxed: ctx.sandboxed, ...(outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}) },
        };
      }

      command.detachSignal();
      const session = options.registry.adopt(command, {
        agentId: ctx.agentId,
        sessionKey: ctx.sessionKey,
        commandText: args.command,
        cwd: dirs.cwd,
        sandboxed: ctx.sandboxed,
        ttlMs: settings.cleanupMs,
        limits: exitContext,
      });
      const preview = command.output.lastBytes(RUNNING_PREVIEW_BYTES);
      return {
        content:
          `Command still running in the background (session ${session.id}). Use the process tool with sessionId "${session.id}": ` +
          `action "poll" for new output and the exit status, "write" to send stdin, "kill" to stop it.` +
          (timeoutSeconds > 0 ? ` It is killed after ${timeoutSeconds} s in total.` : "") +
          (preview ? `\n\nOutput so far:\n${preview}` : ""),
        details: { status: "running", sessionId: session.id, pid: command.pid, sandboxed: ctx.sandboxed, startedAt: session.startedAt },
      };
    },
  };
}
