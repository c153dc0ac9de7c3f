import { BoundedOutput } from "./bounded-output.js";
import type { ExitContext } from "./exit-summary.js";
import type { CommandOutcome, RunningCommand } from "./run-command.js";

/** Output kept for the next `poll` (the newest bytes win when a poll comes late). */
export const PENDING_OUTPUT_BYTES = 30_000;

export type SessionStatus = "running" | "completed" | "failed" | "killed";

/** The chat session a background command belongs to: only that session's `process` tool reaches it. */
export type SessionScope = { agentId: string; sessionKey: string };

export type SessionOrigin = SessionScope & {
  commandText: string;
  cwd: string;
  sandboxed: boolean;
  /** How long the session stays readable after it finishes. */
  ttlMs: number;
  /** The limits it runs under, to explain how it ended. */
  limits: ExitContext;
};

/** A command that outlived its `exec` call: its output since the last poll, its end, and who may see it. */
export class BackgroundSession {
  readonly startedAt: number;
  endedAt: number | null = null;
  outcome: CommandOutcome | null = null;
  /** Set when the command could not be waited on (it failed to start). */
  failure: string | null = null;
  killRequested = false;
  private pending = new BoundedOutput(0, PENDING_OUTPUT_BYTES);
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly origin: SessionOrigin,
    readonly command: RunningCommand,
  ) {
    this.startedAt = command.startedAt;
    command.onOutput((chunk) => {
      this.pending.push(chunk);
      this.wake();
    });
    command.done.then(
      (outcome) => this.end(outcome, null),
      (err: Error) => this.end(null, err.message),
    );
  }

  /** Another session of the same agent (a sandboxed group chat beside the owner's host session) must not reach it. */
  visibleTo(scope: SessionScope): boolean {
    return this.origin.agentId === scope.agentId && this.origin.sessionKey === scope.sessionKey;
  }

  get status(): SessionStatus {
    if (this.endedAt === null) return "running";
    if (this.killRequested) return "killed";
    return this.outcome && this.outcome.exitCode === 0 && this.outcome.stoppedBy === null ? "completed" : "failed";
  }

  get hasPending(): boolean {
    return this.pending.totalBytes > 0;
  }

  /** Output since the last drain; `cut` says how much of it no longer fits. */
  drain(): { text: string; cutBytes: number } {
    const drained = { text: this.pending.text(), cutBytes: this.pending.cutBytes };
    this.pending = new BoundedOutput(0, PENDING_OUTPUT_BYTES);
    return drained;
  }

  /** Resolves on new output, on exit, when `ms` pass or when `signal` aborts, whichever comes first. */
  waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || this.hasPending || this.endedAt !== null || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
    });
  }

  expired(now: number): boolean {
    return this.endedAt !== null && now - this.endedAt > this.origin.ttlMs;
  }

  private end(outcome: CommandOutcome | null, failure: string | null): void {
    this.outcome = outcome;
    this.failure = failure;
    this.endedAt = Date.now();
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
