import { constants } from "node:os";
import type { CommandOutcome } from "./run-command.js";

export type ExitContext = {
  timeoutSeconds: number;
  /** The sandbox reports a signal death as exit code 128 + signal number. */
  sandboxed: boolean;
  cpuSeconds: number;
};

/** One line the model can act on: how the command ended and, when the gateway ended it, why. */
export function describeExit(outcome: CommandOutcome, context: ExitContext): string {
  const how = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
  switch (outcome.stoppedBy) {
    case "timeout":
      return `[command timed out after ${context.timeoutSeconds} s and was stopped (${how})]`;
    case "aborted":
      return `[command stopped because the run was aborted (${how})]`;
    case "killed":
      return `[command was killed on request (${how})]`;
  }
  if (context.sandboxed && context.cpuSeconds > 0 && outcome.exitCode === 128 + constants.signals.SIGXCPU) {
    return `[${how}: the sandbox's CPU-time limit of ${context.cpuSeconds} s was reached]`;
  }
  return `[${how}]`;
}

/** What `details.status` says: completed only for a clean zero exit. */
export function outcomeStatus(outcome: CommandOutcome): "completed" | "failed" {
  return outcome.exitCode === 0 && outcome.stoppedBy === null ? "completed" : "failed";
}
