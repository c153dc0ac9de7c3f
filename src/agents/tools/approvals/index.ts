import { resolveAgentsConfig } from "../../agent-config.js";
import { resolveHomeDir, type Env } from "../../../config/paths.js";
import type { GatewayConfig } from "../../../config/schema.js";
import type { CommandGate } from "../types.js";
import { ApprovalBroker, type ApprovalEvents, type ApprovalRecord } from "./approval-broker.js";
import { approvalTimeoutMs } from "./approval-timeout.js";
import { ApprovalsFileStore, approvalsFilePath, type AllowlistEntry } from "./approvals-file.js";
import { createCommandGate } from "./command-gate.js";
import { effectiveExecPolicy, requestedExecPolicy, type ExecPolicy } from "./exec-policy.js";
import { addGrantEntries, listGrants, removeGrant, type ExecGrant } from "./grants.js";
import { lastUsedStamps } from "./last-used.js";
import { hostMatchEnv } from "./match-env.js";
import { createRpcApproval, type ExecApprovalInput } from "./rpc-request.js";

export { ApprovalBroker, APPROVAL_DECISIONS, approvalNotFound, type ApprovalDecision, type ApprovalRecord, type ExecApprovalRequest } from "./approval-broker.js";
export { approvalTimeoutMs, DEFAULT_APPROVAL_TIMEOUT_MS } from "./approval-timeout.js";
export { ApprovalsFileError, ApprovalsFileStore, approvalsFileView, redactApprovalsFile, type ApprovalsFileView, type ApprovalsSnapshot, type ExecApprovalsFile } from "./approvals-file.js";
export { createCommandGate } from "./command-gate.js";
export { effectiveExecPolicy, requestedExecPolicy, GATEWAY_HOST_DEFAULTS, type ExecPolicy } from "./exec-policy.js";
export type { ExecGrant } from "./grants.js";
export type { ExecApprovalInput } from "./rpc-request.js";

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

export function createExecApprovals(opts: ExecApprovalsOptions): ExecApprovals {
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const file = new ApprovalsFileStore(approvalsFilePath(opts.stateDir));
  const broker = new ApprovalBroker({ events: opts.events, now });
  const matchEnv = (agentId: string) => hostMatchEnv(opts.config(), agentId, env);
  const policyFor = async (agentId: string) => effectiveExecPolicy(requestedExecPolicy(opts.config(), agentId), await file.read(), agentId);
  const timeoutMs = () => approvalTimeoutMs(opts.config());
  const grant = async (agentId: string, entries: AllowlistEntry[]): Promise<void> => {
    await file.update((f) => addGrantEntries(f, agentId, entries));
  };

  const gate = createCommandGate({
    policy: policyFor,
    requested: (agentId) => requestedExecPolicy(opts.config(), agentId),
    broker,
    matchEnv,
    timeoutMs,
    grant,
    touch: lastUsedStamps(file, now),
    now,
  });

  const defaultAgentId = () => resolveAgentsConfig(opts.config(), opts.stateDir, resolveHomeDir(env)).defaultId;
  const request = (input: ExecApprovalInput) => createRpcApproval(input, { broker, defaultAgentId, matchEnv, now, timeoutMs, grant });

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
