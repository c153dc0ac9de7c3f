import { test } from "node:test";
import assert from "node:assert/strict";
import { inboundFromPrivmsg, mentionsNick } from "./irc-inbound.js";
import { parseIrcLine } from "./irc-parse.js";

const facts = { accountId: "default", selfNick: "molty", ignoreNicks: ["NickServ"] };
const inbound = (raw: string, f = facts) => inboundFromPrivmsg(parseIrcLine(raw)!, f);

test("a channel message is a group message in that channel, case kept", () => {
  const m = inbound(":Alice!~alice@10.0.0.1 PRIVMSG #Bots :molty: \x02ping\x02");
  assert.ok(m);
  assert.equal(m.chatType, "group");
  assert.equal(m.conversationId, "#Bots");
  assert.equal(m.conversationLabel, "#Bots");
  assert.deepEqual(m.sender, { id: "Alice!~alice@10.0.0.1", name: "Alice" });
  assert.equal(m.text, "molty: ping");
  assert.equal(m.mentionedBot, true);
  assert.equal(m.accountId, "default");
  assert.ok(m.messageId.length > 0);
  assert.ok(Math.abs(m.timestamp - Date.now()) < 5000);
});

test("a PRIVMSG to our nick is a DM whose conversation is the sender's nick", () => {
  const m = inbound(":alice!~alice@h PRIVMSG MOLTY :hello");
  assert.ok(m);
  assert.equal(m.chatType, "direct");
  assert.equal(m.conversationId, "alice");
  assert.equal(m.conversationLabel, undefined);
  assert.equal(m.mentionedBot, false);
});

test("message ids are unique without a msgid tag; msgid and server-time tags are used when present", () => {
  const a = inbound(":a!u@h PRIVMSG #x :one")!;
  const b = inbound(":a!u@h PRIVMSG #x :one")!;
  assert.notEqual(a.messageId, b.messageId);
  const tagged = inbound("@msgid=xyz;time=2026-01-02T03:04:05.000Z :a!u@h PRIVMSG #x :one")!;
  assert.equal(tagged.messageId, "xyz");
  assert.equal(tagged.timestamp, Date.parse("2026-01-02T03:04:05.000Z"));
});

test("our own messages, servers, services, other targets, CTCP requests and empty text are dropped", () => {
  assert.equal(inbound(":molty!~m@h PRIVMSG #x :echo"), null);
  assert.equal(inbound(":Molty!~m@h PRIVMSG #x :echo (case)"), null);
  assert.equal(inbound(":irc.example PRIVMSG molty :server says"), null);
  assert.equal(inbound(":NickServ!NickServ@services. PRIVMSG molty :identify please"), null);
  assert.equal(inbound(":a!u@h PRIVMSG someoneelse :not for us"), null);
  assert.equal(inbound(":a!u@h PRIVMSG $*.example :broadcast"), null);
  assert.equal(inbound(":a!u@h PRIVMSG molty :\x01VERSION\x01"), null);
  assert.equal(inbound(":a!u@h PRIVMSG molty :\x02\x03\x02  "), null);
  assert.equal(inbound(":a!u@h NOTICE molty :notices are never answered"), null);
  assert.equal(inbound(":a!u@h PRIVMSG molty"), null);
});

test("ACTION becomes '* nick text'; STATUSMSG prefixes are removed from the channel", () => {
  const action = inbound(":alice!u@h PRIVMSG #x :\x01ACTION waves at molty\x01")!;
  assert.equal(action.text, "* alice waves at molty");
  assert.equal(action.mentionedBot, true);
  const ops = inbound(":alice!u@h PRIVMSG @#x :ops only")!;
  assert.equal(ops.conversationId, "#x");
  assert.equal(ops.chatType, "group");
});

test("mentions: the nick as a word, any case, with special characters escaped", () => {
  assert.equal(mentionsNick("molty: hi", "molty"), true);
  assert.equal(mentionsNick("hey MOLTY, hi", "molty"), true);
  assert.equal(mentionsNick("@molty hi", "molty"), true);
  assert.equal(mentionsNick("what about molty?", "molty"), true);
  assert.equal(mentionsNick("moltybot: hi", "molty"), false);
  assert.equal(mentionsNick("xmolty", "molty"), false);
  assert.equal(mentionsNick("molty_: hi", "molty"), false, "molty_ is another nick");
  assert.equal(mentionsNick("molty_: hi", "molty_"), true);
  assert.equal(mentionsNick("[m]bot, hi", "[m]bot"), true);
  assert.equal(mentionsNick("mxbot, hi", "[m]bot"), false, "[ and ] are not a character class");
  assert.equal(mentionsNick("a.b hi", "a.b"), true);
  assert.equal(mentionsNick("axb hi", "a.b"), false);
  assert.equal(mentionsNick("anything", ""), false);
});
