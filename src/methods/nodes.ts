import { Type } from "@sinclair/typebox";
import { ErrorCodes, GatewayError, missingScopeError, unavailable } from "../protocol/errors.js";
import { compileSchema } from "../protocol/validate.js";
import { Scope, scopeSatisfied } from "../protocol/scopes.js";
import { invokeScope, type NodeService } from "../nodes/node-service.js";
import { PENDING_WORK_TYPES } from "../nodes/pending-work.js";
import { forwardableSystemRunParams } from "../nodes/system-run-params.js";
import type { ConnectionInfo } from "../server/connection-info.js";
import type { GatewayContext } from "../server/context.js";
import { EmptyParams, defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const RequestParams = compileSchema(Type.Object({ requestId: NonEmpty }, { additionalProperties: false }));
const NodeParams = compileSchema(Type.Object({ nodeId: NonEmpty }, { additionalProperties: false }));
const RenameParams = compileSchema(Type.Object({ nodeId: NonEmpty, displayName: NonEmpty }, { additionalProperties: false }));
const InvokeParams = compileSchema(
  Type.Object(
    {
      nodeId: NonEmpty,
      command: NonEmpty,
      params: Type.Optional(Type.Unknown()),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
      idempotencyKey: NonEmpty,
      sessionKey: Type.Optional(NonEmpty),
      turnSourceChannel: Type.Optional(Type.String()),
      turnSourceTo: Type.Optional(Type.String()),
      turnSourceAccountId: Type.Optional(Type.String()),
      turnSourceThreadId: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    },
    { additionalProperties: false },
  ),
);
const InvokeResultParams = compileSchema(
  Type.Object(
    {
      id: NonEmpty,
      nodeId: NonEmpty,
      ok: Type.Boolean(),
      payload: Type.Optional(Type.Unknown()),
      payloadJSON: Type.Optional(Type.String()),
      error: Type.Optional(Type.Object({ code: Type.Optional(NonEmpty), message: Type.Optional(NonEmpty) }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
);
const MAX_PROGRESS_CHUNK_BYTES = 16_384;
const InvokeProgressParams = compileSchema(
  Type.Object({ invokeId: NonEmpty, nodeId: NonEmpty, seq: Type.Integer({ minimum: 0 }), chunk: Type.String({ maxLength: 16384 }) }, { additionalProperties: false }),
);
const NodeEventParams = compileSchema(Type.Object({ event: NonEmpty, payload: Type.Optional(Type.Unknown()), payloadJSON: Type.Optional(Type.String()) }, { additionalProperties: false }));
const PendingEnqueueParams = compileSchema(
  Type.Object(
    {
      nodeId: NonEmpty,
      type: Type.Union(PENDING_WORK_TYPES.map((t) => Type.Literal(t))),
      priority: Type.Optional(Type.Union([Type.Literal("normal"), Type.Literal("high")])),
      expiresInMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
      wake: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
);
const PendingAckParams = compileSchema(Type.Object({ ids: Type.Array(NonEmpty, { minItems: 1 }) }, { additionalProperties: false }));
const PendingDrainParams = compileSchema(Type.Object({ maxItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) }, { additionalProperties: false }));
const SkillsUpdateParams = compileSchema(
  Type.Object(
    {
      skills: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64, pattern: "^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$" }),
            description: Type.String({ minLength: 1, maxLength: 1024 }),
            content: Type.String({ minLength: 1, maxLength: 65536 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 64 },
      ),
    },
    { additionalProperties: false },
  ),
);
const PluginToolsUpdateParams = compileSchema(
  Type.Object(
    {
      tools: Type.Array(
        Type.Object(
          {
            pluginId: NonEmpty,
            name: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z][A-Za-z0-9_-]{0,63}$" }),
            description: NonEmpty,
            parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            command: Type.Optional(NonEmpty),
            mcp: Type.Optional(Type.Object({ server: NonEmpty, tool: NonEmpty }, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

function nodesOf(gateway: GatewayContext): NodeService {
  if (!gateway.nodes) throw unavailable("nodes are not available in this gateway");
  return gateway.nodes;
}

/** The calling node's id (its device id). */
function callerNode(client: ConnectionInfo): string {
  if (!client.deviceId) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "node identity missing" });
  return client.deviceId;
}

// ---- operator methods ----

export const nodePairListMethod = defineMethod({
  name: "node.pair.list",
  scope: Scope.pairing,
  params: EmptyParams,
  async handler({ gateway }) {
    const nodes = nodesOf(gateway);
    const store = await nodes.store();
    return { pending: nodes.listPending(), paired: store.list().map((n) => ({ ...n, connected: nodes.isConnected(n.nodeId) })) };
  },
});

export const nodePairApproveMethod = defineMethod({
  name: "node.pair.approve",
  scope: Scope.pairing,
  params: RequestParams,
  async handler({ params, gateway, client }) {
    const nodes = nodesOf(gateway);
    await nodes.store(); // requests pending before a restart are loaded with the store
    const request = nodes.getRequest(params.requestId);
    if (!request) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "unknown requestId" });
    for (const scope of request.requiredApproveScopes) {
      if (!scopeSatisfied(scope, client.scopes)) throw new GatewayError(missingScopeError(scope));
    }
    return nodes.approve(params.requestId);
  },
});

export const nodePairRejectMethod = defineMethod({
  name: "node.pair.reject",
  scope: Scope.pairing,
  params: RequestParams,
  handler: ({ params, gateway }) => nodesOf(gateway).reject(params.requestId),
});

export const nodePairRemoveMethod = defineMethod({
  name: "node.pair.remove",
  scope: Scope.pairing,
  params: NodeParams,
  async handler({ params, gateway }) {
    const result = await nodesOf(gateway).remove(params.nodeId);
    gateway.devices?.disconnect(params.nodeId, "node", "node removed");
    return result;
  },
});

export const nodeRenameMethod = defineMethod({
  name: "node.rename",
  scope: Scope.pairing,
  params: RenameParams,
  handler: ({ params, gateway }) => nodesOf(gateway).rename(params.nodeId, params.displayName.trim() || params.displayName),
});

export const nodeListMethod = defineMethod({
  name: "node.list",
  scope: Scope.read,
  params: EmptyParams,
  async handler({ gateway }) {
    return { ts: Date.now(), nodes: await nodesOf(gateway).list() };
  },
});

export const nodeDescribeMethod = defineMethod({
  name: "node.describe",
  scope: Scope.read,
  params: NodeParams,
  async handler({ params, gateway }) {
    const node = await nodesOf(gateway).describe(params.nodeId);
    if (!node) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "unknown nodeId", details: { code: "NODE_NOT_FOUND", nodeId: params.nodeId } });
    return { ts: Date.now(), ...node };
  },
});

export const nodeInvokeMethod = defineMethod({
  name: "node.invoke",
  scope: Scope.write,
  params: InvokeParams,
  scopeFor: (params) => invokeScope(params.command, params.params),
  handler: ({ params, gateway, signal }) =>
    nodesOf(gateway).invoke({
      nodeId: params.nodeId,
      command: params.command,
      ...(params.params !== undefined ? { params: params.command === "system.run" ? forwardableSystemRunParams(params.params) : params.params } : {}),
      ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
      idempotencyKey: params.idempotencyKey,
      ...(params.sessionKey ? { sessionKey: params.sessionKey } : {}),
      signal,
    }),
});

// ---- node methods ----

export const nodeInvokeResultMethod = defineMethod({
  name: "node.invoke.result",
  scope: "node",
  params: InvokeResultParams,
  handler({ params, gateway, client }) {
    const nodeId = callerNode(client);
    if (params.nodeId !== nodeId) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "nodeId mismatch" });
    const matched = nodesOf(gateway).result(nodeId, params);
    return matched ? { ok: true } : { ok: true, ignored: true };
  },
});

export const nodeInvokeProgressMethod = defineMethod({
  name: "node.invoke.progress",
  scope: "node",
  params: InvokeProgressParams,
  handler({ params, gateway, client }) {
    const nodeId = callerNode(client);
    if (params.nodeId !== nodeId) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "nodeId mismatch" });
    if (Buffer.byteLength(params.chunk, "utf8") > MAX_PROGRESS_CHUNK_BYTES) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `progress chunk too large (at most ${MAX_PROGRESS_CHUNK_BYTES} bytes)` });
    const active = nodesOf(gateway).progress(nodeId, params);
    return active ? { ok: true } : { ok: true, ignored: true };
  },
});

export const nodeEventMethod = defineMethod({
  name: "node.event",
  scope: "node",
  params: NodeEventParams,
  handler({ params, gateway, client }) {
    const nodeId = callerNode(client);
    const nodes = nodesOf(gateway);
    let payload: unknown = params.payload;
    if (payload === undefined && params.payloadJSON !== undefined) {
      try {
        payload = JSON.parse(params.payloadJSON);
      } catch {
        return { ok: false, event: params.event, handled: false, reason: "invalid-payload-json" };
      }
    }
    switch (params.event) {
      case "node.presence.alive": {
        const trigger = (payload as { trigger?: unknown } | undefined)?.trigger;
        nodes.touch(nodeId, typeof trigger === "string" ? trigger : "alive");
        return { ok: true, event: params.event, handled: true };
      }
      case "node.host.stats":
        nodes.touch(nodeId, "host-stats");
        gateway.events.broadcast("node.hostStats", { nodeId, ...(payload && typeof payload === "object" ? payload : {}), ts: Date.now() });
        return { ok: true, event: params.event, handled: true };
      default:
        return { ok: true, event: params.event, handled: false, reason: "unsupported-event" };
    }
  },
});

export const nodeRunnerInventoryUpdateMethod = defineMethod({
  name: "node.runnerInventory.update",
  scope: "node",
  advertise: false,
  handler({ gateway, client }) {
    const nodeId = callerNode(client);
    nodesOf(gateway).requireApproved(nodeId);
    return { nodeId };
  },
});

export const nodeSkillsUpdateMethod = defineMethod({
  name: "node.skills.update",
  scope: "node",
  params: SkillsUpdateParams,
  handler: ({ params, client }) => ({ nodeId: callerNode(client), skills: params.skills.map((s) => ({ name: s.name, description: s.description })) }),
});

export const nodePluginToolsUpdateMethod = defineMethod({
  name: "node.pluginTools.update",
  scope: "node",
  params: PluginToolsUpdateParams,
  handler: ({ params, client }) => ({ nodeId: callerNode(client), tools: params.tools }),
});

export const nodePendingEnqueueMethod = defineMethod({
  name: "node.pending.enqueue",
  scope: Scope.write,
  params: PendingEnqueueParams,
  async handler({ params, gateway }) {
    const nodes = nodesOf(gateway);
    const store = await nodes.store();
    if (!store.get(params.nodeId)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: "unknown nodeId: only paired nodes can be sent work", details: { code: "NODE_NOT_FOUND", nodeId: params.nodeId } });
    const { revision, queued } = store.work.enqueue(params.nodeId, params);
    // No push transport here: a node picks its work up when it next connects and drains.
    return { nodeId: params.nodeId, revision, queued, wakeTriggered: false };
  },
});

export const nodePendingDrainMethod = defineMethod({
  name: "node.pending.drain",
  scope: "node",
  params: PendingDrainParams,
  async handler({ params, gateway, client }) {
    const nodeId = callerNode(client);
    const store = await nodesOf(gateway).store();
    return { nodeId, ...store.work.drain(nodeId, params.maxItems) };
  },
});

export const nodePendingPullMethod = defineMethod({
  name: "node.pending.pull",
  scope: "node",
  params: EmptyParams,
  async handler({ gateway, client }) {
    const nodeId = callerNode(client);
    const store = await nodesOf(gateway).store();
    const actions = store.work.list(nodeId).map((item) => ({ id: item.id, command: item.type, paramsJSON: null, enqueuedAtMs: item.createdAtMs }));
    return { nodeId, actions };
  },
});

export const nodePendingAckMethod = defineMethod({
  name: "node.pending.ack",
  scope: "node",
  params: PendingAckParams,
  async handler({ params, gateway, client }) {
    const nodeId = callerNode(client);
    const store = await nodesOf(gateway).store();
    const ackedIds = store.work.ack(nodeId, params.ids);
    return { nodeId, ackedIds, remainingCount: store.work.list(nodeId).length };
  },
});

export const skillsBinsMethod = defineMethod({
  name: "skills.bins",
  scope: "node",
  params: EmptyParams,
  handler: () => ({ bins: [] }),
});

export const nodeMethods = [
  nodePairListMethod,
  nodePairApproveMethod,
  nodePairRejectMethod,
  nodePairRemoveMethod,
  nodeRenameMethod,
  nodeListMethod,
  nodeDescribeMethod,
  nodeInvokeMethod,
  nodeInvokeResultMethod,
  nodeInvokeProgressMethod,
  nodeEventMethod,
  nodeRunnerInventoryUpdateMethod,
  nodeSkillsUpdateMethod,
  nodePluginToolsUpdateMethod,
  nodePendingEnqueueMethod,
  nodePendingPullMethod,
  nodePendingAckMethod,
  nodePendingDrainMethod,
  skillsBinsMethod,
];
