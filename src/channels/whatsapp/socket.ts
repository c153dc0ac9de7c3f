/**
 * The seam around Baileys: the part of its socket this adapter uses, in shapes small enough for a
 * test to fake. The production implementation is `baileys-socket.ts`; tests inject their own
 * through `setWhatsAppSocketFactory` (socket-factory.ts).
 */
import type { Logger } from "../../infra/logger.js";

/** A message key as Baileys gives it (`WAMessageKey`); the `*Alt` fields carry the PN of a LID. */
export type WAKey = {
  remoteJid?: string | null;
  remoteJidAlt?: string | null;
  fromMe?: boolean | null;
  id?: string | null;
  participant?: string | null;
  participantAlt?: string | null;
};

export type WAContextInfo = {
  mentionedJid?: string[] | null;
  stanzaId?: string | null;
  participant?: string | null;
  quotedMessage?: WAContent | null;
};

type WAMedia = { caption?: string | null; contextInfo?: WAContextInfo | null } | null;
type WAWrapper = { message?: WAContent | null } | null;

/** The subset of `proto.IMessage` read on the way in. */
export type WAContent = {
  conversation?: string | null;
  extendedTextMessage?: { text?: string | null; contextInfo?: WAContextInfo | null } | null;
  imageMessage?: WAMedia;
  videoMessage?: WAMedia;
  audioMessage?: WAMedia;
  documentMessage?: WAMedia;
  stickerMessage?: WAMedia;
  documentWithCaptionMessage?: WAWrapper;
  ephemeralMessage?: WAWrapper;
  viewOnceMessage?: WAWrapper;
  viewOnceMessageV2?: WAWrapper;
  viewOnceMessageV2Extension?: WAWrapper;
  protocolMessage?: unknown;
  reactionMessage?: unknown;
  pollUpdateMessage?: unknown;
};

/** A `WAMessage` as far as this adapter reads it. `messageTimestamp` is seconds (number or Long). */
export type WAInboundMessage = {
  key: WAKey;
  message?: WAContent | null;
  pushName?: string | null;
  messageTimestamp?: number | string | { toNumber(): number } | null;
};

/** Baileys' `connection.update`; `lastDisconnect.error` is a Boom with `output.statusCode`. */
export type WAConnectionUpdate = {
  connection?: "open" | "connecting" | "close";
  lastDisconnect?: { error?: unknown; date?: Date };
  qr?: string;
  isNewLogin?: boolean;
  receivedPendingNotifications?: boolean;
};

export type WAEvents = {
  "connection.update": WAConnectionUpdate;
  "creds.update": unknown;
  "messages.upsert": { messages: WAInboundMessage[]; type: "notify" | "append" };
};

export interface WhatsAppSocket {
  ev: { on<E extends keyof WAEvents>(event: E, listener: (arg: WAEvents[E]) => void): void };
  /** The raw transport: `message` fires for every frame received (keep-alive answers included). */
  ws?: { on(event: "message", listener: () => void): void };
  /** Our own identity once logged in: `<digits>:<device>@s.whatsapp.net`, and the LID when known. */
  readonly user?: { id: string; lid?: string };
  sendMessage(jid: string, content: { text: string }, opts?: { quoted?: WAInboundMessage; messageId?: string }): Promise<{ key: { id?: string | null } } | undefined>;
  sendPresenceUpdate(type: "composing" | "paused", jid: string): Promise<void>;
  readMessages(keys: WAKey[]): Promise<void>;
  /** Unlinks this device on WhatsApp's side, then ends the socket (a 401 close). */
  logout(): Promise<void>;
  /** Ends the socket; a `connection: "close"` update follows with `err` as the reason. */
  end(err?: Error): void | Promise<void>;
}

export type SocketFactoryOptions = {
  authDir: string;
  log: Logger;
  /** Overrides WhatsApp's WebSocket endpoint (loopback tests of the production factory only). */
  waWebSocketUrl?: string;
};

/** Opens a socket on the multi-file auth state in `authDir`; `saveCreds` writes `creds.json`. */
export type SocketFactory = (opts: SocketFactoryOptions) => Promise<{ socket: WhatsAppSocket; saveCreds: () => Promise<void> }>;
