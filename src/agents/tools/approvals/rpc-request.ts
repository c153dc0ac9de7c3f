import { allowAlwaysEntries, analyzeCommand, type MatchEnv } from "./allowlist-match.js";
import { APPROVAL_DECISIONS, type ApprovalBroker, type ApprovalDecision, type ApprovalRecord, type ExecApprovalRequest } from "./approval-broker.js";
import type { AllowlistEntry } from "./approvals-file.js";
import { joinShellWords } from "./shell-segments.js";

/** An approval asked for over RPC (`exec.approval.request`) by an operator or a node. */
export type ExecApprovalInput = {
  id?: string;
  command?: string;
  commandArgv?: string[];
  systemRunPlan?: { argv?: string[]; cwd?: string | null; commandText?: string; agentId?: string | null; sessionKey?: string | null };
  cwd?: string | null;
  nodeId?: string | null;
  host?: string | null;
  security?: string | null;
  ask?: string | null;
  warningText?: string | null;
  agentId?: string | null;
  sessionKey?: string | null;
  runId?: string | null;
  toolCallId?: string | null;
  resolvedPath?: string | null;
  unavailableDecisions?: string[];
  timeoutMs?: number;
};

export type RpcApprovalDeps = {
  broker: ApprovalBroker;
  defaultAgentId(): string;
  matchEnv(agentId: string): MatchEnv;
  now(): number;
  /** The configured expiry, for requests that do not name one. */
  timeoutMs(): number;
  /** Saves the entries an allow-always decision adds to the agent's allowlist. */
  grant(agentId: string, entries: AllowlistEntry[]): Promise<void>;
};

/**
 * Creates the pending request approval clients see. Nothing is awaited before it exists unless the
 * command must be analysed, so a `waitDecision` read right behind the request still finds it.
 */
export async function createRpcApproval(input: ExecApprovalInput, deps: RpcApprovalDeps): Promise<ApprovalRecord> {
  const plan = input.systemRunPlan;
  const argv = input.commandArgv ?? plan?.argv;
  const command = input.command ?? plan?.commandText ?? (argv && argv.length > 0 ? joinShellWords(argv) : "");
  const cwd = input.cwd ?? plan?.cwd ?? null;
  const agentId = (input.agentId ?? plan?.agentId ?? deps.defaultAgentId()).toLowerCase();
  const host = input.host ?? (input.nodeId ? "node" : "gateway");
  // Only gateway-host commands can be remembered here; a node keeps its own approvals.
  const analysis = host === "gateway" && cwd ? await analyzeCommand({ argv: argv ?? null, commandText: command, cwd }, [], deps.matchEnv(agentId)) : null;
  const entries = analysis && cwd ? allowAlwaysEntries(analysis, cwd, command, deps.now()) : [];
  const offered: ApprovalDecision[] = APPROVAL_DECISIONS.filter((d) => !input.unavailableDecisions?.includes(d));
  const request: ExecApprovalRequest = {
    command,
    ...(argv ? { commandArgv: argv } : {}),
    cwd,
    host,
    ...(input.nodeId ? { nodeId: input.nodeId } : {}),
    agentId,
    sessionKey: input.sessionKey ?? plan?.sessionKey ?? null,
    runId: input.runId ?? null,
    toolCallId: input.toolCallId ?? null,
    resolvedPath: input.resolvedPath ?? analysis?.segments[0]?.resolvedPath ?? null,
    security: input.security ?? null,
    ask: input.ask ?? null,
    ...(input.warningText ? { warningText: input.warningText } : {}),
    allowedDecisions: offered,
  };
  return deps.broker.create(request, {
    ...(input.id ? { id: input.id } : {}),
    timeoutMs: input.timeoutMs ?? deps.timeoutMs(),
    ...(entries.length > 0 ? { onAllowAlways: () => deps.grant(agentId, entries) } : {}),
  });
}
