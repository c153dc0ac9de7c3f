import { test } from "node:test";
import assert from "node:assert/strict";
import { toInboundMessage, type InboundFacts } from "./inbound.js";
import { selfJids } from "./jid.js";
import type { WAInboundMessage } from "./socket.js";

const ME = { id: "447700900001:7@s.whatsapp.net", lid: "99887766:7@lid" };
const GROUP = "120363025246125486@g.us";

function facts(patch: Partial<InboundFacts> = {}): InboundFacts {
  return { accountId: "default", self: selfJids(ME), selfChatMode: false, sentByUs: () => false, ...patch };
}

test("a DM: E.164 sender, the JID as conversation, push name, platform time", () => {
  const raw: WAInboundMessage = {
    key: { remoteJid: "447700900123@s.whatsapp.net", fromMe: false, id: "M1" },
    message: { conversation: "hello" },
    pushName: "Alice",
    messageTimestamp: 1_767_225_600,
  };
  assert.deepEqual(toInboundMessage(raw, facts()), {
    accountId: "default",
    messageId: "M1",
    timestamp: 1_767_225_600_000,
    chatType: "direct",
    conversationId: "447700900123@s.whatsapp.net",
    sender: { id: "+447700900123", name: "Alice" },
    text: "hello",
    mentionedBot: false,
  });
});

test("a group message names its participant; a mention of our JID or our LID is a mention", () => {
  const raw: WAInboundMessage = {
    key: { remoteJid: GROUP, fromMe: false, id: "G1", participant: "447700900123:2@s.whatsapp.net" },
    message: { extendedTextMessage: { text: "@bot ping", contextInfo: { mentionedJid: ["447700900001@s.whatsapp.net"] } } },
    messageTimestamp: { toNumber: () => 1_767_225_601 },
  };
  const message = toInboundMessage(raw, facts());
  assert.equal(message?.chatType, "group");
  assert.equal(message?.conversationId, GROUP);
  assert.equal(message?.sender.id, "+447700900123");
  assert.equal(message?.text, "@bot ping");
  assert.equal(message?.mentionedBot, true);
  assert.equal(message?.timestamp, 1_767_225_601_000);

  const byLid = { ...raw, message: { extendedTextMessage: { text: "hi", contextInfo: { mentionedJid: ["99887766@lid"] } } } };
  assert.equal(toInboundMessage(byLid, facts())?.mentionedBot, true);
  const other = { ...raw, message: { extendedTextMessage: { text: "hi", contextInfo: { mentionedJid: ["447700900999@s.whatsapp.net"] } } } };
  assert.equal(toInboundMessage(other, facts())?.mentionedBot, false);
});

test("LID-addressed senders use their phone number when Baileys knows it, else the LID", () => {
  const withAlt: WAInboundMessage = {
    key: { remoteJid: GROUP, id: "G2", participant: "5550001@lid", participantAlt: "447700900123@s.whatsapp.net" },
    message: { conversation: "hi" },
  };
  assert.equal(toInboundMessage(withAlt, facts())?.sender.id, "+447700900123");
  const lidOnly: WAInboundMessage = { key: { remoteJid: "5550001@lid", id: "D2" }, message: { conversation: "hi" } };
  const dm = toInboundMessage(lidOnly, facts());
  assert.equal(dm?.sender.id, "5550001@lid");
  assert.equal(dm?.conversationId, "5550001@lid");
  const dmAlt: WAInboundMessage = { key: { remoteJid: "5550001@lid", remoteJidAlt: "447700900123@s.whatsapp.net", id: "D3" }, message: { conversation: "hi" } };
  assert.equal(toInboundMessage(dmAlt, facts())?.conversationId, "447700900123@s.whatsapp.net");
});

test("a quote of the bot is a reply to the bot, with the quoted text", () => {
  const raw: WAInboundMessage = {
    key: { remoteJid: GROUP, id: "G3", participant: "447700900123@s.whatsapp.net" },
    message: {
      extendedTextMessage: {
        text: "and then?",
        contextInfo: { stanzaId: "BOT1", participant: "447700900001:7@s.whatsapp.net", quotedMessage: { conversation: "earlier answer" } },
      },
    },
  };
  assert.deepEqual(toInboundMessage(raw, facts())?.replyTo, { id: "BOT1", body: "earlier answer", sender: "+447700900001", isBot: true });
  const quotingSomeoneElse = structuredClone(raw);
  quotingSomeoneElse.message!.extendedTextMessage!.contextInfo!.participant = "447700900555@s.whatsapp.net";
  assert.deepEqual(toInboundMessage(quotingSomeoneElse, facts())?.replyTo, { id: "BOT1", body: "earlier answer", sender: "+447700900555", isBot: false });
});

test("media: the caption is the text, else a placeholder; wrappers are unwrapped", () => {
  const captioned: WAInboundMessage = { key: { remoteJid: "447700900123@s.whatsapp.net", id: "I1" }, message: { imageMessage: { caption: "look" } } };
  const one = toInboundMessage(captioned, facts());
  assert.equal(one?.text, "look");
  assert.deepEqual(one?.media, [{ kind: "image", caption: "look" }]);
  const bare: WAInboundMessage = { key: { remoteJid: "447700900123@s.whatsapp.net", id: "I2" }, message: { ephemeralMessage: { message: { imageMessage: {} } } } };
  const two = toInboundMessage(bare, facts());
  assert.equal(two?.text, "<media:image>");
  assert.deepEqual(two?.media, [{ kind: "image" }]);
  const doc: WAInboundMessage = { key: { remoteJid: "447700900123@s.whatsapp.net", id: "I3" }, message: { documentWithCaptionMessage: { message: { documentMessage: { caption: "the report" } } } } };
  assert.equal(toInboundMessage(doc, facts())?.text, "the report");
  const voice: WAInboundMessage = { key: { remoteJid: "447700900123@s.whatsapp.net", id: "I4" }, message: { audioMessage: {} } };
  assert.equal(toInboundMessage(voice, facts())?.text, "<media:audio>");
});

test("dropped: our own messages, status, broadcasts, channels, reactions, protocol messages, empty ones", () => {
  const dm = (patch: Partial<WAInboundMessage>): WAInboundMessage => ({ key: { remoteJid: "447700900123@s.whatsapp.net", id: "X" }, message: { conversation: "x" }, ...patch });
  assert.equal(toInboundMessage(dm({ key: { remoteJid: "447700900123@s.whatsapp.net", id: "X", fromMe: true } }), facts()), null);
  assert.equal(toInboundMessage(dm({ key: { remoteJid: "status@broadcast", id: "X", participant: "447700900123@s.whatsapp.net" } }), facts()), null);
  assert.equal(toInboundMessage(dm({ key: { remoteJid: "1234567@broadcast", id: "X" } }), facts()), null);
  assert.equal(toInboundMessage(dm({ key: { remoteJid: "120363000000@newsletter", id: "X" } }), facts()), null);
  assert.equal(toInboundMessage(dm({ message: { reactionMessage: { text: "👍" } } }), facts()), null);
  assert.equal(toInboundMessage(dm({ message: { protocolMessage: { type: 0 } } }), facts()), null);
  assert.equal(toInboundMessage(dm({ message: {} }), facts()), null);
  assert.equal(toInboundMessage(dm({ message: null }), facts()), null);
  assert.equal(toInboundMessage({ key: { remoteJid: GROUP, id: "X" }, message: { conversation: "no participant" } }, facts()), null);
});

test("self-chat mode takes the owner's messages to themselves, but not our own replies", () => {
  const toSelf = (id: string): WAInboundMessage => ({ key: { remoteJid: "447700900001@s.whatsapp.net", fromMe: true, id }, message: { conversation: "note to self" } });
  assert.equal(toInboundMessage(toSelf("S1"), facts()), null, "off by default");
  const on = facts({ selfChatMode: true, sentByUs: (id) => id === "OURS" });
  const message = toInboundMessage(toSelf("S1"), on);
  assert.equal(message?.sender.id, "+447700900001");
  assert.equal(message?.conversationId, "447700900001@s.whatsapp.net");
  assert.equal(toInboundMessage(toSelf("OURS"), on), null);
  const fromMeElsewhere: WAInboundMessage = { key: { remoteJid: "447700900123@s.whatsapp.net", fromMe: true, id: "S2" }, message: { conversation: "to a friend" } };
  assert.equal(toInboundMessage(fromMeElsewhere, on), null);
  const selfByLid: WAInboundMessage = { key: { remoteJid: "99887766@lid", fromMe: true, id: "S3" }, message: { conversation: "via lid" } };
  const viaLid = toInboundMessage(selfByLid, on);
  assert.equal(viaLid?.text, "via lid");
  assert.equal(viaLid?.sender.id, "+447700900001");
  assert.equal(viaLid?.conversationId, "447700900001@s.whatsapp.net");
});
