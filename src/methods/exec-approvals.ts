import { Type } from "@sinclair/typebox";
import { APPROVAL_DECISIONS, approvalNotFound, ApprovalsFileError, approvalsFileView, type ApprovalDecision, type ApprovalRecord, type ExecApprovals } from "../agents/tools/approvals/index.js";
import { ApprovalsFileSchema } from "../agents/tools/approvals/approvals-file.js";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import { defineMethod, EmptyParams } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;
const NullableString = Opt(Type.Union([Type.String(), Type.Null()]));
const DEFAULT_GRANTS_LIMIT = 200;

export function approvalsOf(gateway: GatewayContext): ExecApprovals {
  if (!gateway.approvals) throw unavailable("exec approvals are not available on this gateway");
  return gateway.approvals;
}

function pendingView(record: ApprovalRecord) {
  return { id: record.id, request: record.request, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
}

function recordView(record: ApprovalRecord) {
  return { ...pendingView(record), status: record.status, decision: record.decision, resolvedBy: record.resolvedBy, resolvedAtMs: record.resolvedAtMs };
}

export { approvalNotFound };

export function parseDecision(value: string): ApprovalDecision {
  if ((APPROVAL_DECISIONS as readonly string[]).includes(value)) return value as ApprovalDecision;
  throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `invalid decision "${value}": use ${APPROVAL_DECISIONS.join(", ")}` });
}

const IdParams = compileSchema(Type.Object({ id: NonEmpty }, { additionalProperties: false }));

export const execApprovalGetMethod = defineMethod({
  name: "exec.approval.get",
  scope: Scope.approvals,
  params: IdParams,
  handler({ params, gateway }) {
    const record = approvalsOf(gateway).broker.get(params.id);
    if (!record) throw approvalNotFound(params.id);
    return recordView(record);
  },
});

export const execApprovalListMethod = defineMethod({
  name: "exec.approval.list",
  scope: Scope.approvals,
  handler({ gateway }) {
    return approvalsOf(gateway).broker.list().map(pendingView);
  },
});

const ApprovalScope = Type.Union([
  Type.Object({ kind: Type.Literal("message-send"), target: Type.String({ minLength: 1, maxLength: 128 }), recipientCount: Type.Integer({ minimum: 1, maximum: 1_000_000 }), recipients: Opt(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 5 })), audience: Opt(Type.Union([Type.Literal("internal"), Type.Literal("external")])) }),
  Type.Object({ kind: Type.Literal("payment"), amount: Type.String({ minLength: 1, maxLength: 40 }), currency: Type.String({ minLength: 1, maxLength: 12 }), target: Type.String({ minLength: 1, maxLength: 128 }) }),
  Type.Object({ kind: Type.Literal("external-post"), target: Type.String({ minLength: 1, maxLength: 128 }), visibility: Type.Union([Type.Literal("public"), Type.Literal("restricted")]) }),
  Type.Object({ kind: Type.Literal("standing-grant"), automation: Type.String({ minLength: 1, maxLength: 128 }), command: Type.String({ minLength: 1, maxLength: 256 }), expiresInDays: Opt(Type.Integer({ minimum: 1, maximum: 3650 })) }),
]);

const SystemRunPlan = Type.Object({
  argv: Type.Array(Type.String()),
  cwd: Type.Union([Type.String(), Type.Null()]),
  commandText: Type.String(),
  commandPreview: NullableString,
  agentId: Type.Union([Type.String(), Type.Null()]),
  sessionKey: Type.Union([Type.String(), Type.Null()]),
  policySnapshot: Opt(Type.Unknown()),
  mutableFileOperand: Opt(Type.Unknown()),
});

const RequestParams = compileSchema(
  Type.Object(
    {
      id: Opt(NonEmpty),
      command: Opt(NonEmpty),
      commandArgv: Opt(Type.Array(Type.String())),
      systemRunPlan: Opt(SystemRunPlan),
      env: Opt(Type.Record(Type.String(), Type.String())),
      cwd: NullableString,
      nodeId: Opt(Type.Union([NonEmpty, Type.Null()])),
      host: NullableString,
      security: NullableString,
      ask: NullableString,
      warningText: NullableString,
      scope: Opt(ApprovalScope),
      unavailableDecisions: Opt(Type.Array(Type.Literal("allow-always"), { minItems: 1, maxItems: 1 })),
      commandSpans: Opt(Type.Array(Type.Object({ startIndex: Type.Integer({ minimum: 0 }), endIndex: Type.Integer({ minimum: 1 }) }))),
      agentId: NullableString,
      resolvedPath: NullableString,
      sessionKey: NullableString,
      sessionId: NullableString,
      runId: NullableString,
      toolCallId: NullableString,
      turnSourceChannel: NullableString,
      turnSourceTo: NullableString,
      turnSourceAccountId: NullableString,
      turnSourceThreadId: Opt(Type.Union([Type.String(), Type.Number(), Type.Null()])),
      approvalReviewerDeviceIds: Opt(Type.Array(NonEmpty)),
      requireDeliveryRoute: Opt(Type.Boolean()),
      suppressDelivery: Opt(Type.Boolean()),
      deliverToApprovalClientsOnly: Opt(Type.Boolean()),
      timeoutMs: Opt(Type.Integer({ minimum: 1 })),
      twoPhase: Opt(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
);

/** Creates a pending approval and answers with its decision; `twoPhase` first answers `accepted` with the id. */
export const execApprovalRequestMethod = defineMethod({
  name: "exec.approval.request",
  scope: Scope.approvals,
  params: RequestParams,
  async handler({ params, gateway, sendInterim, signal }) {
    const approvals = approvalsOf(gateway);
    if (!params.command && !params.commandArgv?.length && !params.systemRunPlan) {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "invalid exec.approval.request params: command, commandArgv or systemRunPlan required" });
    }
    const record = await approvals.request(params);
    const base = { id: record.id, createdAtMs: record.createdAtMs, expiresAtMs: record.expiresAtMs };
    if (params.twoPhase) sendInterim({ status: "accepted", ...base });
    const decision = await approvals.broker.waitDecision(record.id, { signal });
    return { ...base, status: record.status, decision };
  },
});

const WaitParams = compileSchema(Type.Object({ id: NonEmpty, timeoutMs: Opt(Type.Integer({ minimum: 1 })) }, { additionalProperties: true }));

export const execApprovalWaitDecisionMethod = defineMethod({
  name: "exec.approval.waitDecision",
  scope: Scope.approvals,
  params: WaitParams,
  async handler({ params, gateway, signal }) {
    const broker = approvalsOf(gateway).broker;
    const decision = await broker.waitDecision(params.id, { signal, ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}) });
    return { id: params.id, decision, status: broker.get(params.id)?.status ?? "expired" };
  },
});

const ResolveParams = compileSchema(
  Type.Object(
    {
      id: NonEmpty,
      decision: NonEmpty,
      reviewer: Opt(Type.Object({ channel: NonEmpty, accountId: NonEmpty, senderId: NonEmpty }, { additionalProperties: false })),
      grantExpiresInDays: Opt(Type.Integer({ minimum: 1, maximum: 3650 })),
    },
    { additionalProperties: false },
  ),
);

export const execApprovalResolveMethod = defineMethod({
  name: "exec.approval.resolve",
  scope: Scope.approvals,
  params: ResolveParams,
  async handler({ params, gateway, client }) {
    const decision = parseDecision(params.decision);
    const resolvedBy = params.reviewer ? `${params.reviewer.channel}:${params.reviewer.senderId}` : client.clientId;
    const { record, alreadyResolved } = await approvalsOf(gateway).broker.resolve(params.id, decision, resolvedBy);
    return { ok: true, id: record.id, decision, ...(alreadyResolved ? { alreadyResolved: true } : {}) };
  },
});

const GrantsListParams = compileSchema(Type.Object({ limit: Opt(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }));

export const execApprovalGrantsListMethod = defineMethod({
  name: "exec.approval.grants.list",
  scope: Scope.approvals,
  params: GrantsListParams,
  async handler({ params, gateway }) {
    return { grants: await approvalsOf(gateway).listGrants(params.limit ?? DEFAULT_GRANTS_LIMIT) };
  },
});

const GrantsRevokeParams = compileSchema(Type.Object({ grantId: NonEmpty }, { additionalProperties: false }));

export const execApprovalGrantsRevokeMethod = defineMethod({
  name: "exec.approval.grants.revoke",
  scope: Scope.approvals,
  params: GrantsRevokeParams,
  async handler({ params, gateway }) {
    const revoked = await approvalsOf(gateway).revokeGrant(params.grantId).catch(fileError);
    return { ok: true, grantId: params.grantId, revoked, outcome: revoked ? "revoked" : "not-found" };
  },
});

function fileError(err: unknown): never {
  if (err instanceof ApprovalsFileError) {
    throw new GatewayError({ code: ErrorCodes.invalidRequest, message: err.message, details: { code: err.code.toUpperCase().replace(/-/g, "_"), ...err.details } });
  }
  throw err;
}

export const execApprovalsGetMethod = defineMethod({
  name: "exec.approvals.get",
  scope: Scope.admin,
  params: EmptyParams,
  async handler({ gateway }) {
    return approvalsFileView(await approvalsOf(gateway).file.read());
  },
});

const SetParams = compileSchema(Type.Object({ file: ApprovalsFileSchema, baseHash: Opt(NonEmpty) }, { additionalProperties: false }));

export const execApprovalsSetMethod = defineMethod({
  name: "exec.approvals.set",
  scope: Scope.admin,
  params: SetParams,
  async handler({ params, gateway }) {
    const snapshot = await approvalsOf(gateway).file.replace(params.file, params.baseHash).catch(fileError);
    return { ok: true, ...approvalsFileView(snapshot) };
  },
});

/** Plugin and system-agent approvals never arise here; their lists exist so `openclaw approvals pending` can enumerate every kind. */
const emptyApprovalList = (name: string) => defineMethod({ name, scope: Scope.approvals, handler: () => [] });

export const execApprovalMethods = [
  execApprovalGetMethod,
  execApprovalListMethod,
  execApprovalRequestMethod,
  execApprovalWaitDecisionMethod,
  execApprovalResolveMethod,
  execApprovalGrantsListMethod,
  execApprovalGrantsRevokeMethod,
  execApprovalsGetMethod,
  execApprovalsSetMethod,
  emptyApprovalList("plugin.approval.list"),
  emptyApprovalList("openclaw.approval.list"),
];
