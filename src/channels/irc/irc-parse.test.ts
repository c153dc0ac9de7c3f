import { test } from "node:test";
import assert from "node:assert/strict";
import { ircLower, isUserSource, parseIrcLine, parseSource } from "./irc-parse.js";

test("a relayed PRIVMSG splits into prefix, command, middle and trailing parameters", () => {
  assert.deepEqual(parseIrcLine(":alice!~alice@127.0.0.1 PRIVMSG #bots :hello there: world"), {
    tags: {},
    prefix: "alice!~alice@127.0.0.1",
    command: "PRIVMSG",
    params: ["#bots", "hello there: world"],
  });
  assert.deepEqual(parseIrcLine("PING :irc.example"), { tags: {}, command: "PING", params: ["irc.example"] });
  assert.deepEqual(parseIrcLine(":irc.example 001 molty :Welcome molty!~m@h\r"), {
    tags: {},
    prefix: "irc.example",
    command: "001",
    params: ["molty", "Welcome molty!~m@h"],
  });
});

test("commands are upper-cased, runs of spaces collapse, an empty trailing parameter is kept", () => {
  assert.deepEqual(parseIrcLine(":a!b@c   privmsg   bot   :"), { tags: {}, prefix: "a!b@c", command: "PRIVMSG", params: ["bot", ""] });
  assert.deepEqual(parseIrcLine("JOIN #a"), { tags: {}, command: "JOIN", params: ["#a"] });
  assert.deepEqual(parseIrcLine(":n!u@h KICK #a bot :go :away"), { tags: {}, prefix: "n!u@h", command: "KICK", params: ["#a", "bot", "go :away"] });
});

test("IRCv3 tags are parsed and unescaped", () => {
  const line = parseIrcLine("@msgid=abc123;time=2026-01-02T03:04:05.000Z;+draft/x=a\\sb\\:c\\\\d;flag :n!u@h PRIVMSG #a :hi");
  assert.ok(line);
  assert.deepEqual(line.tags, { msgid: "abc123", time: "2026-01-02T03:04:05.000Z", "+draft/x": "a b;c\\d", flag: "" });
  assert.equal(line.command, "PRIVMSG");
});

test("malformed lines are null, not exceptions", () => {
  for (const raw of ["", " ", ":", ":prefix-only", "@tags-only", "@a=b :pfx", ":p 12", ":p 1234 x", ":p PRIV-MSG x", "\u0000\u0001", ":p :trailing-as-command", "@a=b"]) {
    assert.equal(parseIrcLine(raw), null, JSON.stringify(raw));
  }
});

test("prefixes split into nick, user and host; only full masks are people", () => {
  assert.deepEqual(parseSource("alice!~al@host.example"), { nick: "alice", user: "~al", host: "host.example" });
  assert.deepEqual(parseSource("irc.example.net"), { nick: "irc.example.net" });
  assert.deepEqual(parseSource("alice@host"), { nick: "alice", host: "host" });
  assert.equal(isUserSource(parseSource("alice!~al@host")), true);
  assert.equal(isUserSource(parseSource("irc.example.net")), false);
  assert.equal(isUserSource(parseSource("NickServ")), false);
  assert.equal(isUserSource(parseSource("!u@h")), false);
});

test("rfc1459 case folding treats []\\~ as the upper case of {}|^", () => {
  assert.equal(ircLower("Bot[1]\\~X"), "bot{1}|^x");
  assert.equal(ircLower("#Bots"), "#bots");
  assert.equal(ircLower("ÄBC"), "Äbc", "only ASCII letters fold");
});
