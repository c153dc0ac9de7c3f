/**
 * A Baileys `WAMessage` as core's `InboundMessage`, or null when it is not for the bot: our own
 * messages, status updates, broadcasts, channels, reactions, protocol messages (edits, deletes,
 * key distribution) and anything without text or media.
 */
import type { InboundMessage } from "../types.js";
import { isGroupJid, isIgnoredJid, jidToE164, normalizeJid, personId } from "./jid.js";
import type { WAContent, WAContextInfo, WAInboundMessage } from "./socket.js";

export type InboundFacts = {
  accountId: string;
  /** Our own JIDs (phone number and LID), normalized. */
  self: Set<string>;
  selfChatMode: boolean;
  /** Whether we sent the message with this id (self-chat mode sees its own replies come back). */
  sentByUs(id: string): boolean;
};

type MediaKind = NonNullable<InboundMessage["media"]>[number]["kind"];

const MEDIA_FIELDS: ReadonlyArray<[keyof WAContent, MediaKind]> = [
  ["imageMessage", "image"],
  ["videoMessage", "video"],
  ["audioMessage", "audio"],
  ["documentMessage", "document"],
  ["stickerMessage", "sticker"],
];

const WRAPPERS = ["ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension", "documentWithCaptionMessage"] as const;

/** Disappearing, view-once and captioned-document messages carry the real one inside. */
function unwrap(content: WAContent | null | undefined): WAContent | undefined {
  let current = content ?? undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    const inner = WRAPPERS.map((field) => current?.[field]?.message).find(Boolean);
    if (!inner) break;
    current = inner;
  }
  return current;
}

type MediaMessage = { caption?: string | null; contextInfo?: WAContextInfo | null };

function mediaOf(content: WAContent): { kind: MediaKind; message: MediaMessage } | undefined {
  for (const [field, kind] of MEDIA_FIELDS) {
    const message = content[field] as MediaMessage | null | undefined;
    if (message) return { kind, message };
  }
  return undefined;
}

/** The text of a message: its body, or a media caption. */
function textOf(content: WAContent | null | undefined): string {
  const inner = unwrap(content);
  if (!inner) return "";
  return inner.conversation ?? inner.extendedTextMessage?.text ?? mediaOf(inner)?.message.caption ?? "";
}

function timestampMs(value: WAInboundMessage["messageTimestamp"]): number {
  const seconds = typeof value === "number" ? value : typeof value === "string" ? Number(value) : value && typeof value.toNumber === "function" ? value.toNumber() : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now();
}

/** Of a LID JID and its phone-number alternative, the phone number (allowlists are E.164). */
function preferPhone(jid: string, alt: string | null | undefined): string {
  return !jidToE164(jid) && alt && jidToE164(alt) ? alt : jid;
}

function isSelf(jid: string | null | undefined, self: Set<string>): boolean {
  return Boolean(jid) && self.has(normalizeJid(jid as string));
}

export function toInboundMessage(raw: WAInboundMessage, facts: InboundFacts): InboundMessage | null {
  const { key } = raw;
  const remote = key?.remoteJid;
  const id = key?.id;
  if (!remote || !id || isIgnoredJid(remote)) return null;
  const group = isGroupJid(remote);
  if (key.fromMe) {
    const selfChat = !group && (isSelf(remote, facts.self) || isSelf(key.remoteJidAlt, facts.self));
    if (!facts.selfChatMode || !selfChat || facts.sentByUs(id)) return null;
  }
  const content = unwrap(raw.message);
  if (!content || content.protocolMessage || content.reactionMessage || content.pollUpdateMessage) return null;

  const media = mediaOf(content);
  const contextInfo = content.extendedTextMessage?.contextInfo ?? media?.message.contextInfo ?? undefined;
  const text = textOf(content) || (media ? `<media:${media.kind}>` : "");
  if (!text) return null;

  // In self-chat mode the chat with ourselves may be addressed by our LID; we know our number.
  const ownPhone = key.fromMe ? [...facts.self].find((jid) => jidToE164(jid)) : undefined;
  const senderJid = group ? key.participant && preferPhone(key.participant, key.participantAlt) : (ownPhone ?? preferPhone(remote, key.remoteJidAlt));
  if (!senderJid) return null;
  const conversationId = group ? normalizeJid(remote) : normalizeJid(ownPhone ?? preferPhone(remote, key.remoteJidAlt));
  const mentioned = contextInfo?.mentionedJid ?? [];

  const message: InboundMessage = {
    accountId: facts.accountId,
    messageId: id,
    timestamp: timestampMs(raw.messageTimestamp),
    chatType: group ? "group" : "direct",
    conversationId,
    sender: { id: personId(senderJid), ...(raw.pushName ? { name: raw.pushName } : {}) },
    text,
    mentionedBot: mentioned.some((jid) => isSelf(jid, facts.self)),
  };
  if (media) message.media = [{ kind: media.kind, ...(media.message.caption ? { caption: media.message.caption } : {}) }];
  if (contextInfo?.stanzaId) {
    const body = textOf(contextInfo.quotedMessage);
    const quotedAuthor = contextInfo.participant ?? undefined;
    message.replyTo = {
      id: contextInfo.stanzaId,
      ...(body ? { body } : {}),
      ...(quotedAuthor ? { sender: personId(quotedAuthor), isBot: isSelf(quotedAuthor, facts.self) } : {}),
    };
  }
  return message;
}
