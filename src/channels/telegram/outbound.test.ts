import { test } from "node:test";
import assert from "node:assert/strict";
import { startTelegramBotApi, type TelegramBotApi } from "../../../test/stand-ins/telegram-bot-api.js";
import { ChannelSendError, type ChannelConnection } from "../types.js";
import { adapter } from "./index.js";
import { accountFrom, fakeContext } from "./test-context.js";

const ALICE = { id: 42, first_name: "Alice" };
const FORUM = { id: -100900, type: "supergroup" as const, title: "Forum", is_forum: true };

async function connected(fn: (api: TelegramBotApi, conn: ChannelConnection) => Promise<void>): Promise<void> {
  const api = await startTelegramBotApi();
  const conn = await adapter.connect(fakeContext(accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1 })).ctx);
  try {
    api.injectMessage({ chat: { id: 42, type: "private" }, from: ALICE, text: "hi" });
    api.injectMessage({ chat: FORUM, from: ALICE, text: "hi" });
    await fn(api, conn);
  } finally {
    await conn.close();
    await api.close();
  }
}

test("sendText sends plain text, with a native reply and the topic, and returns the message id", () =>
  connected(async (api, conn) => {
    const text = "<b>not html</b> & *not markdown*";
    const { messageId } = await conn.sendText({ conversationId: "42" }, text, { replyToId: "1" });
    const call = api.callsOf("sendMessage")[0];
    assert.equal(call.params.text, text);
    assert.equal(call.params.parse_mode, undefined);
    assert.deepEqual(call.params.reply_parameters, { message_id: 1, allow_sending_without_reply: true });
    assert.equal(messageId, String(api.sent.get("42")?.[0].message_id));
    await conn.sendText({ conversationId: "-100900", threadId: "42" }, "in topic");
    assert.equal(api.callsOf("sendMessage")[1].params.message_thread_id, 42);
  }));

test("the General topic (1) is omitted on sends but kept on typing", () =>
  connected(async (api, conn) => {
    await conn.sendText({ conversationId: "-100900", threadId: "1" }, "general");
    assert.equal(api.callsOf("sendMessage")[0].params.message_thread_id, undefined);
    await conn.sendTyping?.({ conversationId: "-100900", threadId: "1" });
    const typing = api.callsOf("sendChatAction")[0];
    assert.equal(typing.params.action, "typing");
    assert.equal(typing.params.message_thread_id, 1);
  }));

test("a 429 becomes a ChannelSendError with retryAfterMs from retry_after", () =>
  connected(async (api, conn) => {
    api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } });
    await assert.rejects(conn.sendText({ conversationId: "42" }, "x"), (err: unknown) => {
      assert.ok(err instanceof ChannelSendError);
      assert.equal(err.retryAfterMs, 3000);
      assert.equal(err.permanent, false);
      return true;
    });
  }));

test("chat not found and a blocked bot are permanent; a 5xx is retryable", () =>
  connected(async (api, conn) => {
    api.markChatMissing(777);
    await assert.rejects(conn.sendText({ conversationId: "777" }, "x"), (err: ChannelSendError) => err.permanent && /chat not found/.test(err.message));
    api.blockBot(42);
    await assert.rejects(conn.sendText({ conversationId: "42" }, "x"), (err: ChannelSendError) => err.permanent === true && /blocked/.test(err.message));
    api.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" });
    await assert.rejects(conn.sendText({ conversationId: "42" }, "x"), (err: ChannelSendError) => err.permanent === false && err.retryAfterMs === undefined);
  }));

test("editText edits; an unchanged text counts as done", () =>
  connected(async (api, conn) => {
    const { messageId } = await conn.sendText({ conversationId: "42" }, "draft");
    await conn.editText?.({ conversationId: "42" }, messageId!, "final");
    await conn.editText?.({ conversationId: "42" }, messageId!, "final");
    assert.equal(api.sent.get("42")?.[0].text, "final");
    assert.equal(api.callsOf("editMessageText").length, 2);
    await assert.rejects(conn.editText!({ conversationId: "42" }, "9999", "x"), (err: ChannelSendError) => err.permanent === true);
  }));

test("a burst of sends against a stalled API crashes nothing: each send settles, sent or with a ChannelSendError", () =>
  connected(async (api, conn) => {
    const release = api.holdSends();
    const sends = Array.from({ length: 30 }, (_, i) => conn.sendText({ conversationId: "42" }, `m${i}`));
    await api.waitFor(() => api.callsOf("sendMessage").length === 30);
    api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 2", parameters: { retry_after: 2 } }, 10);
    release();
    const results = await Promise.allSettled(sends);
    const limited = results.filter((r) => r.status === "rejected" && r.reason instanceof ChannelSendError && r.reason.retryAfterMs === 2000);
    assert.equal(limited.length, 10);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 20);
  }));
