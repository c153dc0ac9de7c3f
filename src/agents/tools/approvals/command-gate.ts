import type { CommandGate, CommandRequest, CommandVerdict } from "../types.js";
import { allowAlwaysEntries, analyzeCommand, type CommandSegment, type MatchEnv } from "./allowlist-match.js";
import { APPROVAL_DECISIONS, type ApprovalBroker, type ApprovalDecision } from "./approval-broker.js";
import type { AllowlistEntry } from "./approvals-file.js";
import { decideCommand, fallbackVerdict, needsAnalysis, preview, type ExecPolicy, type RequestedExecPolicy } from "./exec-policy.js";

export type CommandGateOptions = {
  /** The effective policy of an agent (config + approvals file), read fresh for each command. */
  policy(agentId: string): Promise<ExecPolicy>;
  /** What config alone asks for: the only policy a sandboxed command answers to. */
  requested(agentId: string): RequestedExecPolicy;
  broker: ApprovalBroker;
  /** The PATH and HOME the agent's host commands run with. */
  matchEnv(agentId: string): MatchEnv;
  /** How long a pending approval waits for an answer. */
  timeoutMs(): number;
  /** Saves the entries an allow-always decision adds to the agent's allowlist. */
  grant(agentId: string, entries: AllowlistEntry[]): Promise<void>;
  /** Notes that allowlist entries were used (last-used metadata); best effort. */
  touch?(agentId: string, segments: CommandSegment[], commandText: string): void;
  now?: () => number;
};

export function formatWait(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

const aborted = (): CommandVerdict => ({ allowed: false, via: "aborted", message: "the run was aborted while the command waited for the owner's approval; the command was not run" });

/**
 * Decides every command before it is spawned. Policy answers most at once; a command that needs
 * the owner's approval becomes a pending request that approval clients see, and the call waits
 * (bounded by the request's expiry). When nobody can answer (an HTTP tool call, no approval
 * client connected, or the request expired) `askFallback` decides instead.
 *
 * Sandboxed commands skip host approvals: the sandbox is their boundary and approvals guard the
 * host. Only an explicit `deny` in config (`tools.exec.mode`/`security`) still stops them.
 */
export function createCommandGate(opts: CommandGateOptions): CommandGate {
  const now = opts.now ?? Date.now;
  return {
    async authorize(request: CommandRequest, signal: AbortSignal): Promise<CommandVerdict> {
      if (signal.aborted) return aborted();
      if (request.sandboxed) {
        if (opts.requested(request.agentId).security !== "deny") return { allowed: true, via: "full" };
        return { allowed: false, via: "security-deny", message: "exec refused: the owner's config blocks commands (tools.exec security=deny); the command was not run. Do not retry it." };
      }
      const policy = await opts.policy(request.agentId);
      const matchEnv = request.node ? { ...opts.matchEnv(request.agentId), resolveProgram: request.node.resolveProgram } : opts.matchEnv(request.agentId);
      const analysis = needsAnalysis(policy) ? await analyzeCommand(request, policy.allowlist, matchEnv) : null;
      const decision = decideCommand(policy, analysis, request.commandText);
      if (decision.outcome === "allow") {
        if (decision.via === "allowlist" && analysis) opts.touch?.(request.agentId, analysis.segments, request.commandText);
        return { allowed: true, via: decision.via };
      }
      if (decision.outcome === "refuse") return { allowed: false, via: decision.via, message: decision.message };

      const command = preview(request.commandText);
      const unanswerable = request.surface === "http" ? "HTTP tool calls cannot ask for it" : !opts.broker.hasApprover() ? "no approval client is connected" : null;
      if (unanswerable) {
        return fallbackVerdict(policy, analysis, {
          via: "security-deny",
          message: `this command needs the owner's approval, but ${unanswerable} (askFallback=${policy.askFallback}); the command was not run: ${command}`,
        });
      }

      // allow-always cannot quiet ask=always, so it is only offered for allowlist misses it can
      // bind; never for a node's command, whose paths say nothing about programs on this host.
      const entries = decision.reason === "on-miss" && analysis && !request.node ? allowAlwaysEntries(analysis, request.cwd, request.commandText, now()) : [];
      const allowedDecisions: ApprovalDecision[] = entries.length > 0 ? [...APPROVAL_DECISIONS] : ["allow-once", "deny"];
      const timeoutMs = opts.timeoutMs();
      const record = opts.broker.create(
        {
          command: request.commandText,
          ...(request.argv ? { commandArgv: request.argv } : {}),
          cwd: request.cwd,
          host: request.node ? "node" : "gateway",
          ...(request.node ? { nodeId: request.node.nodeId } : {}),
          agentId: request.agentId,
          sessionKey: request.sessionKey,
          runId: request.runId ?? null,
          toolCallId: request.toolCallId,
          resolvedPath: analysis?.segments[0]?.resolvedPath ?? null,
          security: policy.security,
          ask: policy.ask,
          allowedDecisions,
        },
        { timeoutMs, ...(entries.length > 0 ? { onAllowAlways: () => opts.grant(request.agentId, entries) } : {}) },
      );
      const answer = await opts.broker.waitDecision(record.id, { signal });
      if (signal.aborted) {
        opts.broker.cancel(record.id);
        return aborted();
      }
      if (answer === "allow-once" || answer === "allow-always") return { allowed: true, via: answer };
      if (answer === "deny") return { allowed: false, via: "denied", message: `the owner denied this command: ${command}; it was not run. Do not retry it; ask the user how to proceed.` };
      if (record.status === "cancelled") return { allowed: false, via: "aborted", message: `the approval request was withdrawn (the gateway is stopping); the command was not run: ${command}` };
      return fallbackVerdict(policy, analysis, { via: "expired", message: `approval request expired after ${formatWait(timeoutMs)} with no answer; the command was not run: ${command}` });
    },
  };
}
