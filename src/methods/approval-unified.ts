import { Type } from "@sinclair/typebox";
import type { ApprovalRecord } from "../agents/tools/approvals/index.js";
import { GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import { approvalNotFound, approvalsOf, parseDecision } from "./exec-approvals.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });

/**
 * The kind-agnostic view of an approval (`approval.get` / `approval.resolve`), as the official
 * `openclaw approvals resolve` reads it. Only exec approvals exist on this gateway.
 */
function unifiedView(record: ApprovalRecord) {
  const { request } = record;
  return {
    id: record.id,
    kind: "exec",
    status: record.status,
    createdAtMs: record.createdAtMs,
    expiresAtMs: record.expiresAtMs,
    presentation: { kind: "exec", allowedDecisions: request.allowedDecisions, command: request.command, cwd: request.cwd, host: request.host, agentId: request.agentId, sessionKey: request.sessionKey },
    ...(record.decision ? { decision: record.decision } : {}),
    ...(record.resolvedAtMs !== null ? { resolvedAtMs: record.resolvedAtMs } : {}),
    ...(record.status === "resolved" ? { resolver: { kind: "operator", ...(record.resolvedBy ? { id: record.resolvedBy } : {}) } } : {}),
    ...(record.status === "cancelled" ? { reason: "its run ended" } : {}),
  };
}

export const approvalGetMethod = defineMethod({
  name: "approval.get",
  scope: Scope.approvals,
  params: compileSchema(Type.Object({ id: NonEmpty }, { additionalProperties: true })),
  handler({ params, gateway }) {
    const record = approvalsOf(gateway).broker.get(params.id);
    if (!record) throw approvalNotFound(params.id);
    return { approval: unifiedView(record) };
  },
});

const ResolveParams = compileSchema(
  Type.Object({ id: NonEmpty, kind: Type.Optional(NonEmpty), decision: NonEmpty, grantExpiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }, { additionalProperties: true }),
);

/** First answer wins; a later answer gets the recorded outcome back with `applied: false`. */
export const approvalResolveMethod = defineMethod({
  name: "approval.resolve",
  scope: Scope.approvals,
  params: ResolveParams,
  async handler({ params, gateway, client }) {
    if (params.kind !== undefined && params.kind !== "exec") throw approvalNotFound(params.id);
    const decision = parseDecision(params.decision);
    const broker = approvalsOf(gateway).broker;
    const record = broker.get(params.id);
    if (!record) throw approvalNotFound(params.id);
    if (record.status !== "pending") return { applied: false, approval: unifiedView(record) };
    try {
      const { record: settled, alreadyResolved } = await broker.resolve(params.id, decision, client.clientId);
      return { applied: !alreadyResolved, approval: unifiedView(settled) };
    } catch (err) {
      // Another answer won the race; report what was recorded.
      const current = broker.get(params.id);
      if (err instanceof GatewayError && current && current.status !== "pending") return { applied: false, approval: unifiedView(current) };
      throw err;
    }
  },
});
