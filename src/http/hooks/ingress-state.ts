import type { AuthRateLimiter } from "../../server/auth-rate-limit.js";
import type { GatewayContext } from "../../server/context.js";
import { admitAgentRun, ADMISSION_TIMEOUT_MS, watchRunEnd, type Admission, type AgentAction } from "./agent.js";
import type { HooksConfig } from "./config.js";
import { createHookLimiter } from "./hook-auth.js";
import { ReplayCache } from "./idempotency.js";

/** What the hooks ingress remembers between requests: failed-auth counts and replayable admissions. */
export type HookIngressState = { limiter: AuthRateLimiter; replays: ReplayCache<Admission> };

// Kept beside the gateway rather than on it: only this route uses it, and it dies with the context.
const states = new WeakMap<GatewayContext, HookIngressState>();

export function ingressStateOf(gateway: GatewayContext): HookIngressState {
  let state = states.get(gateway);
  if (!state) {
    state = { limiter: createHookLimiter(), replays: new ReplayCache() };
    states.set(gateway, state);
  }
  return state;
}

/**
 * Admits an agent action once per replay scope: a replay while the first is pending or running
 * shares its admission; failed admissions are forgotten so the caller can retry.
 */
export function admitOnce(gateway: GatewayContext, hooks: HooksConfig, action: AgentAction, scope: string | undefined, timeoutMs: number | null = ADMISSION_TIMEOUT_MS): Promise<Admission> {
  const state = ingressStateOf(gateway);
  const admit = async () => {
    const admission = await admitAgentRun(gateway, hooks, action, timeoutMs);
    if (admission.ok) watchRunEnd(gateway.agents, admission, action, () => {
      if (scope !== undefined) state.replays.settle(scope);
    });
    return admission;
  };
  if (scope === undefined) return admit();
  return state.replays.once(scope, admit, (admission) => admission.ok).value;
}
