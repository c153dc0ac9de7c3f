import { Type } from "@sinclair/typebox";
import type { RunOutcome } from "../agents/types.js";
import { identityFromWorkspace } from "../agents/workspace.js";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import { runtimeOf, sessionTarget, startNewSession } from "./agent-target.js";
import { defineMethod, EmptyParams } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;

/** The fields of OpenClaw's agent params this gateway acts on; the others are accepted and ignored. */
const AgentParams = compileSchema(
  Type.Object(
    {
      message: NonEmpty,
      idempotencyKey: NonEmpty,
      agentId: Opt(NonEmpty),
      sessionKey: Opt(Type.String()),
      sessionId: Opt(Type.String()),
      provider: Opt(Type.String()),
      model: Opt(Type.String()),
      extraSystemPrompt: Opt(Type.String()),
      timeout: Opt(Type.Integer({ minimum: 0 })),
      channel: Opt(Type.String()),
      label: Opt(Type.String({ minLength: 1, maxLength: 512 })),
    },
    { additionalProperties: true },
  ),
);

const RESET_COMMANDS = new Set(["/new", "/reset"]);

export function modelOverrideOf(provider: string | undefined, model: string | undefined): string | undefined {
  if (!model) return undefined;
  return model.includes("/") || !provider ? model : `${provider}/${model}`;
}

/** The second `agent` response (and the outcome agent.wait and duplicates replay). */
export function agentFinal(outcome: RunOutcome) {
  const status = outcome.status === "ok" || outcome.status === "aborted" || outcome.status === "interrupted" ? "ok" : outcome.status;
  const u = outcome.usage;
  return {
    runId: outcome.runId,
    status,
    summary: outcome.status === "ok" ? "completed" : outcome.status === "error" ? "failed" : "aborted",
    ...(outcome.stopReason ? { stopReason: outcome.stopReason } : {}),
    ...(outcome.status === "timeout" ? { timeoutPhase: "run" } : {}),
    providerStarted: outcome.provider !== undefined,
    result: {
      payloads: outcome.text ? [{ text: outcome.text, mediaUrl: null }] : [],
      meta: {
        durationMs: outcome.endedAt - outcome.startedAt,
        agentMeta: {
          sessionId: outcome.sessionId,
          sessionKey: outcome.sessionKey,
          ...(outcome.provider ? { provider: outcome.provider, model: outcome.model } : {}),
          usage: { input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, total: u.total },
        },
        aborted: outcome.status !== "ok" && outcome.status !== "error",
      },
    },
  };
}

function finalOrThrow(outcome: RunOutcome) {
  if (outcome.status !== "error") return agentFinal(outcome);
  throw new GatewayError({ code: ErrorCodes.unavailable, message: outcome.error?.message ?? "agent run failed", details: { runId: outcome.runId, reason: outcome.error?.reason } });
}

/** Two-stage: `accepted` as soon as the turn is durable, the final result on the same request id. */
export const agentMethod = defineMethod({
  name: "agent",
  scope: Scope.write,
  params: AgentParams,
  scopeFor: (params) => (RESET_COMMANDS.has(params.message.trim().toLowerCase()) ? Scope.admin : Scope.write),
  async handler({ params, gateway, sendInterim }) {
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    if (RESET_COMMANDS.has(params.message.trim().toLowerCase())) {
      const row = await startNewSession(gateway, agentId, sessionKey, "reset");
      return { runId: params.idempotencyKey, status: "ok", summary: "completed", result: { payloads: [{ text: "Started a new session.", mediaUrl: null }], meta: { agentMeta: { sessionId: row.sessionId, sessionKey } } } };
    }
    const submitted = await runtime.submit({
      agentId,
      sessionKey,
      runId: params.idempotencyKey,
      message: params.message,
      source: "agent",
      channel: params.channel,
      extraSystemPrompt: params.extraSystemPrompt,
      modelOverride: modelOverrideOf(params.provider, params.model),
      timeoutMs: params.timeout ? params.timeout * 1000 : undefined,
    });
    if (submitted.kind === "duplicate" && submitted.outcome) return finalOrThrow(submitted.outcome);
    sendInterim({ runId: submitted.runId, sessionKey: submitted.sessionKey, agentId, status: "accepted", acceptedAt: submitted.kind === "duplicate" ? Date.now() : submitted.acceptedAt });
    const outcome = await runtime.wait(submitted.runId, 2 ** 31 - 1, agentId);
    if (!outcome) throw new GatewayError({ code: ErrorCodes.unavailable, message: "the run ended without a result (the gateway restarted?)" });
    return finalOrThrow(outcome);
  },
});

const WaitParams = compileSchema(Type.Object({ runId: NonEmpty, timeoutMs: Opt(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }));

export const agentWaitMethod = defineMethod({
  name: "agent.wait",
  scope: Scope.write,
  params: WaitParams,
  async handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    const outcome = await runtime.wait(params.runId, params.timeoutMs ?? 30_000);
    if (outcome) {
      return {
        runId: outcome.runId,
        status: outcome.status === "error" ? "error" : outcome.status === "timeout" ? "timeout" : "ok",
        startedAt: outcome.startedAt,
        endedAt: outcome.endedAt,
        ...(outcome.stopReason ? { stopReason: outcome.stopReason } : {}),
        ...(outcome.error ? { error: outcome.error.message } : {}),
        providerStarted: outcome.provider !== undefined,
      };
    }
    return { runId: params.runId, status: "timeout" };
  },
});

const IdentityParams = compileSchema(Type.Object({ agentId: Opt(NonEmpty), sessionKey: Opt(Type.String()) }, { additionalProperties: false }));

type AgentIdentityView = { agentId: string; name?: string; nameSource?: string; emoji?: string; avatar?: string; avatarSource?: string; avatarStatus?: string };

export function agentIdentity(gateway: Parameters<typeof runtimeOf>[0], agentId: string): AgentIdentityView {
  const agent = runtimeOf(gateway).agent(agentId);
  if (!agent) return { agentId };
  const fromWorkspace = identityFromWorkspace(agent.workspace);
  const name = agent.identity.name ?? agent.name ?? fromWorkspace.name;
  const nameSource = agent.identity.name || agent.name ? "config" : fromWorkspace.name ? "workspace" : undefined;
  const emoji = agent.identity.emoji ?? fromWorkspace.emoji;
  return {
    agentId,
    ...(name ? { name, nameSource } : {}),
    ...(emoji ? { emoji } : {}),
    ...(agent.identity.avatar ? { avatar: agent.identity.avatar, avatarSource: "config", avatarStatus: agent.identity.avatar.startsWith("data:") ? "data" : /^https?:/.test(agent.identity.avatar) ? "remote" : "local" } : { avatarStatus: "none" }),
  };
}

export const agentIdentityMethod = defineMethod({
  name: "agent.identity.get",
  scope: Scope.read,
  params: IdentityParams,
  handler({ params, gateway }) {
    const { agentId } = sessionTarget(gateway, params.sessionKey, params.agentId);
    return agentIdentity(gateway, agentId);
  },
});

export const agentsListMethod = defineMethod({
  name: "agents.list",
  scope: Scope.read,
  params: EmptyParams,
  handler({ gateway }) {
    const config = runtimeOf(gateway).agentsConfig();
    return {
      defaultId: config.defaultId,
      mainKey: "main",
      scope: "per-sender",
      agents: config.agents.map((a) => {
        const identity = agentIdentity(gateway, a.id);
        return {
          id: a.id,
          ...(identity.name ? { name: identity.name } : {}),
          kind: "agent",
          identity: { ...(identity.name ? { name: identity.name } : {}), ...(identity.emoji ? { emoji: identity.emoji } : {}), ...(a.identity.avatar ? { avatar: a.identity.avatar } : {}) },
          workspace: a.workspace,
          model: { ...(a.model.primary ? { primary: a.model.primary } : {}), fallbacks: a.model.fallbacks },
        };
      }),
    };
  },
});
