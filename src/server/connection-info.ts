import type { AuthMethod } from "./auth.js";

/** What the gateway knows about an authenticated connection; handlers read it, never mutate it. */
export type ConnectionInfo = {
  readonly connId: string;
  readonly role: "operator" | "node";
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string;
  readonly clientMode: string;
  readonly clientVersion: string;
  readonly remoteIp: string;
  readonly isLoopback: boolean;
  readonly authMethod: AuthMethod | "device-token";
  /** The user an identity-bearing ingress (trusted proxy, Tailscale) vouched for. */
  readonly user?: string;
  /** The verified device identity, when the client sent one. */
  readonly deviceId?: string;
  /** The secret this connection authenticated with, so a rotation can find who used the old one. */
  readonly authSecretFingerprint: string;
  /** `connect.params.caps`: `session-scoped-events`, `tool-events` … */
  readonly caps: ReadonlySet<string>;
};

/** Which session events a connection asked for (sessions.subscribe, sessions.messages.subscribe). */
export type SessionSubscriptions = {
  sessions: boolean;
  messages: Set<string>;
};
