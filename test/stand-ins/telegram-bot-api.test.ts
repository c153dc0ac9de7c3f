import { test } from "node:test";
import assert from "node:assert/strict";
import { startTelegramBotApi, type TelegramBotApi } from "./telegram-bot-api.js";

type Answer = { status: number; body: { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: { retry_after?: number } } };

async function callJson(api: TelegramBotApi, method: string, params: Record<string, unknown> = {}, token = api.token): Promise<Answer> {
  const res = await fetch(`${api.apiRoot}/bot${token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

async function withApi(fn: (api: TelegramBotApi) => Promise<void>): Promise<void> {
  const api = await startTelegramBotApi({ bot: { id: 777, username: "stand_in_bot" } });
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

const ALICE = { id: 42, first_name: "Alice" };

test("getMe answers the bot; a wrong token is 401 Unauthorized; an unknown method 404", () =>
  withApi(async (api) => {
    const me = await callJson(api, "getMe");
    assert.equal(me.status, 200);
    assert.equal(me.body.ok, true);
    assert.equal(me.body.result.id, 777);
    assert.equal(me.body.result.is_bot, true);
    assert.equal(me.body.result.username, "stand_in_bot");
    assert.deepEqual(await callJson(api, "getMe", {}, "1:bad"), { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } });
    assert.equal((await callJson(api, "noSuchMethod")).body.error_code, 404);
  }));

test("getUpdates long-polls: it waits for an injected message, and an offset confirms what came before", () =>
  withApi(async (api) => {
    const waiting = callJson(api, "getUpdates", { timeout: 5 });
    await new Promise((r) => setTimeout(r, 100));
    const update = api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "hi" });
    const first = await waiting;
    assert.deepEqual(first.body.result.map((u: { update_id: number }) => u.update_id), [update.update_id]);
    assert.equal(first.body.result[0].message.chat.type, "private");
    assert.equal((await callJson(api, "getUpdates", { timeout: 0 })).body.result.length, 1, "not confirmed yet");
    const started = Date.now();
    const empty = await callJson(api, "getUpdates", { offset: update.update_id + 1, timeout: 1 });
    assert.deepEqual(empty.body.result, []);
    assert.ok(Date.now() - started >= 900, "an empty long poll lasts its timeout");
    assert.equal(api.pending().length, 0, "the offset confirmed the update");
  }));

test("getUpdates honours limit and allowed_updates, and takes form and query parameters", () =>
  withApi(async (api) => {
    for (let i = 0; i < 3; i++) api.injectMessage({ chat: { id: 42 }, from: ALICE, text: `m${i}` });
    api.injectUpdate({ edited_message: { message_id: 1, date: 1, chat: { id: 42, type: "private" }, text: "edit" } });
    const form = await fetch(`${api.apiRoot}/bot${api.token}/getUpdates`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "limit=2&allowed_updates=%5B%22message%22%5D" });
    const limited = (await form.json()) as Answer["body"];
    assert.equal(limited.result.length, 2);
    const query = await fetch(`${api.apiRoot}/bot${api.token}/getUpdates?offset=${limited.result[1].update_id + 1}`);
    const rest = (await query.json()) as Answer["body"];
    assert.deepEqual(rest.result.map((u: { message?: { text: string } }) => u.message?.text), ["m2"], "the edit was filtered out by allowed_updates");
  }));

test("a second getUpdates terminates the waiting one with 409; simulateOtherPoller answers 409 until cleared", () =>
  withApi(async (api) => {
    const first = callJson(api, "getUpdates", { timeout: 5 });
    await new Promise((r) => setTimeout(r, 50));
    const second = callJson(api, "getUpdates", { timeout: 1 });
    const terminated = await first;
    assert.equal(terminated.status, 409);
    assert.match(terminated.body.description ?? "", /^Conflict: terminated by other getUpdates request/);
    await second;
    const clear = api.simulateOtherPoller();
    assert.equal((await callJson(api, "getUpdates")).body.error_code, 409);
    clear();
    assert.equal((await callJson(api, "getUpdates")).body.ok, true);
  }));

test("with a webhook set, getUpdates is a 409 and injected updates are POSTed with the secret", () =>
  withApi(async (api) => {
    const { createServer } = await import("node:http");
    const seen: Array<{ secret: unknown; body: string }> = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ secret: req.headers["x-telegram-bot-api-secret-token"], body });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/h`;
      assert.equal((await callJson(api, "setWebhook", { url, secret_token: "abc" })).body.result, true);
      assert.equal((await callJson(api, "getWebhookInfo")).body.result.url, url);
      assert.match((await callJson(api, "getUpdates")).body.description ?? "", /webhook is active/);
      api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "pushed" });
      await api.waitFor(() => seen.length === 1);
      assert.equal(seen[0].secret, "abc");
      assert.equal(JSON.parse(seen[0].body).message.text, "pushed");
      assert.equal((await callJson(api, "deleteWebhook")).body.result, true);
      assert.equal((await callJson(api, "getWebhookInfo")).body.result.url, "");
    } finally {
      hook.close();
    }
  }));

test("sendMessage, editMessageText, deleteMessage and the documented refusals", () =>
  withApi(async (api) => {
    api.injectMessage({ chat: { id: -100, type: "supergroup", title: "G", is_forum: true }, from: ALICE, text: "x" });
    const sent = await callJson(api, "sendMessage", { chat_id: -100, text: "hello", message_thread_id: 5, reply_parameters: { message_id: 1 } });
    assert.equal(sent.body.ok, true);
    assert.equal(sent.body.result.text, "hello");
    assert.equal(sent.body.result.message_thread_id, 5);
    assert.equal(sent.body.result.from.id, 777);
    assert.equal(sent.body.result.reply_to_message.message_id, 1);
    const id = sent.body.result.message_id;
    assert.equal(api.sent.get("-100")?.[0].text, "hello");
    assert.equal((await callJson(api, "editMessageText", { chat_id: -100, message_id: id, text: "edited" })).body.result.text, "edited");
    assert.match((await callJson(api, "editMessageText", { chat_id: -100, message_id: id, text: "edited" })).body.description ?? "", /^Bad Request: message is not modified/);
    assert.deepEqual(api.sent.get("-100")?.[0].edits, ["edited"]);
    assert.equal((await callJson(api, "sendChatAction", { chat_id: -100, action: "typing" })).body.result, true);
    assert.equal((await callJson(api, "setMessageReaction", { chat_id: -100, message_id: id, reaction: [{ type: "emoji", emoji: "👍" }] })).body.result, true);
    assert.equal((await callJson(api, "deleteMessage", { chat_id: -100, message_id: id })).body.result, true);
    assert.equal((await callJson(api, "sendMessage", { chat_id: 31337, text: "x" })).body.result.chat.type, "private", "any numeric chat exists");
    api.markChatMissing(31338);
    assert.deepEqual((await callJson(api, "sendMessage", { chat_id: 31338, text: "x" })).body, { ok: false, error_code: 400, description: "Bad Request: chat not found" });
    api.blockBot(31339);
    assert.deepEqual((await callJson(api, "sendMessage", { chat_id: 31339, text: "x" })).body, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    assert.equal((await callJson(api, "sendMessage", { chat_id: "nobody", text: "x" })).body.description, "Bad Request: chat not found");
    assert.equal((await callJson(api, "sendMessage", { chat_id: -100, text: "x".repeat(4097) })).body.description, "Bad Request: message is too long");
    assert.equal((await callJson(api, "sendMessage", { chat_id: -100, text: "" })).body.description, "Bad Request: message text is empty");
  }));

test("failNext answers the documented error shape, then the method works again", () =>
  withApi(async (api) => {
    api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "x" });
    api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 5", parameters: { retry_after: 5 } });
    const limited = await callJson(api, "sendMessage", { chat_id: 42, text: "a" });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { ok: false, error_code: 429, description: "Too Many Requests: retry after 5", parameters: { retry_after: 5 } });
    assert.equal((await callJson(api, "sendMessage", { chat_id: 42, text: "a" })).body.ok, true);
    assert.deepEqual(api.calls.map((c) => c.method), ["sendMessage", "sendMessage"]);
  }));

test("setMyCommands / getMyCommands / deleteMyCommands keep the menu; invalid commands are refused", () =>
  withApi(async (api) => {
    const menu = [{ command: "new", description: "New chat" }];
    assert.equal((await callJson(api, "setMyCommands", { commands: menu })).body.result, true);
    assert.deepEqual((await callJson(api, "getMyCommands")).body.result, menu);
    assert.equal((await callJson(api, "setMyCommands", { commands: [{ command: "Bad Name", description: "x" }] })).body.error_code, 400);
    assert.equal((await callJson(api, "deleteMyCommands")).body.result, true);
    assert.deepEqual((await callJson(api, "getMyCommands")).body.result, []);
  }));

test("holdSends keeps send calls waiting until released", () =>
  withApi(async (api) => {
    api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "x" });
    const release = api.holdSends();
    let done = false;
    const pending = callJson(api, "sendMessage", { chat_id: 42, text: "held" }).then((a) => ((done = true), a));
    await api.waitFor(() => api.callsOf("sendMessage").length === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false);
    assert.equal(api.sent.get("42"), undefined);
    release();
    assert.equal((await pending).body.ok, true);
  }));
