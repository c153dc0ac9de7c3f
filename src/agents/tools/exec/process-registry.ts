import { randomBytes } from "node:crypto";
import { BackgroundSession, type SessionOrigin, type SessionScope } from "./background-session.js";
import type { RunningCommand } from "./run-command.js";

/** OpenClaw keeps at most this many finished sessions; the oldest go first. */
export const MAX_FINISHED_SESSIONS = 50;

/**
 * The gateway's background sessions, each visible only to the chat session that started it, and every
 * command still running (foreground ones too) so that shutdown stops them all.
 */
export class ProcessRegistry {
  private readonly sessions = new Map<string, BackgroundSession>();
  private readonly live = new Set<RunningCommand>();
  private closed = false;

  constructor(private readonly maxFinished = MAX_FINISHED_SESSIONS) {}

  /** Follows a started command until it ends; after shutdown it is stopped at once. */
  track(command: RunningCommand): void {
    if (this.closed) {
      command.stop("killed");
      return;
    }
    this.live.add(command);
    const forget = () => this.live.delete(command);
    command.done.then(forget, forget);
  }

  /** Turns a running command into a background session the `process` tool can reach. */
  adopt(command: RunningCommand, origin: SessionOrigin): BackgroundSession {
    this.prune();
    let id = randomBytes(4).toString("hex");
    while (this.sessions.has(id)) id = randomBytes(4).toString("hex");
    const session = new BackgroundSession(id, origin, command);
    this.sessions.set(id, session);
    return session;
  }

  list(scope: SessionScope): BackgroundSession[] {
    this.prune();
    return [...this.sessions.values()].filter((s) => s.visibleTo(scope));
  }

  get(scope: SessionScope, id: string): BackgroundSession | undefined {
    this.prune();
    const session = this.sessions.get(id);
    return session?.visibleTo(scope) ? session : undefined;
  }

  delete(scope: SessionScope, id: string): boolean {
    return this.get(scope, id) !== undefined && this.sessions.delete(id);
  }

  /** Stops every command it knows (SIGTERM, SIGKILL after the grace) and refuses new ones. */
  shutdown(): void {
    this.closed = true;
    for (const command of this.live) command.stop("killed");
  }

  private prune(): void {
    const now = Date.now();
    const finished: BackgroundSession[] = [];
    for (const session of this.sessions.values()) {
      if (session.expired(now)) this.sessions.delete(session.id);
      else if (session.endedAt !== null) finished.push(session);
    }
    finished.sort((a, b) => a.endedAt! - b.endedAt!);
    for (const session of finished.slice(0, Math.max(0, finished.length - this.maxFinished))) this.sessions.delete(session.id);
  }
}
