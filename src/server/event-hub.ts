import type { StateVersion } from "../protocol/frames.js";

/**
 * Who besides the scope check gets a session-bearing event: `session` events go to connections
 * that see that session (all of them, unless the client asked for session-scoped events);
 * `sessions-changed` only to sessions.subscribe callers; `session-messages` only to callers that
 * subscribed to that session's messages; `tool-events` to clients with the `tool-events` cap.
 */
export type Audience = "session" | "sessions-changed" | "session-messages" | "tool-events";

export type BroadcastOptions = { dropIfSlow?: boolean; stateVersion?: StateVersion; audience?: Audience; sessionKey?: string };

/** A connection as the hub sees it: it decides per event whether to admit it and numbers it. */
export interface EventSubscriber {
  deliver(event: string, framePrefix: string, frameSuffix: string, dropIfSlow: boolean, audience?: Audience, sessionKey?: string): void;
  /** Whether this subscriber would take the event (scope, audience and session checks). */
  accepts(event: string, audience?: Audience, sessionKey?: string): boolean;
}

/** Fans events out to authenticated connections; each frame is serialized once per broadcast. */
export class EventHub {
  private subscribers = new Set<EventSubscriber>();

  add(subscriber: EventSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Whether anyone would receive the event: lets a sender skip building a costly payload. */
  wanted(event: string, opts: Pick<BroadcastOptions, "audience" | "sessionKey"> = {}): boolean {
    for (const subscriber of this.subscribers) if (subscriber.accepts(event, opts.audience, opts.sessionKey)) return true;
    return false;
  }

  broadcast(event: string, payload: unknown, opts: BroadcastOptions = {}): void {
    if (this.subscribers.size === 0) return;
    const payloadPart = payload === undefined ? "" : `,"payload":${JSON.stringify(payload)}`;
    const prefix = `{"type":"event","event":${JSON.stringify(event)}${payloadPart},"seq":`;
    const suffix = opts.stateVersion ? `,"stateVersion":${JSON.stringify(opts.stateVersion)}}` : "}";
    for (const subscriber of [...this.subscribers]) subscriber.deliver(event, prefix, suffix, opts.dropIfSlow === true, opts.audience, opts.sessionKey);
  }
}
