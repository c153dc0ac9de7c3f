import type { IncomingMessage } from "node:http";
import { createLogger } from "../../infra/logger.js";
import type { GatewayContext } from "../../server/context.js";
import type { Admission, AgentAction } from "./agent.js";
import { hookFailure, type HookAnswer } from "./answer.js";
import type { HookMapping, HooksConfig } from "./config.js";
import { idempotencyKeyOf, replayScope } from "./idempotency.js";
import { admitOnce } from "./ingress-state.js";
import { MAX_FAN_OUT_ITEMS, renderMapping } from "./mappings.js";
import type { TemplateContext } from "./template.js";
import { dispatchWake, type WakeAction } from "./wake.js";

const log = createLogger("hooks");

/** A fan-out answers after this long; admissions still pending then go on in the background. */
export const FAN_OUT_WAIT_MS = 8_000;
const MAX_REPORTED_ERRORS = 5;

function answerWakes(gateway: GatewayContext, hooks: HooksConfig, actions: WakeAction[]): HookAnswer {
  let queued = false;
  for (const action of actions) {
    const result = dispatchWake(gateway, hooks, action);
    if (!result.ok) return hookFailure(400, result.message);
    queued ||= result.outcome === "queued";
  }
  return { status: 200, body: { ok: true, mode: actions[0].mode, eventOutcome: queued ? "queued" : "coalesced" } };
}

function answerAdmission(admission: Admission): HookAnswer {
  if (admission.ok) return { status: 200, body: { ok: true, runId: admission.runId } };
  return hookFailure(admission.status, admission.error, admission.runId === undefined ? {} : { runId: admission.runId });
}

type Settled = Admission | "pending";

/**
 * Admits every item's run, each with a replay identity of its own derived from the rendered action,
 * so retrying the same batch reuses admitted or pending items instead of dispatching them again.
 */
async function answerFanOut(gateway: GatewayContext, hooks: HooksConfig, actions: AgentAction[], scopeOf: (action: AgentAction, index: number) => string): Promise<HookAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), FAN_OUT_WAIT_MS)));
  const results: Settled[] = await Promise.all(actions.map((action, i) => Promise.race([admitOnce(gateway, hooks, action, scopeOf(action, i), null), deadline])));
  clearTimeout(timer);
  const runIds = results.flatMap((r) => (r !== "pending" && r.ok ? [r.runId] : []));
  const failures = results.flatMap((r) => (r !== "pending" && !r.ok ? [r] : []));
  const pending = results.filter((r) => r === "pending").length;
  if (failures.length === 0 && pending === 0) {
    return { status: 200, body: actions.length === 1 ? { ok: true, runId: runIds[0] } : { ok: true, runId: runIds[0], runIds, dispatched: runIds.length } };
  }
  const error = `hook fan-out incomplete: ${runIds.length} of ${actions.length} admitted, ${failures.length} failed, ${pending} pending`;
  const status = failures.length > 0 ? failures[0].status : 503;
  return hookFailure(status, error, { runIds, errors: failures.slice(0, MAX_REPORTED_ERRORS).map((f) => f.error) });
}

/** `POST <hooks.path>/<name>` once a mapping owns it: its wake or agent actions, with the same contracts as the direct routes. */
export async function answerMappedHook(gateway: GatewayContext, hooks: HooksConfig, mapping: HookMapping, req: IncomingMessage, context: TemplateContext): Promise<HookAnswer> {
  if (mapping.hasTransform) {
    log.error(`hook mapping failed: ${mapping.id} uses a transform module, which this gateway does not run`);
    return hookFailure(500, "hook mapping failed");
  }
  const rendered = renderMapping(mapping, context);
  if (!rendered.ok) return hookFailure(400, rendered.message);
  const { actions, fannedOut, droppedItems } = rendered.value;
  if (droppedItems > 0) log.warn(`hook mapping ${mapping.id}: fan-out capped at ${MAX_FAN_OUT_ITEMS} items; dropped ${droppedItems}`);
  if (actions.length === 0) return { status: 204, body: null };
  const wakes = actions.flatMap((a) => (a.kind === "wake" ? [a.action] : []));
  if (wakes.length > 0) return answerWakes(gateway, hooks, wakes);
  const agentActions = actions.flatMap((a) => (a.kind === "agent" ? [a.action] : []));
  const key = idempotencyKeyOf(req, context.payload);
  if (!fannedOut) {
    const scope = key === undefined ? undefined : replayScope([hooks.token, context.path, key, agentActions[0]]);
    return answerAdmission(await admitOnce(gateway, hooks, agentActions[0], scope));
  }
  return answerFanOut(gateway, hooks, agentActions, (action, index) => replayScope([hooks.token, context.path, key ?? null, index, action]));
}
