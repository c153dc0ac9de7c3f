import type { RunRow } from "../store/types.js";
import type { RunOutcome } from "./types.js";

type RunOf = Pick<RunOutcome, "runId" | "sessionKey" | "sessionId" | "agentId">;

const noUsage = () => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 });

/** A run that could not be recorded as it ended (the store failed). */
export function failedOutcome(run: RunOf, startedAt: number, text: string, err: Error): RunOutcome {
  return { ...run, status: "error", text, toolCalls: [], stopReason: "error", usage: noUsage(), error: { message: err.message }, startedAt, endedAt: Date.now() };
}

/** A queued run dropped before it started. */
export function abortedBeforeStart(run: RunOf): RunOutcome {
  const now = Date.now();
  return { ...run, status: "aborted", text: "", toolCalls: [], stopReason: "aborted", usage: noUsage(), startedAt: now, endedAt: now };
}

/** A run that ended without a recorded outcome (a dead process's run, marked interrupted at start-up). */
export function outcomeOfRow(run: RunRow, agentId: string): RunOutcome {
  const status = run.status === "queued" || run.status === "running" ? "interrupted" : run.status;
  return {
    runId: run.runId,
    sessionKey: run.sessionKey,
    sessionId: run.sessionId ?? "",
    agentId,
    status,
    text: run.partialText,
    toolCalls: [],
    stopReason: status === "ok" ? "stop" : status === "error" ? "error" : status === "timeout" ? "timeout" : "aborted",
    usage: noUsage(),
    ...(run.error ? { error: { message: run.error } } : {}),
    startedAt: run.startedAt ?? run.createdAt,
    endedAt: run.endedAt ?? run.startedAt ?? run.createdAt,
  };
}
