import { test } from "node:test";
import assert from "node:assert/strict";
import { startTelegramBotApi, type TelegramBotApi } from "../../../test/stand-ins/telegram-bot-api.js";
import type { InboundMessage } from "../types.js";
import { createServer, type AddressInfo } from "node:net";
import { adapter } from "./index.js";
import { accountFrom, fakeContext, waitUntil, type FakeContext } from "./test-context.js";

const SECRET = "hook_secret-123";
const ALICE = { id: 42, is_bot: false, first_name: "Alice" };
const dmUpdate = (updateId: number, text: string) => ({ update_id: updateId, message: { message_id: updateId, date: 1_700_000_000, chat: { id: 42, type: "private" }, from: ALICE, text } });

type Hooked = { api: TelegramBotApi; fake: FakeContext; url: string };

async function webhookConnection(fn: (h: Hooked) => Promise<void>, receive?: (m: InboundMessage) => Promise<void>): Promise<void> {
  const api = await startTelegramBotApi();
  const account = accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, webhookUrl: "https://bot.example.org/telegram-webhook", webhookSecret: SECRET, webhookPort: 0 });
  const fake = fakeContext(account, receive ? { receive } : {});
  const conn = await adapter.connect(fake.ctx);
  const url = `http://127.0.0.1:${fake.status.webhookPort}/telegram-webhook`;
  try {
    await fn({ api, fake, url });
  } finally {
    await conn.close();
    await api.close();
  }
  await assert.rejects(fetch(url, { method: "POST" }), "closing the connection closes the listener");
}

const post = (url: string, body: string, secret?: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) }, body });

test("webhook mode registers the webhook with its secret and never polls", () =>
  webhookConnection(async ({ api, fake }) => {
    const set = api.callsOf("setWebhook")[0];
    assert.equal(set.params.url, "https://bot.example.org/telegram-webhook");
    assert.equal(set.params.secret_token, SECRET);
    assert.deepEqual(set.params.allowed_updates, ["message"]);
    assert.equal(fake.status.mode, "webhook");
    assert.equal(fake.status.webhookPath, "/telegram-webhook");
    assert.equal(api.callsOf("getUpdates").length, 0);
    assert.equal(api.callsOf("deleteWebhook").length, 0);
  }));

test("a wrong or missing secret gets 401 and nothing is received", () =>
  webhookConnection(async ({ fake, url }) => {
    assert.equal((await post(url, JSON.stringify(dmUpdate(1, "x")), "wrong")).status, 401);
    assert.equal((await post(url, JSON.stringify(dmUpdate(2, "x")))).status, 401);
    assert.equal((await post(url, JSON.stringify(dmUpdate(3, "x")), SECRET.slice(0, -1))).status, 401);
    assert.equal(fake.received.length, 0);
  }));

test("the right secret: the update is received before the 200, which carries the durable header", () => {
  let answeredBeforeReceive = false;
  let responded = false;
  return webhookConnection(
    async ({ fake, url }) => {
      const res = await post(url, JSON.stringify(dmUpdate(10, "hello")), SECRET);
      responded = true;
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-openclaw-delivery-accepted"), "durable");
      assert.equal(answeredBeforeReceive, false);
      assert.equal(fake.received.length, 1);
      assert.equal(fake.received[0].text, "hello");
      assert.equal(fake.received[0].conversationId, "42");
    },
    async () => {
      await new Promise((r) => setTimeout(r, 50));
      answeredBeforeReceive = responded;
    },
  );
});

test("a receive that fails answers 500, so Telegram delivers the update again", () => {
  let failures = 1;
  return webhookConnection(
    async ({ fake, url }) => {
      assert.equal((await post(url, JSON.stringify(dmUpdate(20, "retry me")), SECRET)).status, 500);
      assert.equal(fake.received.length, 0);
      assert.equal((await post(url, JSON.stringify(dmUpdate(20, "retry me")), SECRET)).status, 200);
      assert.equal(fake.received.length, 1);
    },
    async () => {
      if (failures-- > 0) throw new Error("disk full");
    },
  );
});

test("bad JSON is 400, a non-update 400, an oversized body 413, other paths 404; /healthz answers 200", () =>
  webhookConnection(async ({ fake, url }) => {
    assert.equal((await post(url, "{not json", SECRET)).status, 400);
    assert.equal((await post(url, JSON.stringify({ hello: 1 }), SECRET)).status, 400);
    assert.equal((await post(url, JSON.stringify({ update_id: 1, message: { pad: "x".repeat(1024 * 1024) } }), SECRET)).status, 413);
    assert.equal((await fetch(url.replace("/telegram-webhook", "/elsewhere"), { method: "POST" })).status, 404);
    assert.equal((await fetch(url)).status, 405);
    assert.equal((await fetch(url.replace("/telegram-webhook", "/healthz"))).status, 200);
    const ignored = await post(url, JSON.stringify({ update_id: 5, edited_message: dmUpdate(5, "x").message }), SECRET);
    assert.equal(ignored.status, 200);
    assert.equal(ignored.headers.get("x-openclaw-delivery-accepted"), null);
    assert.equal(fake.received.length, 0);
  }));

test("end to end: the stand-in posts injected messages to the registered webhook, which takes them durably", async () => {
  const port = await freePort();
  const api = await startTelegramBotApi();
  const account = accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, webhookUrl: `http://127.0.0.1:${port}/telegram-webhook`, webhookSecret: SECRET, webhookPort: port });
  const fake = fakeContext(account);
  const conn = await adapter.connect(fake.ctx);
  try {
    api.injectMessage({ chat: { id: 42, type: "private" }, from: ALICE, text: "via webhook" });
    await api.waitFor(() => api.webhookDeliveries.length === 1);
    assert.equal(api.webhookDeliveries[0].status, 200);
    assert.equal(api.webhookDeliveries[0].headers["x-openclaw-delivery-accepted"], "durable");
    assert.equal(api.pending().length, 0);
    assert.deepEqual(fake.received.map((m) => m.text), ["via webhook"]);
  } finally {
    await conn.close();
    await api.close();
  }
});

test("the webhook checks itself with getWebhookInfo, and ends when another process replaced the webhook", async () => {
  const api = await startTelegramBotApi();
  const account = accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, webhookUrl: "https://bot.example.org/hook", webhookSecret: SECRET, webhookPort: 0 });
  const fake = fakeContext(account);
  const conn = await adapter.connect(fake.ctx);
  try {
    await api.waitFor(() => api.callsOf("getWebhookInfo").length >= 1, 3000);
    await waitUntil(() => fake.activity() >= 2);
    await fetch(`${api.apiRoot}/bot${api.token}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://elsewhere.example.org/" }) });
    const end = await conn.closed;
    assert.match(end.error ?? "", /^409 Conflict: the webhook of this bot token was replaced/);
    assert.equal(end.retryAfterMs, 30_000);
    const listening = fake.status.webhookPort as number;
    await assert.rejects(fetch(`http://127.0.0.1:${listening}/healthz`), "the listener closed with the connection");
  } finally {
    await conn.close();
    await api.close();
  }
});

test("two webhook accounts cannot share a port; the failed one leaves the token free", async () => {
  const api = await startTelegramBotApi();
  const blocker = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as AddressInfo).port)));
  try {
    const account = accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, webhookUrl: "https://bot.example.org/hook", webhookSecret: SECRET, webhookPort: port });
    await assert.rejects(adapter.connect(fakeContext(account).ctx), /webhook listener failed: .*EADDRINUSE/);
    const polling = await adapter.connect(fakeContext(accountFrom({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1 })).ctx);
    await polling.close();
  } finally {
    blocker.close();
    await api.close();
  }
});

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}
