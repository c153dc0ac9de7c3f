import { Type } from "@sinclair/typebox";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { Scope } from "../protocol/scopes.js";
import { compileSchema } from "../protocol/validate.js";
import type { QueueMode } from "../agents/types.js";
import { entryToMessage } from "../agents/views.js";
import { runtimeOf, sessionTarget } from "./agent-target.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });
const Opt = Type.Optional;
const QueueMode = Type.Union(["steer", "followup", "collect", "interrupt"].map((m) => Type.Literal(m)));

/** chat.send's fields this gateway acts on; the rest of OpenClaw's schema is accepted and ignored. */
const ChatSendParams = compileSchema(
  Type.Object(
    {
      sessionKey: Type.String({ minLength: 1, maxLength: 512 }),
      message: Type.String(),
      idempotencyKey: NonEmpty,
      agentId: Opt(NonEmpty),
      queueMode: Opt(QueueMode),
      timeoutMs: Opt(Type.Integer({ minimum: 0 })),
      attachments: Opt(Type.Array(Type.Unknown())),
    },
    { additionalProperties: true },
  ),
);

export const chatSendMethod = defineMethod({
  name: "chat.send",
  scope: Scope.write,
  params: ChatSendParams,
  async handler({ params, gateway }) {
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    if (params.message.trim() === "") {
      throw new GatewayError({ code: ErrorCodes.invalidRequest, message: params.attachments?.length ? "attachments are not supported yet; send text" : "message is empty" });
    }
    const submitted = await runtimeOf(gateway).submit({
      agentId,
      sessionKey,
      runId: params.idempotencyKey,
      message: params.message,
      source: "chat",
      channel: "webchat",
      queueMode: params.queueMode as QueueMode | undefined,
      timeoutMs: params.timeoutMs,
    });
    if (submitted.kind === "duplicate") return { runId: submitted.runId, status: submitted.inFlight ? "in_flight" : "ok" };
    return {
      runId: submitted.runId,
      status: "started",
      ...(submitted.kind === "queued" ? { queued: true } : {}),
      ...(submitted.interruptedRunIds.length > 0 ? { interruptedActiveRun: true } : {}),
    };
  },
});

const ChatAbortParams = compileSchema(
  Type.Object({ sessionKey: NonEmpty, agentId: Opt(NonEmpty), runId: Opt(NonEmpty), preserveSideRuns: Opt(Type.Boolean()) }, { additionalProperties: false }),
);

export const chatAbortMethod = defineMethod({
  name: "chat.abort",
  scope: Scope.write,
  params: ChatAbortParams,
  handler({ params, gateway }) {
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    const runIds = gateway.agents.abort(agentId, sessionKey, params.runId);
    return { ok: true, aborted: runIds.length > 0, runIds };
  },
});

const ChatInjectParams = compileSchema(
  Type.Object({ sessionKey: NonEmpty, agentId: Opt(NonEmpty), message: NonEmpty, label: Opt(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
);

/** Adds an assistant note to the transcript without a model call. */
export const chatInjectMethod = defineMethod({
  name: "chat.inject",
  scope: Scope.admin,
  advertise: false,
  params: ChatInjectParams,
  async handler({ params, gateway }) {
    const runtime = runtimeOf(gateway);
    const { agentId, sessionKey } = sessionTarget(gateway, params.sessionKey, params.agentId);
    const store = await runtime.store(agentId);
    store.ensureSession(sessionKey);
    const entry = store.appendEntry(sessionKey, {
      type: "message",
      role: "assistant",
      text: params.message,
      runId: null,
      idempotencyKey: null,
      data: { content: [{ type: "text", text: params.message }], injected: true, ...(params.label ? { label: params.label } : {}) },
    });
    runtime.entriesAdded(agentId, sessionKey, [entry]);
    runtime.sessionChanged(agentId, sessionKey, "inject");
    return { ok: true, messageId: entry.id, message: entryToMessage(entry) };
  },
});
