import type { ServerResponse } from "node:http";
import type { AgentService, RunOutcome, TurnRequest } from "../../agents/types.js";

/** What an answer says when the agent produced no text at all. */
export const NO_RESPONSE_TEXT = "No response from OpenClaw.";

/** `wait` backs up the event subscription; the run's own timeout ends it long before this. */
const OUTCOME_WAIT_MS = 2 ** 31 - 1;

/** A submitted run followed for one HTTP answer: its text deltas and how it ended. */
export type AgentTurn = {
  /** Text deltas received so far are replayed to the first listener, then live ones follow. */
  onText(listener: (delta: string) => void): void;
  /** The outcome, or null when the client went away first (the run is then aborted). */
  readonly ended: Promise<RunOutcome | null>;
};

/**
 * Subscribes to the run before submitting it (events only reach existing subscribers) and aborts
 * it when the response closes before it was finished. Rethrows what `submit` throws.
 */
export async function startAgentTurn(agents: AgentService, turn: TurnRequest, res: ServerResponse): Promise<AgentTurn> {
  let resolveEnded!: (outcome: RunOutcome | null) => void;
  const ended = new Promise<RunOutcome | null>((resolve) => (resolveEnded = resolve));
  const pending: string[] = [];
  let textListener: ((delta: string) => void) | null = null;
  let settled = false;
  let submitted = false;
  let clientGone = false;

  let unsubscribe = () => {};
  const settle = (outcome: RunOutcome | null) => {
    if (settled) return;
    settled = true;
    unsubscribe();
    res.off("close", onClose);
    resolveEnded(outcome);
  };
  const onClose = () => {
    if (res.writableEnded) return;
    clientGone = true;
    if (submitted) agents.abort(turn.agentId, turn.sessionKey, turn.runId);
    settle(null);
  };
  res.on("close", onClose);
  const stopListening = agents.subscribe(turn.runId, (event) => {
    if (event.type === "text") {
      if (textListener) textListener(event.delta);
      else pending.push(event.delta);
    } else if (event.type === "end") {
      settle(event.outcome);
    }
  });
  if (settled) stopListening();
  else unsubscribe = stopListening;

  let result;
  try {
    result = await agents.submit(turn);
  } catch (err) {
    settle(null);
    throw err;
  }
  submitted = true;
  if (clientGone) agents.abort(turn.agentId, turn.sessionKey, turn.runId);
  else if (result.kind === "duplicate" && result.outcome) settle(result.outcome);
  else if (!settled) {
    agents.wait(turn.runId, OUTCOME_WAIT_MS, turn.agentId).then(
      (outcome) => outcome && settle(outcome),
      () => {},
    );
  }

  return {
    ended,
    onText(listener) {
      textListener = listener;
      for (const delta of pending.splice(0)) listener(delta);
    },
  };
}
