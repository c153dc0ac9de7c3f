import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempStateStores } from "./test-helpers.js";
import { setTimeout as delay } from "node:timers/promises";
import { ChannelStore, stateDbPath, type NewOutbound } from "./channel-store.js";

const { tempStateDir, open: openStore } = tempStateStores("ocgw-chstore-", (dir) => ChannelStore.open(dir));

function reply(conversationId: string, text: string, extra: Partial<NewOutbound> = {}): NewOutbound {
  return { channel: "telegram", accountId: "default", conversationId, kind: "text", text, ...extra };
}

describe("ChannelStore: inbound", () => {
  it("acceptInbound stores the message and dedupes the same (channel, account, conversation, messageId)", async () => {
    const store = await openStore();
    const msg = { text: "hi", nested: { n: 1 } };
    const id = store.acceptInbound("telegram", "default", "chat1", "m1", msg);
    assert.equal(typeof id, "number");
    assert.equal(store.acceptInbound("telegram", "default", "chat1", "m1", { text: "redelivered" }), null);
    const row = store.inbound(id!);
    assert.equal(row?.status, "pending");
    assert.deepEqual(row?.message, msg, "the first copy is kept");
    assert.equal(row?.decision, null);
    assert.equal(store.pendingInbound().length, 1);
  });

  it("the same message id is distinct across accounts, conversations and channels", async () => {
    const store = await openStore();
    const ids = [
      store.acceptInbound("telegram", "default", "chat1", "m1", {}),
      store.acceptInbound("telegram", "work", "chat1", "m1", {}),
      store.acceptInbound("telegram", "default", "chat2", "m1", {}),
      store.acceptInbound("irc", "default", "chat1", "m1", {}),
    ];
    assert.ok(ids.every((x) => typeof x === "number"));
    assert.equal(new Set(ids).size, 4);
  });

  it("a done message still dedupes its redelivery (tombstone)", async () => {
    const store = await openStore();
    const id = store.acceptInbound("telegram", "default", "c", "m", {})!;
    store.finishInbound(id, "dispatch");
    assert.equal(store.acceptInbound("telegram", "default", "c", "m", {}), null);
  });

  it("recordDecision records the routing facts", async () => {
    const store = await openStore();
    const id = store.acceptInbound("telegram", "default", "c", "m", {})!;
    store.recordDecision(id, { decision: "dispatch", agentId: "main", sessionKey: "agent:main:main", runId: "r1", attempt: 1 });
    const row = store.inbound(id)!;
    assert.deepEqual([row.decision, row.agentId, row.sessionKey, row.runId, row.attempt, row.status], ["dispatch", "main", "agent:main:main", "r1", 1, "pending"]);
  });

  it("finishInbound queues the replies and marks the message done", async () => {
    const store = await openStore();
    const id = store.acceptInbound("telegram", "default", "c", "m", {})!;
    const ids = store.finishInbound(id, "dispatch", [reply("c", "one", { inboundId: id }), reply("c", "two", { inboundId: id })]);
    assert.equal(ids.length, 2);
    assert.equal(store.inbound(id)?.status, "done");
    assert.equal(store.inbound(id)?.decision, "dispatch");
    assert.deepEqual(ids.map((x) => store.outbound(x)?.text), ["one", "two"]);
    assert.equal(store.outbound(ids[0])?.inboundId, id);
    assert.deepEqual(store.pendingInbound(), []);
  });

  it("finishInbound with a null decision keeps the recorded one", async () => {
    const store = await openStore();
    const id = store.acceptInbound("telegram", "default", "c", "m", {})!;
    store.recordDecision(id, { decision: "dispatch" });
    store.finishInbound(id, null);
    assert.equal(store.inbound(id)?.decision, "dispatch");
  });

  it("finishInbound is one transaction: a failing reply leaves the message pending and nothing queued", async () => {
    const store = await openStore();
    const id = store.acceptInbound("telegram", "default", "c", "m", {})!;
    const bad = { ...reply("c", "x"), text: null } as unknown as NewOutbound;
    assert.throws(() => store.finishInbound(id, "dispatch", [reply("c", "good"), bad]));
    assert.equal(store.inbound(id)?.status, "pending");
    assert.equal(store.nextPending("telegram", "default", "c"), null, "the good reply was rolled back");
  });
});

describe("ChannelStore: outbound", () => {
  it("enqueue with the same idempotency key returns the same ids and adds nothing", async () => {
    const store = await openStore();
    const first = store.enqueue([reply("c", "a", { idempotencyKey: "k1" }), reply("c", "b", { idempotencyKey: "k2" })]);
    const again = store.enqueue([reply("c", "a-changed", { idempotencyKey: "k1" }), reply("c", "b", { idempotencyKey: "k2" })]);
    assert.deepEqual(again, first);
    assert.equal(store.pendingCount("telegram", "default"), 2);
    assert.equal(store.outbound(first[0])?.text, "a", "the original row is untouched");
    // rows without a key are never deduplicated
    const free = store.enqueue([reply("c", "x"), reply("c", "x")]);
    assert.equal(new Set(free).size, 2);
    assert.equal(store.pendingCount("telegram", "default"), 4);
  });

  it("a new row starts pending with no attempts and its fields stored", async () => {
    const store = await openStore();
    const [id] = store.enqueue([reply("c", "hello", { threadId: "7", replyToId: "99" })]);
    const row = store.outbound(id)!;
    assert.equal(row.status, "pending");
    assert.equal(row.attempts, 0);
    assert.equal(row.notBefore, 0);
    assert.equal(row.threadId, "7");
    assert.equal(row.replyToId, "99");
    assert.equal(row.editMessageId, null);
    assert.equal(row.idempotencyKey, null);
    assert.equal(row.sentAt, null);
  });

  it("nextPending returns rows in id order, per conversation", async () => {
    const store = await openStore();
    const [a1, b1, a2, b2] = store.enqueue([reply("A", "a1"), reply("B", "b1"), reply("A", "a2"), reply("B", "b2")]);
    store.enqueue([reply("A", "other account", { accountId: "work" })]);
    assert.equal(store.nextPending("telegram", "default", "A")?.id, a1);
    assert.equal(store.nextPending("telegram", "default", "B")?.id, b1);
    store.markSent(a1, "m-1");
    assert.equal(store.nextPending("telegram", "default", "A")?.id, a2);
    assert.equal(store.nextPending("telegram", "default", "B")?.id, b1, "another conversation is not affected");
    store.markFailed(a2, "nope");
    assert.equal(store.nextPending("telegram", "default", "A"), null);
    assert.equal(store.nextPending("telegram", "work", "A")?.text, "other account");
    store.markSent(b1, null);
    assert.equal(store.nextPending("telegram", "default", "B")?.id, b2);
    const lanes = store.pendingLanes().map((l) => `${l.channel}/${l.accountId}/${l.conversationId}`).sort();
    assert.deepEqual(lanes, ["telegram/default/B", "telegram/work/A"]);
  });

  it("markRetry, markSent and markFailed update status, attempts, errors and times", async () => {
    const store = await openStore();
    const [id, other] = store.enqueue([reply("c", "x"), reply("c", "y")]);
    const notBefore = Date.now() + 5000;
    store.markRetry(id, "429", notBefore);
    let row = store.outbound(id)!;
    assert.deepEqual([row.status, row.attempts, row.lastError, row.notBefore], ["pending", 1, "429", notBefore]);
    store.markRetry(id, "timeout", notBefore + 1);
    assert.equal(store.outbound(id)!.attempts, 2);
    const before = Date.now();
    store.markSent(id, "msg-7");
    row = store.outbound(id)!;
    assert.deepEqual([row.status, row.attempts, row.lastError, row.messageId], ["sent", 3, null, "msg-7"]);
    assert.ok(row.sentAt !== null && row.sentAt >= before);
    store.markFailed(other, "chat not found");
    row = store.outbound(other)!;
    assert.deepEqual([row.status, row.attempts, row.lastError], ["failed", 1, "chat not found"]);
    assert.ok(row.sentAt !== null && row.sentAt >= before);
    assert.equal(store.pendingCount("telegram", "default"), 0);
  });

  it("prune removes old done/sent/failed rows but keeps pending ones", async () => {
    const store = await openStore();
    const doneIn = store.acceptInbound("telegram", "default", "c", "m1", {})!;
    const pendingIn = store.acceptInbound("telegram", "default", "c", "m2", {})!;
    store.finishInbound(doneIn, "drop:x");
    const [sent, failed, pending] = store.enqueue([reply("c", "s"), reply("c", "f"), reply("c", "p")]);
    store.markSent(sent, null);
    store.markFailed(failed, "bad");
    store.prune(60_000);
    assert.ok(store.inbound(doneIn) && store.outbound(sent) && store.outbound(failed), "young rows survive");
    await delay(10);
    store.prune(1);
    assert.equal(store.inbound(doneIn), null);
    assert.equal(store.outbound(sent), null);
    assert.equal(store.outbound(failed), null);
    assert.equal(store.inbound(pendingIn)?.status, "pending");
    assert.equal(store.outbound(pending)?.status, "pending");
    // a pruned tombstone no longer dedupes (by design, after the retention period)
    assert.equal(typeof store.acceptInbound("telegram", "default", "c", "m1", {}), "number");
  });
});

describe("ChannelStore: state, file and durability", () => {
  it("state get/set per channel and account, overwriting", async () => {
    const store = await openStore();
    assert.equal(store.getState("telegram", "default", "offset"), null);
    store.setState("telegram", "default", "offset", "10");
    store.setState("telegram", "default", "offset", "11");
    store.setState("telegram", "work", "offset", "99");
    assert.equal(store.getState("telegram", "default", "offset"), "11");
    assert.equal(store.getState("telegram", "work", "offset"), "99");
    assert.equal(store.getState("irc", "default", "offset"), null);
  });

  it("the database file is mode 0600 under <stateDir>/state", { skip: process.platform === "win32" }, async () => {
    const dir = tempStateDir();
    const store = await openStore(dir);
    store.setState("x", "y", "k", "v");
    const path = stateDbPath(dir);
    assert.equal(path, join(dir, "state", "openclaw.sqlite"));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "state")).mode & 0o077, 0, "the directory is not group/world accessible");
  });

  it("reopening after close keeps everything", async () => {
    const dir = tempStateDir();
    const first = await ChannelStore.open(dir);
    const inId = first.acceptInbound("telegram", "default", "c", "m1", { text: "persisted" })!;
    const [outId] = first.enqueue([reply("c", "queued", { idempotencyKey: "k" })]);
    first.approveSender("telegram", "default", "42");
    first.savePairingRequest({
      channel: "telegram",
      accountId: "default",
      senderId: "43",
      senderLabel: "Bob",
      code: "ABCDEFGH",
      metadata: { a: "b" },
      createdAt: 1,
      lastSeenAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
    });
    first.setState("telegram", "default", "offset", "123");
    first.close();

    const second = await openStore(dir);
    assert.deepEqual(second.inbound(inId)?.message, { text: "persisted" });
    assert.equal(second.acceptInbound("telegram", "default", "c", "m1", {}), null, "dedupe survives a restart");
    assert.equal(second.outbound(outId)?.text, "queued");
    assert.deepEqual(second.enqueue([reply("c", "queued", { idempotencyKey: "k" })]), [outId]);
    assert.deepEqual(second.approvedSenders("telegram", "default"), ["42"]);
    assert.equal(second.pairingByCode("telegram", "ABCDEFGH", null)?.senderLabel, "Bob");
    assert.equal(second.getState("telegram", "default", "offset"), "123");
  });
});
