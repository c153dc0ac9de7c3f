import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeAllowEntry, senderMatches, wildcardMatch } from "./irc-mask.js";

const alice = { id: "Alice!~alice@host.example.org", name: "Alice" };

test("allowlist entries lose the irc: prefix and case", () => {
  assert.equal(normalizeAllowEntry(" irc:Alice "), "alice");
  assert.equal(normalizeAllowEntry("IRC:Alice!~A@Host"), "alice!~a@host");
  assert.equal(normalizeAllowEntry("bob"), "bob");
});

test("a bare nick matches the sender's nick, case-insensitively, and nothing else", () => {
  assert.equal(senderMatches("alice", alice), true);
  assert.equal(senderMatches("irc:ALICE", alice), true);
  assert.equal(senderMatches("alic", alice), false);
  assert.equal(senderMatches("host.example.org", alice), false);
  assert.equal(senderMatches("~alice", alice), false, "the user part is not the nick");
  assert.equal(senderMatches("bot{1}", { id: "Bot[1]!u@h", name: "Bot[1]" }), true, "rfc1459 folding");
});

test("masks match the whole nick!user@host with * and ?", () => {
  assert.equal(senderMatches("alice!~alice@host.example.org", alice), true);
  assert.equal(senderMatches("*!*@host.example.org", alice), true);
  assert.equal(senderMatches("*!*@*.example.org", alice), true);
  assert.equal(senderMatches("al?ce!*@*", alice), true);
  assert.equal(senderMatches("*!*@evil.example.org", alice), false);
  assert.equal(senderMatches("alice!~alice@host", alice), false, "no implicit trailing wildcard");
  assert.equal(senderMatches("~alice@host.example.org", alice), true, "user@host means *!user@host");
  assert.equal(senderMatches("bob@host.example.org", alice), false);
});

test("* admits everyone and an empty entry nobody", () => {
  assert.equal(senderMatches("*", alice), true);
  assert.equal(senderMatches("", alice), false);
  assert.equal(senderMatches("   ", alice), false);
});

test("wildcard matching is linear enough for hostile patterns", () => {
  assert.equal(wildcardMatch("", ""), true);
  assert.equal(wildcardMatch("*", ""), true);
  assert.equal(wildcardMatch("?", ""), false);
  assert.equal(wildcardMatch("a*b*c", "axxbyyc"), true);
  assert.equal(wildcardMatch("a*b*c", "axxbyy"), false);
  const started = Date.now();
  assert.equal(wildcardMatch("*a".repeat(50) + "*b", "a".repeat(5000)), false);
  assert.ok(Date.now() - started < 500, "no exponential backtracking");
});
