/**
 * The contract every chat channel implements (src/channels/<name>/). Core code (routing, access,
 * pairing, the durable inbound and outbound queues, status, reconnects) speaks only this; it never
 * imports a channel's library, and a channel module is imported only when its config is present.
 *
 * Division of work:
 * - the adapter owns the transport: connecting, turning platform events into `InboundMessage`s,
 *   sending text, typing, edits, and noticing that its own connection died;
 * - core owns everything else: it reconnects with backoff, watches for silence, commits inbound
 *   messages before the adapter acknowledges them, and sends replies from a persisted queue.
 */
import type { Logger } from "../infra/logger.js";
import type { ProbeResult } from "./status-types.js";

export type ChatType = "direct" | "group" | "channel";

/** A platform message as core sees it. Adapters drop the bot's own messages before emitting. */
export type InboundMessage = {
  accountId: string;
  /** Platform message id; with `conversationId` it identifies the message (dedupe key). */
  messageId: string;
  /** Milliseconds since the epoch (the platform's time when it has one). */
  timestamp: number;
  chatType: ChatType;
  /** Where replies go: a Telegram chat id, an IRC `#channel` or nick, a WhatsApp JID. */
  conversationId: string;
  /** Telegram forum topic, kept on the reply. */
  threadId?: string;
  /** `id` is what allowlists match (Telegram user id, IRC `nick!user@host`, WhatsApp E.164). */
  sender: { id: string; name?: string; username?: string };
  text: string;
  media?: Array<{ kind: "image" | "video" | "audio" | "document" | "sticker"; caption?: string }>;
  /** The platform's own mention fact (Telegram @bot entity, WhatsApp mentioned JID, IRC nick). */
  mentionedBot: boolean;
  /** The message this one replies to; `isBot` makes a reply to the bot count as a mention. */
  replyTo?: { id: string; body?: string; sender?: string; isBot?: boolean };
  /** Group title or room name, shown to the model as untrusted metadata. */
  conversationLabel?: string;
};

export type OutboundTarget = { conversationId: string; threadId?: string };

/** Thrown by send calls. `retryAfterMs` (a 429's `retry_after`) pauses that chat's queue that long. */
export class ChannelSendError extends Error {
  readonly retryAfterMs?: number;
  /** True when retrying cannot help (chat not found, bot blocked, message too long). */
  readonly permanent: boolean;
  constructor(message: string, opts: { retryAfterMs?: number; permanent?: boolean } = {}) {
    super(message);
    this.name = "ChannelSendError";
    this.retryAfterMs = opts.retryAfterMs;
    this.permanent = opts.permanent ?? false;
  }
}

/** Why a connection ended. */
export type ConnectionEnd = {
  error?: string;
  /** The platform revoked the login (WhatsApp logged out): core stops and asks for a new login. */
  loggedOut?: boolean;
  /** Retrying cannot help until the config changes (bad token: 401): core stops the account. */
  fatal?: boolean;
  /** The platform asked to wait (429 on connect, 409 backoff): the next attempt waits at least this. */
  retryAfterMs?: number;
};

/** One live connection of one account. */
export interface ChannelConnection {
  /** Resolves (never rejects) once the connection is over, for whatever reason. */
  readonly closed: Promise<ConnectionEnd>;
  /** Ends the connection (QUIT, stop polling, close the socket); `closed` then resolves. */
  close(): Promise<void>;
  /** Sends one chunk (already within the channel's limit); resolves once the platform took it. */
  sendText(target: OutboundTarget, text: string, opts?: { replyToId?: string }): Promise<{ messageId?: string }>;
  /** Edits a message sent earlier (Telegram previews). */
  editText?(target: OutboundTarget, messageId: string, text: string): Promise<void>;
  /** Shows "typing…" once; core repeats it while a run is pending. */
  sendTyping?(target: OutboundTarget): Promise<void>;
  /** The bot's own identity once known (IRC nick, Telegram username, WhatsApp E.164). */
  selfId?(): string | undefined;
  /** Overrides the adapter's `silentAfterMs` for this connection (a faster ping set per account). */
  silentAfterMs?: number;
}

/** What core hands an adapter for one connection attempt. */
export type ConnectContext<Account> = {
  accountId: string;
  account: Account;
  /** Aborted when the account stops; the adapter ends the connection then. */
  signal: AbortSignal;
  /**
   * Commits an inbound message to the state database. Resolves once it is durable (or was a
   * duplicate); only then may the adapter acknowledge it to the platform (Telegram offset,
   * WhatsApp ack, webhook 200). Rejects if it could not be stored: do not acknowledge.
   */
  receive(message: InboundMessage): Promise<void>;
  /** Call on any traffic from the platform (a line, a poll answer, a frame): feeds the silence watchdog. */
  activity(): void;
  /** Adapter-specific status fields shown in `channels.status` (mode, bot username, webhook path …). */
  setStatus(patch: Record<string, unknown>): void;
  /** A small durable key-value slot per account (Telegram's update offset, command-menu hash). */
  state: { get(key: string): string | null; set(key: string, value: string): void };
  /** `<stateDir>/credentials/<channel>/<accountId>`, created 0700 on first use. */
  credentialsDir(): string;
  log: Logger;
};

/** An account as the adapter resolved it from config (and the environment, for the default account). */
export type ResolvedAccount<Account> = {
  accountId: string;
  enabled: boolean;
  configured: boolean;
  /** Why it is not configured ("no bot token: set TELEGRAM_BOT_TOKEN or channels.telegram.botToken"). */
  unconfiguredReason?: string;
  account: Account;
  /** The access settings core applies; adapters fill them from the account's config with their defaults. */
  access: AccessConfig;
  /** Non-secret facts for `channels.status` (host, port, nick, mode, tokenSource …). */
  summary: Record<string, unknown>;
  /** Outbound chunk limit for this account. */
  textChunkLimit: number;
  /** Show the reply as it is written: one message, edited as text arrives (needs `editText`). */
  previewStreaming?: boolean;
};

export type DmPolicy = "pairing" | "allowlist" | "open" | "disabled";
export type GroupPolicy = "allowlist" | "open" | "disabled";

export type GroupConfig = {
  requireMention?: boolean;
  allowFrom?: string[];
  enabled?: boolean;
  systemPrompt?: string;
  tools?: unknown;
  /** Telegram forum topics, which may route to another agent. */
  topics?: Record<string, { requireMention?: boolean; agentId?: string; systemPrompt?: string; enabled?: boolean }>;
};

export type AccessConfig = {
  dmPolicy: DmPolicy;
  allowFrom: string[];
  groupPolicy: GroupPolicy;
  /** Sender allowlist inside groups; undefined means "fall back as the channel does". */
  groupAllowFrom?: string[];
  /** `channels.<ch>.groups`: per-group settings, also the group allowlist (keys, or "*"). */
  groups: Record<string, GroupConfig>;
  /** Extra regexes that count as a mention (as strings, compiled case-insensitively by core). */
  mentionPatterns?: string[];
  /** Prefixed to every outbound reply. */
  responsePrefix?: string;
  /** Pending group messages injected when the bot is mentioned (default 50; 0 disables). */
  historyLimit?: number;
};

export type { ProbeResult };

export type ChannelCapabilities = { chatTypes: ChatType[]; edit?: boolean; typing?: boolean; media?: boolean; threads?: boolean };

/** QR login (WhatsApp): `web.login.start` / `web.login.wait` and `channels login`. */
export interface ChannelLogin<Account> {
  start(opts: { accountId: string; account: Account; credentialsDir: string; force: boolean; timeoutMs: number; log: Logger }): Promise<{ qrDataUrl?: string; qr?: string; message: string }>;
  wait(opts: { accountId: string; timeoutMs: number }): Promise<{ connected: boolean; message: string; qr?: string; qrDataUrl?: string }>;
  /** Removes the stored credentials (and tells the platform when it can). */
  logout(opts: { accountId: string; account: Account; credentialsDir: string; log: Logger }): Promise<{ cleared: boolean; loggedOut?: boolean }>;
}

export interface ChannelAdapter<Account = unknown> {
  id: string;
  label: string;
  capabilities: ChannelCapabilities;
  /** How outbound chunks are measured: IRC counts UTF-8 bytes, the others characters. */
  chunkMeasure: "chars" | "utf8-bytes";
  /**
   * Accounts from `channels.<id>` (top-level settings are account `default`; `accounts.<id>`
   * inherit them). `env` fills the default account only (TELEGRAM_BOT_TOKEN, IRC_HOST …).
   */
  resolveAccounts(section: Record<string, unknown>, env: NodeJS.ProcessEnv): { accounts: ResolvedAccount<Account>[]; defaultAccountId: string };
  /** Opens one connection; resolves once it can receive and send, rejects if it could not connect. */
  connect(ctx: ConnectContext<Account>): Promise<ChannelConnection>;
  /** A live check that does not disturb the running connection (Telegram getMe, IRC connect+register+QUIT). */
  probe?(account: Account, timeoutMs: number): Promise<ProbeResult>;
  /** Normalizes an allowlist entry or a sender id for comparison (`tg:123` → `123`, `+44 7700` → `+447700`). */
  normalizeAllowEntry(raw: string): string;
  /** Whether allowlist `entry` (already normalized) admits `sender`; default: equality after normalizing. */
  senderMatches?(entry: string, sender: InboundMessage["sender"]): boolean;
  /**
   * Silence watchdog: if a connected account reports no `activity()` for this long, core marks it
   * stale and reconnects. Adapters make sure traffic flows on a healthy link (IRC PINGs, long polls).
   */
  silentAfterMs: number;
  /** Turns a `send` / `message send` target into a conversation (`#chan`, `nick`, `-100…:topic:42`, `+4477…`). */
  parseTarget(raw: string): OutboundTarget | { error: string };
  /** Whether a conversation id is a group or room (for session keys of outbound-only sends). */
  chatTypeOf?(target: OutboundTarget): ChatType;
  login?: ChannelLogin<Account>;
}

/** How each channel module exports itself: `export const adapter: ChannelAdapter<…>`. */
export type ChannelModule = { adapter: ChannelAdapter<any> };
