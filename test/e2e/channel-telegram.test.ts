/**
 * Telegram end to end against the Bot API stand-in (loopback, grammY's apiRoot): pairing, DMs,
 * group mention gating and topics, chunking at 4000 characters, 429 retry_after honoured by the
 * delivery queue, a 409 from another poller reported in status, webhook mode with a wrong
 * secret refused, and a changed config restarting only that channel.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { readConfigSnapshot } from "../../src/config/snapshot.js";
import { startTelegramBotApi, type TelegramBotApi, type TgUser } from "../stand-ins/telegram-bot-api.js";
import { client, providerFor, tag } from "./agent-harness.js";
import { getFreePort, waitUntil } from "./process-harness.js";
import { startTestGateway, until, useGatewayCleanup, sleep, type TestClient, type TestGateway } from "./harness.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";

useGatewayCleanup();

const ADMIN = ["operator.admin", "operator.read", "operator.write", "operator.pairing"];
const alice: TgUser = { id: 1001, first_name: "Alice", username: "alice" };
const bob: TgUser = { id: 1002, first_name: "Bob" };
const GROUP = { id: -100500, type: "supergroup" as const, title: "Friends" };

let standIn: ProviderStandIn;
let api: TelegramBotApi;
let gw: TestGateway;
let op: TestClient;
const extraApis: TelegramBotApi[] = [];

function telegramConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, groups: { [String(GROUP.id)]: { requireMention: true } }, ...extra };
}

async function gatewayWith(telegram: Record<string, unknown>, otherChannels: Record<string, unknown> = {}): Promise<TestGateway> {
  return startTestGateway({
    extraConfig: { agents: { defaults: { model: { primary: "mock/echo" } } }, models: { providers: { mock: providerFor(standIn) } }, channels: { telegram, ...otherChannels } },
  });
}

async function telegramStatus(c: TestClient): Promise<Record<string, any>> {
  const res = await c.request("channels.status", { channel: "telegram" });
  return res.payload.channelAccounts.telegram[0];
}

const sentTo = (chatId: number) => api.sent.get(String(chatId)) ?? [];
const modelCalls = (needle: string) => standIn.requests.filter((r) => r.method === "POST" && JSON.stringify(r.body ?? "").includes(needle)).length;

before(async () => {
  standIn = await startProviderStandIn();
  api = await startTelegramBotApi();
  gw = await gatewayWith(telegramConfig());
  await until(() => api.callsOf("getUpdates").length > 0, 10_000, "polling to start");
});

// Clients are closed after each test (useGatewayCleanup).
beforeEach(async () => {
  op = await client(gw.url, ADMIN);
});

after(async () => {
  await api?.close();
  await standIn?.close();
  await Promise.all(extraApis.map((a) => a.close()));
});

test("an unknown DM gets one pairing code and no model call; after approval the DM is answered", async () => {
  const word = tag("hi");
  api.injectMessage({ chat: { id: alice.id, type: "private" }, from: alice, text: `${word} who are you` });
  await until(() => sentTo(alice.id).some((m) => /Pairing code: [A-Z2-9]{8}/.test(m.text)), 10_000, "the pairing code");
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(sentTo(alice.id).at(-1)!.text)![1];
  assert.equal(modelCalls(word), 0);
  api.injectMessage({ chat: { id: alice.id, type: "private" }, from: alice, text: `${word} again` });
  await sleep(700);
  assert.equal(sentTo(alice.id).filter((m) => m.text.includes("Pairing code")).length, 1, "one code per request");

  const list = await op.request("channels.pairing.list", { channel: "telegram" });
  assert.equal(list.payload.requests[0].requestId, code);
  assert.equal(list.payload.requests[0].senderId, String(alice.id));
  const approved = await op.request("channels.pairing.approve", { channel: "telegram", accountId: "default", requestId: code, notify: true });
  assert.equal(approved.ok, true, JSON.stringify(approved.error));
  assert.equal(approved.payload.notification, "sent");

  const ask = tag("q");
  api.injectMessage({ chat: { id: alice.id, type: "private" }, from: alice, text: `${ask} tell me` });
  await until(() => sentTo(alice.id).some((m) => m.text.includes(`echo: ${ask} tell me`)), 10_000, "the agent's reply").catch((err) => {
    throw new Error(`${err.message}; sent: ${JSON.stringify(sentTo(alice.id).map((m) => m.text))}`);
  });
  assert.ok(api.callsOf("sendChatAction").some((c) => String(c.params.chat_id) === String(alice.id)), "typing was shown");
  assert.equal(modelCalls(ask), 1);
});

test("a group message without a mention lands in history only; with @bot it is answered in the group and topic", async () => {
  const chatter = tag("chat");
  api.injectMessage({ chat: GROUP, from: bob, text: `${chatter} lunch?` });
  await sleep(800);
  assert.equal(modelCalls(chatter), 0, "no run without a mention");
  const history = await op.request("chat.history", { sessionKey: `agent:main:telegram:group:${GROUP.id}` });
  assert.ok(JSON.stringify(history.payload.messages).includes(chatter));

  const asked = tag("m");
  const mention = `@${api.bot.username}`;
  api.injectMessage({ chat: GROUP, from: bob, text: `${mention} ${asked} ping`, entities: [{ type: "mention", offset: 0, length: mention.length }] });
  await until(() => sentTo(GROUP.id).some((m) => m.text.includes(`${asked} ping`)), 10_000, "the group reply");

  const topic = tag("topic");
  api.injectMessage({ chat: { ...GROUP, is_forum: true }, from: bob, text: `${mention} ${topic}`, entities: [{ type: "mention", offset: 0, length: mention.length }], message_thread_id: 42 });
  await until(() => sentTo(GROUP.id).some((m) => m.text.includes(topic)), 10_000, "the topic reply");
  const reply = sentTo(GROUP.id).find((m) => m.text.includes(topic))!;
  assert.equal(reply.message_thread_id, 42, "the reply stays in the topic");
  const sessions = await op.request("sessions.list", {});
  assert.ok(JSON.stringify(sessions.payload).includes(`agent:main:telegram:group:${GROUP.id}:topic:42`), "the topic has its own session");
});

/** A gateway of its own with a bot of its own (one poller per token per process). */
async function isolated(telegram: Record<string, unknown>, otherChannels: Record<string, unknown> = {}): Promise<{ api: TelegramBotApi; gw: TestGateway; op: TestClient; sent(chatId: number): Array<{ text: string; [k: string]: unknown }> }> {
  const ownApi = await startTelegramBotApi({ token: `${Math.floor(Math.random() * 1e9)}:TEST${tag("tok")}` });
  extraApis.push(ownApi);
  const ownGw = await gatewayWith({ botToken: ownApi.token, apiRoot: ownApi.apiRoot, pollTimeoutSeconds: 1, ...telegram }, otherChannels);
  const ownOp = await client(ownGw.url, ADMIN);
  return { api: ownApi, gw: ownGw, op: ownOp, sent: (chatId) => ownApi.sent.get(String(chatId)) ?? [] };
}

const carol: TgUser = { id: 2001, first_name: "Carol" };
const dm = (user: TgUser) => ({ chat: { id: user.id, type: "private" as const }, from: user });

test("allowlist: a listed user is answered, another is dropped; a long reply is split at 4000 characters, never inside the fence", async () => {
  const t = await isolated({ dmPolicy: "allowlist", allowFrom: [`tg:${carol.id}`] });
  const stranger = tag("x");
  t.api.injectMessage({ ...dm(bob), text: `${stranger} hello` });
  const word = tag("long");
  t.api.injectMessage({ ...dm(carol), text: `${word} MARK:long` });
  await until(() => t.sent(carol.id).some((m) => m.text.includes("Paragraph 10.")), 15_000, "the long reply");
  const parts = t.sent(carol.id).map((m) => m.text);
  assert.ok(parts.length >= 2, `split into ${parts.length}`);
  for (const p of parts) assert.ok(p.length <= 4000, `chunk of ${p.length}`);
  for (const p of parts) assert.equal((p.match(/```/g) ?? []).length % 2, 0, "fences are balanced in every chunk");
  assert.equal(t.sent(bob.id).length, 0, "nothing is sent to a sender not on the allowlist");
  assert.equal(modelCalls(stranger), 0);
});

test("429 retry_after is honoured: the reply waits as long as asked and is sent exactly once", async () => {
  const t = await isolated({ dmPolicy: "open", allowFrom: ["*"] });
  t.api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 2", parameters: { retry_after: 2 } });
  const word = tag("rate");
  const injectedAt = Date.now();
  t.api.injectMessage({ ...dm(carol), text: `${word} hi` });
  await until(() => t.sent(carol.id).some((m) => m.text.includes(word)), 15_000, "the reply after the 429");
  const attempts = t.api.callsOf("sendMessage").filter((c) => String(c.params.text ?? "").includes(word));
  assert.equal(attempts.length, 2, "one refused attempt, one accepted");
  assert.ok(attempts[1].at - attempts[0].at >= 1900, `waited ${attempts[1].at - attempts[0].at} ms after retry_after: 2`);
  assert.equal(t.sent(carol.id).filter((m) => m.text.includes(word)).length, 1);
  assert.ok(Date.now() - injectedAt < 15_000);
});

test("a 409 from another poller is reported in status, without a tight retry loop, and clears once it stops", async () => {
  const t = await isolated({ dmPolicy: "open", allowFrom: ["*"] });
  await until(() => t.api.callsOf("getUpdates").length > 0, 10_000, "polling");
  const release = t.api.simulateOtherPoller();
  let status: Record<string, any> = {};
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    status = await telegramStatus(t.op);
    if (String(status.lastError ?? "").includes("409")) break;
    await sleep(100);
  }
  assert.match(String(status.lastError), /409/, JSON.stringify(status));
  assert.equal(status.connected, false);
  const polls = t.api.callsOf("getUpdates").length;
  await sleep(1500);
  assert.ok(t.api.callsOf("getUpdates").length - polls <= 2, "no tight loop while the conflict lasts");
  release();
  const recovered = await waitUntil(async () => {
    const now = await telegramStatus(t.op);
    return now.connected ? now : null;
  }, 40_000, "polling to resume after the conflict");
  assert.ok(recovered!.reconnectAttempts >= 1);
  assert.equal(recovered!.lastError, null);
});

test("webhook mode: a wrong secret gets 401 and nothing runs; the right one is accepted durably and answered", async () => {
  const port = await getFreePort();
  const secret = "s3cret_token";
  const t = await isolated({ dmPolicy: "open", allowFrom: ["*"], webhookUrl: `https://bot.example.test/telegram-webhook`, webhookSecret: secret, webhookPort: port });
  await until(() => t.api.webhook !== null, 10_000, "setWebhook");
  assert.equal(t.api.webhook?.secret_token, secret);
  const word = tag("hook");
  const update = { update_id: 99001, message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: carol.id, type: "private" }, from: carol, text: `${word} via webhook` } };
  const post = (token: string) =>
    fetch(`http://127.0.0.1:${port}/telegram-webhook`, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": token }, body: JSON.stringify(update) });
  const wrong = await post("wrong");
  assert.equal(wrong.status, 401);
  await sleep(500);
  assert.equal(modelCalls(word), 0, "a refused delivery runs nothing");
  const right = await post(secret);
  assert.equal(right.status, 200);
  assert.equal(right.headers.get("x-openclaw-delivery-accepted"), "durable");
  await until(() => t.sent(carol.id).some((m) => m.text.includes(word)), 10_000, "the webhook reply");
  const again = await post(secret);
  assert.equal(again.status, 200, "a redelivery is acknowledged");
  await sleep(500);
  assert.equal(modelCalls(word), 1, "and not processed twice");
});

test("a config change restarts only the channel that changed", async () => {
  const closedPort = await getFreePort();
  const t = await isolated({ dmPolicy: "open", allowFrom: ["*"] }, { irc: { host: "127.0.0.1", port: closedPort, nick: "unchanged" } });
  await until(() => t.api.callsOf("getMe").length === 1, 10_000, "start");
  const before = (await telegramStatus(t.op)).lastStartAt;
  const ircBefore = (await t.op.request("channels.status", { channel: "irc" })).payload.channelAccounts.irc[0];
  assert.ok(ircBefore.lastStartAt > 0);
  const config = JSON.parse(readFileSync(t.gw.configPath, "utf8"));
  config.channels.telegram.textChunkLimit = 3000;
  writeFileSync(t.gw.configPath, JSON.stringify(config));
  // The in-process test gateway has no file watcher: apply the new snapshot the way a reload does.
  t.gw.gw.applyConfig(readConfigSnapshot(t.gw.configPath), t.gw.gw.context.auth());
  await until(() => t.api.callsOf("getMe").length === 2, 10_000, "the telegram account to restart");
  const after = await telegramStatus(t.op);
  assert.ok(after.lastStartAt > before);
  const ircAfter = (await t.op.request("channels.status", { channel: "irc" })).payload.channelAccounts.irc[0];
  assert.equal(ircAfter.lastStartAt, ircBefore.lastStartAt, "the IRC account was not restarted");
});

test("streaming.mode partial: one message is sent and edited as the reply grows, ending with the whole reply", async () => {
  const t = await isolated({ dmPolicy: "open", allowFrom: ["*"], streaming: { mode: "partial" } });
  const word = tag("stream");
  t.api.injectMessage({ ...dm(carol), text: `${word} one two three four five six seven eight MARK:slow:250` });
  await until(() => t.sent(carol.id).some((m) => m.text === "echo: slow:250"), 20_000, "the final text");
  const messages = t.sent(carol.id);
  assert.equal(messages.length, 1, `one message in the chat: ${JSON.stringify(messages.map((m) => m.text))}`);
  assert.equal(t.api.callsOf("sendMessage").length, 1);
  assert.ok(t.api.callsOf("editMessageText").length >= 1, "the preview was edited");
  assert.ok((messages[0].edits as string[]).length >= 1);
});

test("dismissing a pairing request removes it without blocking the sender: the next DM gets a new code", async () => {
  const t = await isolated({});
  const erin: TgUser = { id: 4001, first_name: "Erin" };
  t.api.injectMessage({ ...dm(erin), text: "hi" });
  await until(() => t.sent(erin.id).some((m) => m.text.includes("Pairing code")), 10_000, "the first code");
  const first = (await t.op.request("channels.pairing.list", {})).payload.requests[0];
  const dismissed = await t.op.request("channels.pairing.dismiss", { channel: "telegram", accountId: "default", requestId: first.requestId });
  assert.equal(dismissed.payload.senderId, String(erin.id));
  assert.equal((await t.op.request("channels.pairing.list", {})).payload.requests.length, 0);
  const again = await t.op.request("channels.pairing.approve", { channel: "telegram", accountId: "default", requestId: first.requestId });
  assert.equal(again.ok, false, "a dismissed code cannot be approved");
  t.api.injectMessage({ ...dm(erin), text: "hello?" });
  await until(() => t.sent(erin.id).filter((m) => m.text.includes("Pairing code")).length === 2, 10_000, "a new code");
  const second = (await t.op.request("channels.pairing.list", {})).payload.requests[0];
  assert.notEqual(second.requestId, first.requestId);
});

test("chatter during an active run is kept after the run's reply, never inside the run", async () => {
  const t = await isolated({ groups: { [String(GROUP.id)]: { requireMention: true } } });
  const mention = `@${t.api.bot.username}`;
  const asked = tag("slow");
  t.api.injectMessage({ chat: GROUP, from: bob, text: `${mention} ${asked} MARK:slow:300`, entities: [{ type: "mention", offset: 0, length: mention.length }] });
  await until(() => modelCalls(asked) === 1, 10_000, "the run to start");
  const chatter = tag("during");
  t.api.injectMessage({ chat: GROUP, from: alice, text: `${chatter} side talk` });
  await until(() => t.sent(GROUP.id).some((m) => m.text.includes("slow:300")), 15_000, "the reply");
  const texts = (await waitUntil(async () => {
    const h = await t.op.request("chat.history", { sessionKey: `agent:main:telegram:group:${GROUP.id}` });
    const all = (h.payload.messages as Array<{ role: string; content: unknown }>).map((m) => `${m.role}:${JSON.stringify(m.content)}`);
    return all.some((x) => x.includes(chatter)) ? all : null;
  }, 10_000, "the chatter in the session"))!;
  const at = (needle: string) => texts.findIndex((x) => x.includes(needle));
  assert.ok(at(asked) < at("echo: slow:300"), texts.join("\n"));
  assert.ok(at("echo: slow:300") < at(chatter), "the side talk comes after the reply it did not interrupt");
});
