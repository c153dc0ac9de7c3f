import { randomUUID } from "node:crypto";
import type { AgentService, RunOutcome, SubmitResult, TurnRequest } from "../../agents/types.js";
import { wrapUntrusted } from "../../agents/untrusted-content.js";
import { createLogger } from "../../infra/logger.js";
import { ErrorCodes, GatewayError } from "../../protocol/errors.js";
import type { GatewayContext } from "../../server/context.js";
import type { Parsed } from "../openai/errors.js";
import { type AgentOrigin, selectHookAgent } from "./agent-policy.js";
import { SESSION_MODES, WAKE_MODES, type HooksConfig, type SessionMode, type WakeMode } from "./config.js";
import { deliveryUnavailable, directDelivery, type DeliveryChoice } from "./delivery.js";
import { optionalBoolean, optionalChoice, optionalString, requiredText, timeoutSecondsOf, type Payload } from "./payload-fields.js";
import { resolveLogicalSession, storedSessionKey, type SessionKeySource } from "./session-policy.js";

const log = createLogger("hooks");

export const DEFAULT_HOOK_NAME = "Hook";
/** How long a single hook run may wait for its session (and a run slot) before it is cancelled. */
export const ADMISSION_TIMEOUT_MS = 15_000;
/** A terminal reply that is exactly this token means the agent chose to stay silent. */
export const SILENT_REPLY_TOKEN = "NO_REPLY";

/** One agent turn a hook asks for, with its routing resolved as far as the payload goes. */
export type AgentAction = {
  message: string;
  name: string;
  agentId?: string;
  agentOrigin: AgentOrigin;
  sessionKey?: string;
  sessionKeySource: SessionKeySource;
  sessionMode: SessionMode;
  /** Accepted for compatibility: it governs waking for completion events, which no heartbeat runner consumes yet. */
  wakeMode: WakeMode;
  /** Checked at admission, so a refused destination is answered with the run id it would have had. */
  delivery: DeliveryChoice;
  model?: string;
  /** Accepted and validated, not applied: the agent runtime has no thinking levels yet. */
  thinking?: string;
  timeoutSeconds?: number;
  /** False only for mappings with `allowUnsafeExternalContent`. */
  wrap: boolean;
  /** The hook path it came in on (`agent`, `github` …), for logs. */
  sourcePath: string;
};

export type AgentRequest = { action: AgentAction; waitForCompletion: boolean };

/** `POST <hooks.path>/agent`: the payload of http.md §1.7. */
export function parseAgentRequest(body: Payload): Parsed<AgentRequest> {
  const message = requiredText(body, "message");
  if (!message.ok) return message;
  const strings: Record<string, string | undefined> = {};
  for (const field of ["name", "agentId", "sessionKey", "channel", "to", "accountId", "model", "thinking"]) {
    const value = optionalString(body, field);
    if (!value.ok) return value;
    strings[field] = value.value;
  }
  const sessionMode = optionalChoice(body, "sessionMode", SESSION_MODES);
  if (!sessionMode.ok) return sessionMode;
  const wakeMode = optionalChoice(body, "wakeMode", WAKE_MODES);
  if (!wakeMode.ok) return wakeMode;
  const deliver = optionalBoolean(body, "deliver");
  if (!deliver.ok) return deliver;
  const wait = optionalBoolean(body, "waitForCompletion");
  if (!wait.ok) return wait;
  const timeoutSeconds = timeoutSecondsOf(body.timeoutSeconds);
  const { name, agentId, sessionKey, channel, to, accountId, model, thinking } = strings;
  const action: AgentAction = {
    message: message.value,
    name: name?.trim() || DEFAULT_HOOK_NAME,
    ...(agentId?.trim() ? { agentId } : {}),
    agentOrigin: "request",
    ...(sessionKey !== undefined ? { sessionKey } : {}),
    sessionKeySource: "request",
    sessionMode: sessionMode.value ?? "isolated",
    wakeMode: wakeMode.value ?? "now",
    delivery: directDelivery({ deliver: deliver.value !== false, channel, to, accountId }),
    ...(model?.trim() ? { model: model.trim() } : {}),
    ...(thinking?.trim() ? { thinking: thinking.trim() } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    wrap: true,
    sourcePath: "agent",
  };
  return { ok: true, value: { action, waitForCompletion: wait.value === true } };
}

export type Admitted = { ok: true; runId: string; agentId: string; sessionKey: string };
export type Admission = Admitted | { ok: false; status: number; error: string; runId?: string };

function refused(status: number, error: string, runId?: string): Admission {
  return { ok: false, status, error, ...(runId !== undefined ? { runId } : {}) };
}

function refusalOfThrown(err: unknown, runId: string): Admission {
  if (err instanceof GatewayError && err.shape.code === ErrorCodes.invalidRequest) return refused(400, err.shape.message, runId);
  if (err instanceof GatewayError && err.shape.code === ErrorCodes.unavailable) return refused(409, `hook run not admitted: ${err.shape.message}`, runId);
  log.error(`hook agent preparation failed: ${err instanceof Error ? err.message : String(err)}`);
  return refused(502, "hook agent preparation failed", runId);
}

/**
 * Submits the turn and resolves once it starts (its session and a run slot are free). With a
 * timeout, a run still waiting by then is cancelled; without one (fan-out) it keeps waiting.
 */
function awaitAdmission(agents: AgentService, turn: TurnRequest, timeoutMs: number | null): Promise<Admission> {
  return new Promise((resolve) => {
    let settled = false;
    let cancelled = false;
    let submitted: SubmitResult | null = null;
    let timer: NodeJS.Timeout | undefined;
    const cancel = (result: SubmitResult) => agents.abort(turn.agentId, result.sessionKey, turn.runId);
    const settle = (admission: Admission) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(admission);
    };
    const admitted = () => settle({ ok: true, runId: turn.runId, agentId: turn.agentId, sessionKey: submitted?.sessionKey ?? turn.sessionKey });
    const unsubscribe = agents.subscribe(turn.runId, (event) => {
      if (event.type === "start") admitted();
      else if (event.type === "end") settle(refused(409, "hook run ended before it was admitted: the session cannot accept work", turn.runId));
    });
    if (timeoutMs !== null) {
      timer = setTimeout(() => {
        cancelled = true;
        if (submitted) cancel(submitted);
        settle(refused(503, `hook run was not admitted within ${Math.round(timeoutMs / 1000)}s; the queued work was cancelled`, turn.runId));
      }, timeoutMs);
    }
    agents.submit(turn).then(
      (result) => {
        submitted = result;
        if (cancelled) cancel(result);
        else if (result.kind !== "queued") admitted();
      },
      (err: unknown) => settle(refusalOfThrown(err, turn.runId)),
    );
  });
}

/** Resolves the action's agent, session and delivery, then waits for the run's admission. */
export async function admitAgentRun(gateway: GatewayContext, hooks: HooksConfig, action: AgentAction, timeoutMs: number | null = ADMISSION_TIMEOUT_MS): Promise<Admission> {
  const agent = selectHookAgent(gateway, hooks, action.agentId, action.agentOrigin);
  if (!agent.ok) return refused(400, agent.message);
  const session = resolveLogicalSession(hooks, action.sessionKey, action.sessionKeySource, action.sessionMode);
  if (!session.ok) return refused(400, session.message);
  const runId = randomUUID();
  if (!action.delivery.ok) return refused(400, action.delivery.message, runId);
  const unavailable = deliveryUnavailable(action.delivery.delivery);
  if (unavailable) return refused(400, unavailable, runId);
  const turn: TurnRequest = {
    agentId: agent.agentId,
    sessionKey: storedSessionKey(agent.agentId, session, action.sessionMode, runId),
    runId,
    message: action.wrap ? wrapUntrusted(action.message, { source: "hook", name: action.name }) : action.message,
    source: "hook",
    channel: "hook",
    ...(action.model !== undefined ? { modelOverride: action.model } : {}),
    ...(action.timeoutSeconds !== undefined ? { timeoutMs: action.timeoutSeconds * 1000 } : {}),
  };
  return awaitAdmission(gateway.agents, turn, timeoutMs);
}

/** What a waiting caller learns about the run: how it ended and whether it replied, never the reply itself. */
export type HookCompletion = { status: "ok" | "error" | "skipped"; replyDisposition: "visible" | "silent" | "empty" };

export function completionOfOutcome(outcome: RunOutcome | null): HookCompletion {
  const text = outcome?.text.trim() ?? "";
  const replyDisposition = text === "" ? "empty" : text === SILENT_REPLY_TOKEN ? "silent" : "visible";
  const status = outcome?.status === "ok" ? "ok" : outcome?.status === "error" || outcome?.status === "timeout" ? "error" : "skipped";
  return { status, replyDisposition };
}

/** Waits for the admitted run to end (replays of a finished run get its stored outcome). */
export async function completionOf(agents: AgentService, admitted: Admitted): Promise<HookCompletion> {
  return completionOfOutcome(await agents.wait(admitted.runId, 2 ** 31 - 1, admitted.agentId));
}

/** Logs the run's end, then calls `onEnd` (which lets its replay entry start expiring). */
export function watchRunEnd(agents: AgentService, admitted: Admitted, action: AgentAction, onEnd: () => void): void {
  agents.wait(admitted.runId, 2 ** 31 - 1, admitted.agentId).then(
    (outcome) => {
      const completion = completionOfOutcome(outcome);
      const line = `hook agent run completed: runId=${admitted.runId} status=${completion.status} name=${JSON.stringify(action.name)} path=${action.sourcePath} agentId=${admitted.agentId}`;
      if (completion.status === "ok") log.info(line);
      else log.warn(line);
      onEnd();
    },
    () => onEnd(),
  );
}
