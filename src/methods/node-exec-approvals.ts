import { randomUUID } from "node:crypto";
import { Type } from "@sinclair/typebox";
import { ApprovalsFileSchema } from "../agents/tools/approvals/approvals-file.js";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const GetParams = compileSchema(Type.Object({ nodeId: NonEmpty }, { additionalProperties: false }));
const SetParams = compileSchema(
  Type.Object(
    { nodeId: NonEmpty, file: Type.Optional(ApprovalsFileSchema), native: Type.Optional(Type.Record(Type.String(), Type.Unknown())), baseHash: Type.Optional(NonEmpty) },
    { additionalProperties: false },
  ),
);

/** Relays one approvals command to the node; its answer must be an object. */
async function relay(gateway: GatewayContext, nodeId: string, command: string, params: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
  if (!gateway.nodes) throw unavailable("nodes are not available in this gateway");
  const { payload } = await gateway.nodes.invoke({ nodeId, command, params, timeoutMs: 15_000, idempotencyKey: randomUUID(), signal });
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new GatewayError({ code: ErrorCodes.unavailable, message: `node ${nodeId} answered ${command} with something other than an approvals document` });
  }
  return payload as Record<string, unknown>;
}

/** A node's own exec approvals (`openclaw approvals get --node`), read through `system.execApprovals.get`. */
export const execApprovalsNodeGetMethod = defineMethod({
  name: "exec.approvals.node.get",
  scope: Scope.admin,
  params: GetParams,
  handler: ({ params, gateway, signal }) => relay(gateway, params.nodeId, "system.execApprovals.get", {}, signal),
});

export const execApprovalsNodeSetMethod = defineMethod({
  name: "exec.approvals.node.set",
  scope: Scope.admin,
  params: SetParams,
  handler({ params, gateway, signal }) {
    if ((params.file === undefined) === (params.native === undefined)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "give exactly one of file or native" });
    if (params.native !== undefined && params.baseHash === undefined) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "native settings need the baseHash of the document they change" });
    const body = params.file !== undefined ? { file: params.file, ...(params.baseHash ? { baseHash: params.baseHash } : {}) } : { ...params.native, baseHash: params.baseHash };
    return relay(gateway, params.nodeId, "system.execApprovals.set", body, signal);
  },
});

export const nodeExecApprovalMethods = [execApprovalsNodeGetMethod, execApprovalsNodeSetMethod];
