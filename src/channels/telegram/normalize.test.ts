import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeUpdate, type BotIdentity } from "./normalize.js";

const BOT: BotIdentity = { id: 999, username: "Claw_Bot" };
const ALICE = { id: 42, is_bot: false, first_name: "Alice", last_name: "Liddell", username: "alice" };
const DM = { id: 42, type: "private", first_name: "Alice" };
const GROUP = { id: -100555, type: "supergroup", title: "Friends" };

const update = (message: Record<string, unknown>, kind = "message") => ({ update_id: 1, [kind]: { message_id: 7, date: 1_700_000_000, ...message } });

test("a private message is a direct message from its sender, keyed by chat and message id", () => {
  const msg = normalizeUpdate(update({ chat: DM, from: ALICE, text: "hi" }), BOT, "default");
  assert.deepEqual(msg, {
    accountId: "default",
    messageId: "7",
    timestamp: 1_700_000_000_000,
    chatType: "direct",
    conversationId: "42",
    sender: { id: "42", name: "Alice Liddell", username: "alice" },
    text: "hi",
    mentionedBot: false,
  });
});

test("a group message carries the group id and title; an @bot entity (any case) is a mention and is not stripped", () => {
  const text = "hey @claw_bot look";
  const msg = normalizeUpdate(update({ chat: GROUP, from: ALICE, text, entities: [{ type: "mention", offset: 4, length: 9 }] }), BOT, "ops");
  assert.equal(msg?.chatType, "group");
  assert.equal(msg?.conversationId, "-100555");
  assert.equal(msg?.conversationLabel, "Friends");
  assert.equal(msg?.mentionedBot, true);
  assert.equal(msg?.text, text);
  assert.equal(msg?.accountId, "ops");
});

test("a mention of someone else, or a bare @name without an entity, is not a mention", () => {
  const other = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "@someone hi", entities: [{ type: "mention", offset: 0, length: 8 }] }), BOT, "default");
  assert.equal(other?.mentionedBot, false);
  const plain = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "@claw_bot hi" }), BOT, "default");
  assert.equal(plain?.mentionedBot, false);
});

test("a text_mention of the bot's user id and a /command@bot count as mentions", () => {
  const textMention = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "Claw hi", entities: [{ type: "text_mention", offset: 0, length: 4, user: { id: 999 } }] }), BOT, "default");
  assert.equal(textMention?.mentionedBot, true);
  const command = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "/status@claw_bot", entities: [{ type: "bot_command", offset: 0, length: 16 }] }), BOT, "default");
  assert.equal(command?.mentionedBot, true);
});

test("mention offsets are UTF-16 units, so emoji before the mention do not shift it", () => {
  const text = "😀😀 @claw_bot";
  const msg = normalizeUpdate(update({ chat: GROUP, from: ALICE, text, entities: [{ type: "mention", offset: 5, length: 9 }] }), BOT, "default");
  assert.equal(msg?.mentionedBot, true);
});

test("a forum topic message has its thread id; a plain group message has none", () => {
  const forum = { ...GROUP, is_forum: true };
  const inTopic = normalizeUpdate(update({ chat: forum, from: ALICE, text: "x", message_thread_id: 42, is_topic_message: true }), BOT, "default");
  assert.equal(inTopic?.threadId, "42");
  const replyThread = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "x", message_thread_id: 5 }), BOT, "default");
  assert.equal(replyThread?.threadId, undefined);
});

test("a reply carries the original's id, text and sender; a reply to the bot is marked", () => {
  const reply_to_message = { message_id: 3, date: 1, chat: GROUP, from: { id: 999, is_bot: true, first_name: "Claw" }, text: "earlier answer" };
  const msg = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "thanks", reply_to_message }), BOT, "default");
  assert.deepEqual(msg?.replyTo, { id: "3", body: "earlier answer", sender: "Claw", isBot: true });
  assert.equal(msg?.mentionedBot, false);
  const toAlice = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "x", reply_to_message: { ...reply_to_message, from: ALICE, text: undefined, caption: "pic" } }), BOT, "default");
  assert.deepEqual(toAlice?.replyTo, { id: "3", body: "pic", sender: "Alice Liddell", isBot: false });
});

test("inside a topic, the implicit reply to the topic's opening message is not a reply", () => {
  const forum = { ...GROUP, is_forum: true };
  const opening = { message_id: 42, date: 1, chat: forum, from: { id: 999, is_bot: true, first_name: "Claw" }, forum_topic_created: { name: "t", icon_color: 1 } };
  const msg = normalizeUpdate(update({ chat: forum, from: ALICE, text: "x", message_thread_id: 42, is_topic_message: true, reply_to_message: opening }), BOT, "default");
  assert.equal(msg?.replyTo, undefined);
});

test("captions are the text and media become facts", () => {
  const photo = normalizeUpdate(update({ chat: DM, from: ALICE, caption: "look", photo: [{ file_id: "a", file_unique_id: "b", width: 1, height: 1 }] }), BOT, "default");
  assert.equal(photo?.text, "look");
  assert.deepEqual(photo?.media, [{ kind: "image", caption: "look" }]);
  const voice = normalizeUpdate(update({ chat: DM, from: ALICE, voice: { file_id: "v", file_unique_id: "w", duration: 2 } }), BOT, "default");
  assert.equal(voice?.text, "");
  assert.deepEqual(voice?.media, [{ kind: "audio" }]);
  const gif = normalizeUpdate(update({ chat: DM, from: ALICE, animation: { file_id: "g" }, document: { file_id: "g" } }), BOT, "default");
  assert.deepEqual(gif?.media, [{ kind: "video" }]);
  const sticker = normalizeUpdate(update({ chat: DM, from: ALICE, sticker: { file_id: "s" } }), BOT, "default");
  assert.deepEqual(sticker?.media, [{ kind: "sticker" }]);
  const doc = normalizeUpdate(update({ chat: DM, from: ALICE, document: { file_id: "d" } }), BOT, "default");
  assert.deepEqual(doc?.media, [{ kind: "document" }]);
});

test("edits, channel posts, bots (the bot itself included), service messages and channels are ignored", () => {
  assert.equal(normalizeUpdate(update({ chat: DM, from: ALICE, text: "x" }, "edited_message"), BOT, "default"), null);
  assert.equal(normalizeUpdate(update({ chat: { id: -1001, type: "channel", title: "News" }, text: "x" }, "channel_post"), BOT, "default"), null);
  assert.equal(normalizeUpdate(update({ chat: GROUP, from: { id: 5, is_bot: true, first_name: "Other" }, text: "x" }), BOT, "default"), null);
  assert.equal(normalizeUpdate(update({ chat: GROUP, from: { id: 999, is_bot: false, first_name: "Claw" }, text: "x" }), BOT, "default"), null);
  assert.equal(normalizeUpdate(update({ chat: GROUP, from: ALICE, new_chat_members: [ALICE] }), BOT, "default"), null);
  assert.equal(normalizeUpdate(update({ chat: { id: -1001, type: "channel" }, from: ALICE, text: "x" }), BOT, "default"), null);
});

test("malformed updates are dropped, not thrown on", () => {
  for (const bad of [null, 1, "x", [], {}, { message: null }, { message: { chat: DM } }, update({ chat: DM, from: { id: "42" }, text: "x" }), update({ chat: { id: 1.5, type: "private" }, from: ALICE, text: "x" })]) {
    assert.equal(normalizeUpdate(bad, BOT, "default"), null);
  }
  const oddEntities = normalizeUpdate(update({ chat: GROUP, from: ALICE, text: "hi", entities: [null, 3, { type: "mention" }] }), BOT, "default");
  assert.equal(oddEntities?.mentionedBot, false);
});
