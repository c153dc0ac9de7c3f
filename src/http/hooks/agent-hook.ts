import type { IncomingMessage } from "node:http";
import type { GatewayContext } from "../../server/context.js";
import { completionOf, parseAgentRequest } from "./agent.js";
import { hookFailure, type HookAnswer } from "./answer.js";
import type { HooksConfig } from "./config.js";
import { idempotencyKeyOf, replayScope } from "./idempotency.js";
import { admitOnce } from "./ingress-state.js";
import type { Payload } from "./payload-fields.js";

/**
 * `POST <hooks.path>/agent`: admits one run and answers `{ok, runId}`, or with `waitForCompletion`
 * also its `completion`. A replayed idempotency key gets the first request's run; whether the
 * caller waits is not part of the replay scope, so a retry may change it.
 */
export async function answerAgentHook(gateway: GatewayContext, hooks: HooksConfig, req: IncomingMessage, body: Payload): Promise<HookAnswer> {
  const parsed = parseAgentRequest(body);
  if (!parsed.ok) return hookFailure(400, parsed.message);
  const { action, waitForCompletion } = parsed.value;
  const key = idempotencyKeyOf(req, body);
  const scope = key === undefined ? undefined : replayScope([hooks.token, "agent", key, action]);
  const admission = await admitOnce(gateway, hooks, action, scope);
  if (!admission.ok) return hookFailure(admission.status, admission.error, admission.runId === undefined ? {} : { runId: admission.runId });
  if (!waitForCompletion) return { status: 200, body: { ok: true, runId: admission.runId } };
  return { status: 200, body: { ok: true, runId: admission.runId, completion: await completionOf(gateway.agents, admission) } };
}
