/** What operators see of exec approvals. Free of imports so the Control UI can share it. */

export const APPROVAL_DECISIONS = ["allow-once", "allow-always", "deny"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** What operators see of a request (`exec.approval.requested` and `exec.approval.list`). */
export type ExecApprovalRequest = {
  command: string;
  commandArgv?: string[];
  cwd: string | null;
  host: string;
  nodeId?: string | null;
  agentId: string | null;
  sessionKey: string | null;
  runId?: string | null;
  toolCallId?: string | null;
  resolvedPath?: string | null;
  security?: string | null;
  ask?: string | null;
  warningText?: string | null;
  allowedDecisions: ApprovalDecision[];
};
