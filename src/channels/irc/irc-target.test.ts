import { test } from "node:test";
import assert from "node:assert/strict";
import { chatTypeOf, parseTarget } from "./irc-target.js";

test("channels and nicks in every accepted spelling", () => {
  assert.deepEqual(parseTarget("#bots"), { conversationId: "#bots" });
  assert.deepEqual(parseTarget("&local"), { conversationId: "&local" });
  assert.deepEqual(parseTarget("  #Bots "), { conversationId: "#Bots" }, "case is kept");
  assert.deepEqual(parseTarget("channel:#bots"), { conversationId: "#bots" });
  assert.deepEqual(parseTarget("channel:bots"), { conversationId: "#bots" });
  assert.deepEqual(parseTarget("irc:#bots"), { conversationId: "#bots" });
  assert.deepEqual(parseTarget("alice"), { conversationId: "alice" });
  assert.deepEqual(parseTarget("irc:alice"), { conversationId: "alice" });
  assert.deepEqual(parseTarget("user:alice"), { conversationId: "alice" });
  assert.deepEqual(parseTarget("irc:user:[m]bot"), { conversationId: "[m]bot" });
});

test("empty, spaced, comma'd or injecting targets are errors", () => {
  for (const raw of ["", "   ", "irc:", "user:", "channel:", "#a b", "#a,#b", "alice,bob", "a\r\nQUIT", "a\x00", ":alice", "alice!u@h", "ali*", "user:#bots", "#" + "x".repeat(300)]) {
    const result = parseTarget(raw);
    assert.ok("error" in result, `${JSON.stringify(raw)} → ${JSON.stringify(result)}`);
  }
});

test("# and & targets are groups, nicks are direct", () => {
  assert.equal(chatTypeOf({ conversationId: "#bots" }), "group");
  assert.equal(chatTypeOf({ conversationId: "&bots" }), "group");
  assert.equal(chatTypeOf({ conversationId: "alice" }), "direct");
});
