import { delimiter, join } from "node:path";
import { resolveAgentsConfig } from "../../agent-config.js";
import { isPlainObject } from "../../../config/objects.js";
import { resolveHomeDir, type Env } from "../../../config/paths.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { createLogger } from "../../../infra/logger.js";
import type { CommandGate } from "../types.js";
import { allowAlwaysEntries, analyzeCommand, type CommandSegment, type MatchEnv } from "./allowlist-match.js";
import { APPROVAL_DECISIONS, ApprovalBroker, type ApprovalDecision, type ApprovalEvents, type ApprovalRecord, type ExecApprovalRequest } from "./approval-broker.js";
import { ApprovalsFileStore, approvalsFilePath, type AllowlistEntry } from "./approvals-file.js";
import { createCommandGate } from "./command-gate.js";
import { effectiveExecPolicy, requestedExecPolicy, type ExecPolicy } from "./exec-policy.js";
import { listGrants, removeGrant, type ExecGrant } from "./grants.js";
import { joinShellWords } from "./shell-segments.js";

export { ApprovalBroker, APPROVAL_DECISIONS, type ApprovalDecision, type ApprovalRecord, type ExecApprovalRequest } from "./approval-broker.js";
export { ApprovalsFileError, ApprovalsFileStore, redactApprovalsFile, type ApprovalsSnapshot, type ExecApprovalsFile } from "./approvals-file.js";
export { createCommandGate } from "./command-gate.js";
export { effectiveExecPolicy, requestedExecPolicy, GATEWAY_HOST_DEFAULTS, type ExecPolicy } from "./exec-policy.js";
export type { ExecGrant } from "./grants.js";

const log = createLogger("exec-approvals");

/** OpenClaw's documented expiry for a pending exec approval. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 30 * 60_000;
/** Last-used stamps are rewritten at most this often per entry, so busy allowlists do not churn the file. */
const TOUCH_INTERVAL_MS = 60_000;

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

/** Exec approvals of one gateway: the gate tools call, the pending requests, the file and its grants. */
export interface ExecApprovals {
  readonly gate: CommandGate;
  readonly broker: ApprovalBroker;
  readonly file: ApprovalsFileStore;
  policyFor(agentId: string): Promise<ExecPolicy>;
  /** Creates a pending request on behalf of an RPC caller; the caller waits with `broker.waitDecision`. */
  request(input: ExecApprovalInput): Promise<ApprovalRecord>;
  listGrants(limit: number): Promise<ExecGrant[]>;
  /** Idempotent: false when no such grant exists. */
  revokeGrant(grantId: string): Promise<boolean>;
  /** Withdraws every pending request (gateway stop). */
  close(): void;
}

export type ExecApprovalsOptions = {
  stateDir: string;
  config: () => GatewayConfig;
  events: ApprovalEvents;
  now?: () => number;
  /** Where PATH and HOME come from (default: this process). */
  env?: Env;
};

function execConfig(config: GatewayConfig): Record<string, unknown> {
  const tools = config.tools;
  return isPlainObject(tools) && isPlainObject(tools.exec) ? tools.exec : {};
}

export function approvalTimeoutMs(config: GatewayConfig): number {
  const seconds = execConfig(config).approvalTimeoutSeconds;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : DEFAULT_APPROVAL_TIMEOUT_MS;
}

/** PATH as the exec tool runs commands: `tools.exec.pathPrepend` first, then the gateway's own. */
function pathFor(config: GatewayConfig, env: Env, home: string): string | undefined {
  const prepend = execConfig(config).pathPrepend;
  const extra = Array.isArray(prepend) ? prepend.filter((p): p is string => typeof p === "string" && p !== "").map((p) => (p.startsWith("~/") ? join(home, p.slice(2)) : p)) : [];
  return [...extra, env.PATH ?? ""].filter((p) => p !== "").join(delimiter) || undefined;
}

function sameEntry(a: AllowlistEntry, b: AllowlistEntry): boolean {
  return a.pattern === b.pattern && a.argPattern === b.argPattern;
}

export function createExecApprovals(opts: ExecApprovalsOptions): ExecApprovals {
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const home = resolveHomeDir(env);
  const file = new ApprovalsFileStore(approvalsFilePath(opts.stateDir));
  const broker = new ApprovalBroker({ events: opts.events, now });
  const matchEnv = (): MatchEnv => ({ pathEnv: pathFor(opts.config(), env, home), home });
  const policyFor = async (agentId: string) => effectiveExecPolicy(requestedExecPolicy(opts.config(), agentId), await file.read(), agentId);

  const grant = async (agentId: string, entries: AllowlistEntry[]): Promise<void> => {
    await file.update((f) => {
      const agent = ((f.agents ??= {})[agentId] ??= {});
      const allowlist = (agent.allowlist ??= []);
      const fresh = entries.filter((e) => !allowlist.some((existing) => sameEntry(existing, e)));
      allowlist.push(...fresh);
      return fresh.length > 0;
    });
  };

  const touch = (agentId: string, segments: CommandSegment[], commandText: string): void => {
    const at = now();
    const stale = segments.filter((s) => s.entry && (s.entry.lastUsedAt === undefined || at - s.entry.lastUsedAt >= TOUCH_INTERVAL_MS || s.entry.lastUsedCommand !== commandText));
    if (stale.length === 0) return;
    file
      .update((f) => {
        let changed = false;
        for (const agent of [f.agents?.[agentId], f.agents?.["*"]]) {
          for (const entry of agent?.allowlist ?? []) {
            const segment = stale.find((s) => s.entry!.id === entry.id);
            if (!segment) continue;
            entry.lastUsedAt = at;
            entry.lastUsedCommand = commandText;
            if (segment.resolvedPath) entry.lastResolvedPath = segment.resolvedPath;
            changed = true;
          }
        }
        return changed;
      })
      .catch((err: Error) => log.debug(`allowlist last-used stamp not saved: ${err.message}`));
  };

  const gate = createCommandGate({
    policy: policyFor,
    requested: (agentId) => requestedExecPolicy(opts.config(), agentId),
    broker,
    matchEnv,
    timeoutMs: () => approvalTimeoutMs(opts.config()),
    grant,
    touch,
    now,
  });

  const request = async (input: ExecApprovalInput): Promise<ApprovalRecord> => {
    const plan = input.systemRunPlan;
    const argv = input.commandArgv ?? plan?.argv;
    const command = input.command ?? plan?.commandText ?? (argv && argv.length > 0 ? joinShellWords(argv) : "");
    const cwd = input.cwd ?? plan?.cwd ?? null;
    const agentId = (input.agentId ?? plan?.agentId ?? resolveAgentsConfig(opts.config(), opts.stateDir, home).defaultId).toLowerCase();
    const host = input.host ?? (input.nodeId ? "node" : "gateway");
    // Only gateway-host commands can be remembered here; a node keeps its own approvals.
    const analysis = host === "gateway" && cwd ? await analyzeCommand({ argv: argv ?? null, commandText: command, cwd }, [], matchEnv()) : null;
    const entries = analysis && cwd ? allowAlwaysEntries(analysis, cwd, command, now()) : [];
    const offered: ApprovalDecision[] = APPROVAL_DECISIONS.filter((d) => !input.unavailableDecisions?.includes(d));
    const payload: ExecApprovalRequest = {
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
    return broker.create(payload, {
      ...(input.id ? { id: input.id } : {}),
      timeoutMs: input.timeoutMs ?? approvalTimeoutMs(opts.config()),
      ...(entries.length > 0 ? { onAllowAlways: () => grant(agentId, entries) } : {}),
    });
  };

  return {
    gate,
    broker,
    file,
    policyFor,
    request,
    async listGrants(limit) {
      return listGrants((await file.read()).file, limit);
    },
    async revokeGrant(grantId) {
      let removed = false;
      await file.update((f) => (removed = removeGrant(f, grantId)));
      return removed;
    },
    close: () => broker.close(),
  };
}
