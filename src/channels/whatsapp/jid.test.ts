import { test } from "node:test";
import assert from "node:assert/strict";
import { chatTypeOf, jidToE164, normalizeAllowEntry, normalizeJid, parseTarget, personId } from "./jid.js";

test("phone-number JIDs become E.164, with or without a device suffix; LIDs keep their JID", () => {
  assert.equal(jidToE164("447700900123@s.whatsapp.net"), "+447700900123");
  assert.equal(jidToE164("447700900123:12@s.whatsapp.net"), "+447700900123");
  assert.equal(jidToE164("447700900123@c.us"), "+447700900123");
  assert.equal(jidToE164("123456789@lid"), undefined);
  assert.equal(jidToE164("120363025246125486@g.us"), undefined);
  assert.equal(normalizeJid("447700900123:3@s.whatsapp.net"), "447700900123@s.whatsapp.net");
  assert.equal(normalizeJid("123456789:5@lid"), "123456789@lid");
  assert.equal(personId("123456789:5@lid"), "123456789@lid");
  assert.equal(personId("447700900123:5@s.whatsapp.net"), "+447700900123");
});

test("allowlist entries normalize to E.164; * and LIDs stay as they are", () => {
  assert.equal(normalizeAllowEntry("+44 7700 900123"), "+447700900123");
  assert.equal(normalizeAllowEntry("447700900123"), "+447700900123");
  assert.equal(normalizeAllowEntry("whatsapp:+1 (415) 555-0100"), "+14155550100");
  assert.equal(normalizeAllowEntry("WhatsApp:+44-7700-900123"), "+447700900123");
  assert.equal(normalizeAllowEntry("447700900123@s.whatsapp.net"), "+447700900123");
  assert.equal(normalizeAllowEntry("123456789@lid"), "123456789@lid");
  assert.equal(normalizeAllowEntry("*"), "*");
  assert.equal(normalizeAllowEntry(" * "), "*");
});

test("targets: numbers, JIDs and groups become conversation JIDs; anything else is an error", () => {
  const jid = { conversationId: "447700900123@s.whatsapp.net" };
  assert.deepEqual(parseTarget("+447700900123"), jid);
  assert.deepEqual(parseTarget("447700900123"), jid);
  assert.deepEqual(parseTarget("whatsapp:+447700900123"), jid);
  assert.deepEqual(parseTarget("+44 7700 900123"), jid);
  assert.deepEqual(parseTarget("447700900123@s.whatsapp.net"), jid);
  assert.deepEqual(parseTarget("447700900123:4@s.whatsapp.net"), jid);
  assert.deepEqual(parseTarget("120363025246125486@g.us"), { conversationId: "120363025246125486@g.us" });
  assert.deepEqual(parseTarget("123456789@lid"), { conversationId: "123456789@lid" });
  for (const bad of ["#general", "alice", "", "+12", "status@broadcast", "abc@g.us", "1234@newsletter"]) {
    const parsed = parseTarget(bad);
    assert.ok("error" in parsed, `${JSON.stringify(bad)} should not parse`);
  }
});

test("groups are groups, everything else a direct chat", () => {
  assert.equal(chatTypeOf({ conversationId: "120363025246125486@g.us" }), "group");
  assert.equal(chatTypeOf({ conversationId: "447700900123@s.whatsapp.net" }), "direct");
  assert.equal(chatTypeOf({ conversationId: "123456789@lid" }), "direct");
});
