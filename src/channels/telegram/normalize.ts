import type { InboundMessage } from "../types.js";

/** The bot itself, from getMe. */
export type BotIdentity = { id: number; username?: string };

type Obj = Record<string, unknown>;
type MediaFact = NonNullable<InboundMessage["media"]>[number];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === "number" && Number.isSafeInteger(v) ? v : undefined);

function displayName(user: Obj): string | undefined {
  const name = [text(user.first_name), text(user.last_name)].filter((p) => p && p.trim() !== "").join(" ");
  return name || undefined;
}

/** Video notes and animations count as video; animations also carry a `document`, hence the order. */
const MEDIA_FIELDS: ReadonlyArray<[string, MediaFact["kind"]]> = [
  ["photo", "image"],
  ["video", "video"],
  ["video_note", "video"],
  ["animation", "video"],
  ["voice", "audio"],
  ["audio", "audio"],
  ["sticker", "sticker"],
  ["document", "document"],
];

function mediaOf(message: Obj): MediaFact[] {
  const caption = text(message.caption);
  for (const [field, kind] of MEDIA_FIELDS) {
    if (message[field] !== undefined && message[field] !== null) return [caption ? { kind, caption } : { kind }];
  }
  return [];
}

/** A `@bot` mention entity, a text mention of the bot's user, or a `/command@bot`. */
export function mentionsBot(message: Obj, self: BotIdentity): boolean {
  const body = text(message.text) ?? text(message.caption) ?? "";
  const entities = Array.isArray(message.entities) ? message.entities : Array.isArray(message.caption_entities) ? message.caption_entities : [];
  const handle = self.username ? `@${self.username.toLowerCase()}` : undefined;
  for (const entity of entities) {
    if (!isObj(entity)) continue;
    if (entity.type === "text_mention" && isObj(entity.user) && entity.user.id === self.id) return true;
    const offset = int(entity.offset);
    const length = int(entity.length);
    if (!handle || offset === undefined || length === undefined) continue;
    const span = body.slice(offset, offset + length).toLowerCase();
    if (entity.type === "mention" && span === handle) return true;
    if (entity.type === "bot_command" && span.endsWith(handle)) return true;
  }
  return false;
}

function replyOf(message: Obj, self: BotIdentity, threadId: string | undefined): InboundMessage["replyTo"] {
  const reply = message.reply_to_message;
  if (!isObj(reply)) return undefined;
  const id = int(reply.message_id);
  if (id === undefined) return undefined;
  // Inside a forum topic every message "replies" to the topic's opening service message.
  if (reply.forum_topic_created !== undefined || (threadId !== undefined && String(id) === threadId)) return undefined;
  const from = isObj(reply.from) ? reply.from : undefined;
  const body = text(reply.text) ?? text(reply.caption);
  const sender = from ? displayName(from) : undefined;
  return {
    id: String(id),
    ...(body !== undefined ? { body } : {}),
    ...(sender ? { sender } : {}),
    isBot: from !== undefined && from.id === self.id,
  };
}

/**
 * A Bot API update as core's `InboundMessage`, or null for what the gateway does not answer:
 * anything but `message` (edits, channel posts, reactions), messages from bots (the bot's own
 * included), service messages without text or media, and malformed payloads.
 */
export function normalizeUpdate(update: unknown, self: BotIdentity, accountId: string): InboundMessage | null {
  if (!isObj(update) || !isObj(update.message)) return null;
  const message = update.message;
  const chat = message.chat;
  const from = message.from;
  if (!isObj(chat) || !isObj(from)) return null;
  const messageId = int(message.message_id);
  const chatId = int(chat.id);
  const senderId = int(from.id);
  if (messageId === undefined || chatId === undefined || senderId === undefined) return null;
  if (from.is_bot === true || senderId === self.id) return null;
  const chatType = chat.type === "private" ? "direct" : chat.type === "group" || chat.type === "supergroup" ? "group" : null;
  if (!chatType) return null;

  const media = mediaOf(message);
  const body = text(message.text) ?? text(message.caption) ?? "";
  if (body === "" && media.length === 0) return null;

  const thread = int(message.message_thread_id);
  const threadId = chatType === "group" && message.is_topic_message === true && thread !== undefined ? String(thread) : undefined;
  const username = text(from.username);
  const name = displayName(from);
  const replyTo = replyOf(message, self, threadId);
  const date = int(message.date);
  const title = text(chat.title);
  return {
    accountId,
    messageId: String(messageId),
    timestamp: date !== undefined ? date * 1000 : Date.now(),
    chatType,
    conversationId: String(chatId),
    ...(threadId ? { threadId } : {}),
    sender: { id: String(senderId), ...(name ? { name } : {}), ...(username ? { username } : {}) },
    text: body,
    ...(media.length > 0 ? { media } : {}),
    mentionedBot: mentionsBot(message, self),
    ...(replyTo ? { replyTo } : {}),
    ...(title ? { conversationLabel: title } : {}),
  };
}
