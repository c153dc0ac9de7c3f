import { test } from "node:test";
import assert from "node:assert/strict";
import { startTelegramBotApi, type TelegramBotApi } from "../../../test/stand-ins/telegram-bot-api.js";
import type { ChannelConnection } from "../types.js";
import { adapter } from "./index.js";
import { accountFrom, fakeContext, waitUntil } from "./test-context.js";

const ALICE = { id: 42, first_name: "Alice", username: "alice" };
const GROUP = { id: -100777, type: "supergroup" as const, title: "Crew" };

async function withApi(fn: (api: TelegramBotApi) => Promise<void>): Promise<void> {
  const api = await startTelegramBotApi({ bot: { username: "claw_bot" } });
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

const settingsFor = (api: TelegramBotApi, extra: Record<string, unknown> = {}) => ({ botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, ...extra });

test("polling: getMe, deleteWebhook, then a DM and a group mention are received in order", () =>
  withApi(async (api) => {
    const fake = fakeContext(accountFrom(settingsFor(api)));
    const conn = await adapter.connect(fake.ctx);
    try {
      assert.deepEqual(api.calls.slice(0, 2).map((c) => c.method), ["getMe", "deleteWebhook"]);
      assert.equal(fake.status.botUsername, "claw_bot");
      assert.equal(conn.selfId?.(), "claw_bot");
      api.injectMessage({ chat: { id: 42, type: "private" }, from: ALICE, text: "hello" });
      api.injectMessage({ chat: GROUP, from: ALICE, text: "@claw_bot ping", entities: [{ type: "mention", offset: 0, length: 9 }] });
      await waitUntil(() => fake.received.length === 2);
      const [dm, group] = fake.received;
      assert.equal(dm.chatType, "direct");
      assert.equal(dm.conversationId, "42");
      assert.equal(dm.text, "hello");
      assert.equal(group.chatType, "group");
      assert.equal(group.conversationId, "-100777");
      assert.equal(group.mentionedBot, true);
      assert.equal(group.conversationLabel, "Crew");
      assert.ok(fake.activity() >= 2, "completed polls feed the silence watchdog");
      const poll = api.callsOf("getUpdates").at(-1);
      assert.equal(poll?.params.timeout, 1);
      assert.deepEqual(poll?.params.allowed_updates, ["message"]);
    } finally {
      await conn.close();
    }
    assert.deepEqual(await conn.closed, {}, "a close() is a clean end");
  }));

test("the offset is stored only after receive resolved; a failing receive gets the update again", () =>
  withApi(async (api) => {
    let fail = true;
    let storedWhileReceiving: string | undefined;
    const state = new Map<string, string>();
    const fake = fakeContext(accountFrom(settingsFor(api)), {
      state,
      async receive() {
        storedWhileReceiving = state.get("offset");
        if (fail) {
          fail = false;
          throw new Error("database is locked");
        }
      },
    });
    const conn = await adapter.connect(fake.ctx);
    try {
      const update = api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "once" });
      await waitUntil(() => fake.received.length === 1);
      assert.equal(storedWhileReceiving, undefined, "not acknowledged while core was committing it");
      assert.equal(fake.received[0].text, "once");
      await waitUntil(() => state.get("offset") === String(update.update_id + 1));
      const polls = api.callsOf("getUpdates");
      assert.ok(polls.filter((c) => c.params.offset === undefined).length >= 2, "fetched again from the same place after the failure");
      await api.waitFor(() => api.pending().length === 0, 3000);
    } finally {
      await conn.close();
    }
  }));

test("a restart resumes from the stored offset: committed updates are not delivered twice", () =>
  withApi(async (api) => {
    const state = new Map<string, string>();
    const first = fakeContext(accountFrom(settingsFor(api)), { state });
    const conn1 = await adapter.connect(first.ctx);
    api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "one" });
    await waitUntil(() => first.received.length === 1);
    await conn1.close();
    api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "two" });
    const second = fakeContext(accountFrom(settingsFor(api)), { state });
    const conn2 = await adapter.connect(second.ctx);
    try {
      await waitUntil(() => second.received.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(second.received.map((m) => m.text), ["two"]);
    } finally {
      await conn2.close();
    }
  }));

test("one poller per token: a second account with the same token is refused, and may connect once the first closed", () =>
  withApi(async (api) => {
    const first = fakeContext(accountFrom(settingsFor(api)), { accountId: "work" });
    const conn = await adapter.connect(first.ctx);
    const second = fakeContext(accountFrom(settingsFor(api)), { accountId: "home" });
    const getMes = api.callsOf("getMe").length;
    await assert.rejects(adapter.connect(second.ctx), (err: Error & { fatal?: boolean }) => {
      assert.match(err.message, /another account in this gateway already polls this bot token/);
      assert.equal(err.fatal, true);
      return true;
    });
    assert.equal(api.callsOf("getMe").length, getMes, "refused before any call to Telegram");
    await conn.close();
    const again = await adapter.connect(second.ctx);
    await again.close();
  }));

test("a 409 from getUpdates ends the connection with the conflict and a 30 s backoff, without retrying", () =>
  withApi(async (api) => {
    const fake = fakeContext(accountFrom(settingsFor(api)));
    const conn = await adapter.connect(fake.ctx);
    await api.waitFor(() => api.callsOf("getUpdates").length >= 1);
    const clear = api.simulateOtherPoller();
    const end = await conn.closed;
    assert.match(end.error ?? "", /^409 Conflict: another process is polling this bot token \(/);
    assert.equal(end.retryAfterMs, 30_000);
    const polls = api.callsOf("getUpdates").length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(api.callsOf("getUpdates").length, polls, "no tight loop after the conflict");
    clear();
    const next = await adapter.connect(fakeContext(accountFrom(settingsFor(api))).ctx);
    await next.close();
  }));

test("a 429 from getUpdates waits retry_after and keeps polling", () =>
  withApi(async (api) => {
    const fake = fakeContext(accountFrom(settingsFor(api)));
    api.failNext("getUpdates", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
    const conn = await adapter.connect(fake.ctx);
    try {
      await api.waitFor(() => api.callsOf("getUpdates").length >= 1);
      const failedAt = api.callsOf("getUpdates")[0].at;
      api.injectMessage({ chat: { id: 42 }, from: ALICE, text: "after the wait" });
      await waitUntil(() => fake.received.length === 1, 4000);
      assert.ok(api.callsOf("getUpdates")[1].at - failedAt >= 950, "the next poll waited retry_after");
    } finally {
      await conn.close();
    }
  }));

test("close() aborts the in-flight long poll at once", () =>
  withApi(async (api) => {
    const fake = fakeContext(accountFrom(settingsFor(api, { pollTimeoutSeconds: 50 })));
    const conn = await adapter.connect(fake.ctx);
    await api.waitFor(() => api.callsOf("getUpdates").length >= 1);
    const started = Date.now();
    await conn.close();
    assert.ok(Date.now() - started < 1000, `closed in ${Date.now() - started} ms`);
  }));

test("aborting the account's signal ends the connection", () =>
  withApi(async (api) => {
    const fake = fakeContext(accountFrom(settingsFor(api)));
    const conn: ChannelConnection = await adapter.connect(fake.ctx);
    fake.stop();
    assert.deepEqual(await conn.closed, {});
  }));

test("a refused token fails the connection attempt as fatal; an unreachable API ends it with an error", async () => {
  const api = await startTelegramBotApi();
  try {
    const fake = fakeContext(accountFrom({ botToken: "1:wrong", apiRoot: api.apiRoot, pollTimeoutSeconds: 1 }));
    await assert.rejects(adapter.connect(fake.ctx), (err: Error & { fatal?: boolean }) => {
      assert.match(err.message, /refused the bot token/);
      assert.equal(err.fatal, true);
      return true;
    });
    const retry = await adapter.connect(fakeContext(accountFrom(settingsFor(api))).ctx);
    await retry.close();
  } finally {
    await api.close();
  }
  const offline = fakeContext(accountFrom({ botToken: "1:gone", apiRoot: api.apiRoot, pollTimeoutSeconds: 1 }));
  await assert.rejects(adapter.connect(offline.ctx), (err: Error & { fatal?: boolean }) => {
    assert.match(err.message, /getMe failed/);
    assert.ok(!err.message.includes("1:gone"), err.message);
    assert.equal(err.fatal, undefined);
    return true;
  });
});

test("a network failure while polling ends the connection with the error", async () => {
  const api = await startTelegramBotApi();
  const fake = fakeContext(accountFrom(settingsFor(api)));
  const conn = await adapter.connect(fake.ctx);
  await api.waitFor(() => api.callsOf("getUpdates").length >= 1);
  await api.close();
  const end = await conn.closed;
  assert.match(end.error ?? "", /getUpdates/);
  assert.ok(!(end.error ?? "").includes(api.token), end.error);
  assert.equal(end.fatal, undefined);
});
