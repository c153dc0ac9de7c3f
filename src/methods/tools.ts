import { Type } from "@sinclair/typebox";
import { invokeDirect } from "../agents/tools/direct-invoke.js";
import { policyContext, TOOL_GROUPS, toolAllowed } from "../agents/tools/policy.js";
import { toolSchemas } from "../agents/tools/registry.js";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { GatewayContext } from "../server/context.js";
import { sessionTarget } from "./agent-target.js";
import { defineMethod } from "./registry.js";

function toolsOf(gateway: GatewayContext) {
  if (!gateway.tools) throw unavailable("tools are not available on this gateway");
  return gateway.tools;
}

function groupOf(name: string): string | undefined {
  return Object.entries(TOOL_GROUPS).find(([, tools]) => tools.includes(name))?.[0];
}

const CatalogParams = compileSchema(Type.Object({ agentId: Type.Optional(Type.String({ minLength: 1 })), includePlugins: Type.Optional(Type.Boolean()) }, { additionalProperties: false }));

/** Every built-in tool with whether the agent's main session may use it (and why not). */
export const toolsCatalogMethod = defineMethod({
  name: "tools.catalog",
  scope: Scope.read,
  params: CatalogParams,
  async handler({ params, gateway }) {
    const tools = toolsOf(gateway);
    await tools.registry.ready();
    const { agentId, sessionKey } = sessionTarget(gateway, undefined, params.agentId);
    const config = gateway.config().config;
    const policy = policyContext(config, { agentId, sessionKey, surface: "agent" });
    const definitions = tools.registry.all();
    const schemas = toolSchemas(definitions);
    return {
      agentId,
      tools: definitions.map((d, i) => {
        const decision = toolAllowed(config, policy, d.name);
        return { name: d.name, description: d.description, group: groupOf(d.name) ?? null, source: "core", allowed: decision.allowed, ...(decision.allowed ? {} : { deniedBy: decision.reason }), parameters: schemas[i].parameters };
      }),
      groups: Object.entries(TOOL_GROUPS).map(([id, names]) => ({ id: `group:${id}`, tools: names.filter((n) => tools.registry.get(n)) })).filter((g) => g.tools.length > 0),
    };
  },
});

const InvokeParams = compileSchema(
  Type.Object(
    {
      name: Type.String({ minLength: 1 }),
      args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      sessionKey: Type.Optional(Type.String({ minLength: 1 })),
      agentId: Type.Optional(Type.String({ minLength: 1 })),
      confirm: Type.Optional(Type.Boolean()),
      idempotencyKey: Type.Optional(Type.String({ minLength: 1 })),
      conversationReadOrigin: Type.Optional(Type.Literal("direct-operator")),
    },
    { additionalProperties: false },
  ),
);

/** One tool call from an operator, under the session's policy (the HTTP hard-deny list does not apply). */
export const toolsInvokeMethod = defineMethod({
  name: "tools.invoke",
  scope: Scope.write,
  params: InvokeParams,
  async handler({ params, gateway, signal }) {
    const tools = toolsOf(gateway);
    const target = sessionTarget(gateway, params.sessionKey, params.agentId);
    const agent = gateway.agents.agent(target.agentId)!;
    const outcome = await invokeDirect(tools.registry, tools.host, {
      name: params.name,
      args: params.args ?? {},
      agent,
      sessionKey: target.sessionKey,
      surface: "rpc",
      idempotencyKey: params.idempotencyKey,
      config: gateway.config().config,
      env: process.env,
      signal,
    });
    if (outcome.status === "ok") {
      return { ok: true, toolName: params.name, toolCallId: outcome.toolCallId, result: { content: [{ type: "text", text: outcome.result.content }], ...(outcome.result.details ? { details: outcome.result.details } : {}) } };
    }
    const type = outcome.status === "blocked" ? "tool_call_blocked" : outcome.status;
    const details = { type, ...(outcome.status === "blocked" && outcome.requiresApproval ? { requiresApproval: true } : {}) };
    throw new GatewayError({ code: outcome.status === "failed" ? ErrorCodes.unavailable : ErrorCodes.invalidRequest, message: outcome.message, details });
  },
});
