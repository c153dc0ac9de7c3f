import { test } from "node:test";
import assert from "node:assert/strict";
import { ChannelSendError } from "../types.js";
import { toSendError } from "./errors.js";
import { chatTypeOf, parseTarget } from "./target.js";

test("targets: chat ids with or without a channel prefix, and forum topics", () => {
  assert.deepEqual(parseTarget("123"), { conversationId: "123" });
  assert.deepEqual(parseTarget("-100123"), { conversationId: "-100123" });
  assert.deepEqual(parseTarget("telegram:123"), { conversationId: "123" });
  assert.deepEqual(parseTarget("tg:123"), { conversationId: "123" });
  assert.deepEqual(parseTarget("-100123:topic:42"), { conversationId: "-100123", threadId: "42" });
  assert.deepEqual(parseTarget("tg:group:-100123:topic:42"), { conversationId: "-100123", threadId: "42" });
  assert.deepEqual(parseTarget("@public_group"), { conversationId: "@public_group" });
  for (const bad of ["", "abc", "12a", "-100123:topic:", "-100123:topic:x", "tg:"]) assert.ok("error" in parseTarget(bad), bad);
});

test("negative chat ids are groups, positive ones direct chats", () => {
  assert.equal(chatTypeOf({ conversationId: "-100123" }), "group");
  assert.equal(chatTypeOf({ conversationId: "-5" }), "group");
  assert.equal(chatTypeOf({ conversationId: "42" }), "direct");
});

test("send errors: 429 carries retry_after, refusals are permanent, the rest retryable; the token never shows", () => {
  const limited = toSendError("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } });
  assert.ok(limited instanceof ChannelSendError);
  assert.equal(limited.retryAfterMs, 7000);
  assert.equal(limited.permanent, false);
  assert.equal(toSendError("sendMessage", { error_code: 400, description: "Bad Request: chat not found" }).permanent, true);
  assert.equal(toSendError("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" }).permanent, true);
  assert.equal(toSendError("sendMessage", { error_code: 502, description: "Bad Gateway" }).permanent, false);
  const network = Object.assign(new Error("Network request for 'sendMessage' failed!"), { error: new Error("request to http://x/bot1:SECRET/sendMessage failed") });
  const mapped = toSendError("sendMessage", network, "1:SECRET");
  assert.equal(mapped.permanent, false);
  assert.ok(!mapped.message.includes("SECRET"), mapped.message);
});
