import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "../infra/logger.js";
import { ChannelStore, type NewOutbound, type OutboundRow } from "../store/channel-store.js";
import { DeliveryQueue } from "./delivery.js";
import { ChannelSendError, type ChannelConnection, type OutboundTarget } from "./types.js";

const quiet: Logger = { subsystem: "test", enabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const dirs: string[] = [];
const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Call = { conversationId: string; threadId?: string; text: string; replyToId?: string; at: number };

/** A connection whose sendText behaviour is scripted per call. */
class FakeConnection implements ChannelConnection {
  readonly calls: Call[] = [];
  readonly edits: Array<{ messageId: string; text: string }> = [];
  inFlight = new Map<string, number>();
  maxInFlight = new Map<string, number>();
  closed = new Promise<never>(() => {});
  private n = 0;
  constructor(private readonly behave: (call: Call) => Promise<{ messageId?: string }> | { messageId?: string } = () => ({})) {}

  async close(): Promise<void> {}

  async sendText(target: OutboundTarget, text: string, opts?: { replyToId?: string }): Promise<{ messageId?: string }> {
    const call: Call = { conversationId: target.conversationId, text, at: Date.now(), ...(target.threadId ? { threadId: target.threadId } : {}), ...(opts?.replyToId ? { replyToId: opts.replyToId } : {}) };
    this.calls.push(call);
    const c = target.conversationId;
    this.inFlight.set(c, (this.inFlight.get(c) ?? 0) + 1);
    this.maxInFlight.set(c, Math.max(this.maxInFlight.get(c) ?? 0, this.inFlight.get(c)!));
    try {
      const result = await this.behave(call);
      return { messageId: `sent-${++this.n}`, ...result };
    } finally {
      this.inFlight.set(c, this.inFlight.get(c)! - 1);
    }
  }

  async editText(_target: OutboundTarget, messageId: string, text: string): Promise<void> {
    this.edits.push({ messageId, text });
  }

  sentTexts(conversationId?: string): string[] {
    return this.calls.filter((c) => !conversationId || c.conversationId === conversationId).map((c) => c.text);
  }
}

async function setup(connection: ChannelConnection | null) {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-delivery-"));
  dirs.push(dir);
  const store = await ChannelStore.open(dir);
  const delivered: Array<{ row: OutboundRow; error?: string }> = [];
  const host = {
    current: connection,
    connection: (channel: string, accountId: string) => (channel === "telegram" && accountId === "default" ? host.current : null),
    delivered: (_channel: string, _accountId: string, row: OutboundRow, error?: string) => void delivered.push({ row, ...(error ? { error } : {}) }),
  };
  const queue = new DeliveryQueue(store, host, quiet);
  cleanups.push(() => {
    queue.stop();
    store.close();
  });
  const send = (conversationId: string, text: string, extra: Partial<NewOutbound> = {}): number => {
    const [id] = store.enqueue([{ channel: "telegram", accountId: "default", conversationId, kind: "text", text, ...extra }]);
    queue.wake("telegram", "default", conversationId);
    return id;
  };
  return { store, queue, host, delivered, send };
}

describe("DeliveryQueue", () => {
  it("sends one conversation's rows in order, one at a time, even when enqueued while sending", async () => {
    const conn = new FakeConnection(() => delay(15).then(() => ({})));
    const { queue, send, store, delivered } = await setup(conn);
    const first = send("chat", "1");
    await delay(5); // "1" is in flight now
    send("chat", "2");
    send("chat", "3");
    await delay(20); // "2" is in flight
    const last = send("chat", "4");
    const row = await queue.waitFor(last, 2000);
    assert.equal(row?.status, "sent");
    assert.deepEqual(conn.sentTexts(), ["1", "2", "3", "4"]);
    assert.equal(conn.maxInFlight.get("chat"), 1, "never two sends at once in one conversation");
    assert.equal(store.outbound(first)?.messageId, "sent-1");
    assert.deepEqual(delivered.map((d) => d.row.text), ["1", "2", "3", "4"]);
    assert.ok(delivered.every((d) => d.error === undefined));
  });

  it("passes thread ids and reply-to ids to the connection, and edits through editText", async () => {
    const conn = new FakeConnection();
    const { queue, send } = await setup(conn);
    send("chat", "in topic", { threadId: "7", replyToId: "55" });
    const edit = send("chat", "edited", { kind: "edit", editMessageId: "m-9" });
    const row = await queue.waitFor(edit, 1000);
    assert.deepEqual(conn.calls.map(({ at: _at, ...c }) => c), [{ conversationId: "chat", threadId: "7", text: "in topic", replyToId: "55" }]);
    assert.deepEqual(conn.edits, [{ messageId: "m-9", text: "edited" }]);
    assert.equal(row?.status, "sent");
    assert.equal(row?.messageId, "m-9");
  });

  it("two conversations proceed independently: a stuck one does not block the other", async () => {
    const conn = new FakeConnection((call) => (call.conversationId === "stuck" ? new Promise(() => {}) : {}));
    const { queue, send, store } = await setup(conn);
    const stuck1 = send("stuck", "s1");
    send("stuck", "s2");
    const ids = [send("free", "f1"), send("free", "f2")];
    const rows = await Promise.all(ids.map((id) => queue.waitFor(id, 1000)));
    assert.deepEqual(rows.map((r) => r?.status), ["sent", "sent"]);
    assert.deepEqual(conn.sentTexts("free"), ["f1", "f2"]);
    assert.deepEqual(conn.sentTexts("stuck"), ["s1"], "the stuck lane waits on its first row");
    assert.equal(store.outbound(stuck1)?.status, "pending");
  });

  it("retryAfterMs pauses that conversation at least that long, then the row is sent exactly once", async () => {
    let failedOnce = false;
    const conn = new FakeConnection((call) => {
      if (call.conversationId === "limited" && !failedOnce) {
        failedOnce = true;
        throw new ChannelSendError("Too Many Requests", { retryAfterMs: 300 });
      }
      return {};
    });
    const { queue, send, store } = await setup(conn);
    const limited = send("limited", "hello");
    const next = send("limited", "after");
    await delay(20);
    const other = send("other", "meanwhile");
    const otherRow = await queue.waitFor(other, 200);
    assert.equal(otherRow?.status, "sent", "another conversation is not paused");
    assert.deepEqual(conn.sentTexts("limited"), ["hello"], "nothing more was tried in the paused conversation");
    const row = await queue.waitFor(limited, 2000);
    assert.equal(row?.status, "sent");
    const tries = conn.calls.filter((c) => c.conversationId === "limited" && c.text === "hello");
    assert.equal(tries.length, 2, "one refused try, one successful send");
    assert.ok(tries[1].at - tries[0].at >= 295, `waited ${tries[1].at - tries[0].at} ms`);
    assert.equal(row?.attempts, 2);
    assert.equal((await queue.waitFor(next, 1000))?.status, "sent");
    await delay(50);
    assert.deepEqual(conn.sentTexts("limited"), ["hello", "hello", "after"], "no further sends");
    assert.equal(store.outbound(limited)?.lastError, null);
  });

  it("a wake during a retry pause does not send early", async () => {
    let failedOnce = false;
    const conn = new FakeConnection(() => {
      if (!failedOnce) {
        failedOnce = true;
        throw new ChannelSendError("429", { retryAfterMs: 250 });
      }
      return {};
    });
    const { queue, send } = await setup(conn);
    const id = send("chat", "a");
    await delay(20);
    send("chat", "b"); // wakes the lane while it is paused
    queue.wake("telegram", "default", "chat");
    await delay(50);
    assert.deepEqual(conn.sentTexts(), ["a"]);
    const row = await queue.waitFor(id, 1000);
    assert.equal(row?.status, "sent");
    assert.ok(conn.calls[1].at - conn.calls[0].at >= 245);
  });

  it("a permanent error marks the row failed and moves on to the next", async () => {
    const conn = new FakeConnection((call) => {
      if (call.text === "bad") throw new ChannelSendError("Bad Request: chat not found", { permanent: true });
      return {};
    });
    const { queue, send, store, delivered } = await setup(conn);
    const bad = send("chat", "bad");
    const good = send("chat", "good");
    const badRow = await queue.waitFor(bad, 1000);
    const goodRow = await queue.waitFor(good, 1000);
    assert.equal(badRow?.status, "failed");
    assert.equal(badRow?.lastError, "Bad Request: chat not found");
    assert.equal(badRow?.attempts, 1);
    assert.equal(goodRow?.status, "sent");
    assert.deepEqual(conn.sentTexts(), ["bad", "good"], "the failed row was tried once");
    assert.deepEqual(delivered.map((d) => [d.row.text, d.error]), [["bad", "Bad Request: chat not found"], ["good", undefined]]);
    assert.equal(store.pendingCount("telegram", "default"), 0);
  });

  it("a generic error retries with backoff (about a second first)", async () => {
    let calls = 0;
    const conn = new FakeConnection(() => {
      if (++calls === 1) throw new Error("socket hang up");
      return {};
    });
    const { queue, send, store } = await setup(conn);
    const id = send("chat", "x");
    await delay(30);
    const pending = store.outbound(id)!;
    assert.equal(pending.status, "pending");
    assert.equal(pending.lastError, "socket hang up");
    assert.ok(pending.notBefore >= Date.now() + 800, "the next try is scheduled about a second out");
    const row = await queue.waitFor(id, 3000);
    assert.equal(row?.status, "sent");
    assert.equal(conn.calls.length, 2);
    const gap = conn.calls[1].at - conn.calls[0].at;
    assert.ok(gap >= 950 && gap < 2500, `backoff was ${gap} ms`);
  });

  it("gives up on a row after the last attempt", async () => {
    const conn = new FakeConnection(() => {
      throw new Error("still broken");
    });
    const { queue, send, store, host } = await setup(null);
    const id = send("chat", "x");
    for (let i = 0; i < 7; i++) store.markRetry(id, "earlier failure", 0);
    const waiting = queue.waitFor(id, 1000);
    host.current = conn;
    queue.resume("telegram", "default");
    const row = await waiting;
    assert.equal(row?.status, "failed");
    assert.equal(row?.attempts, 8);
    assert.equal(row?.lastError, "still broken");
  });

  it("without a connection the lane waits; resume() sends", async () => {
    const conn = new FakeConnection();
    const { queue, send, store, host } = await setup(null);
    const id = send("chat", "queued while down");
    send("chat2", "also queued");
    await delay(50);
    assert.equal(store.outbound(id)?.status, "pending");
    assert.equal(conn.calls.length, 0);
    host.current = conn;
    queue.resume("irc", "default"); // another account: nothing happens
    await delay(20);
    assert.equal(conn.calls.length, 0);
    queue.resume("telegram", "default");
    const row = await queue.waitFor(id, 1000);
    assert.equal(row?.status, "sent");
    await delay(20);
    assert.deepEqual(conn.sentTexts().sort(), ["also queued", "queued while down"]);
  });

  it("resumeAll starts every lane with waiting rows (after a restart)", async () => {
    const conn = new FakeConnection();
    const { queue, store } = await setup(conn);
    const ids = store.enqueue([
      { channel: "telegram", accountId: "default", conversationId: "a", kind: "text", text: "1" },
      { channel: "telegram", accountId: "default", conversationId: "b", kind: "text", text: "2" },
    ]);
    queue.resumeAll();
    const rows = await Promise.all(ids.map((id) => queue.waitFor(id, 1000)));
    assert.deepEqual(rows.map((r) => r?.status), ["sent", "sent"]);
  });

  it("waitFor resolves with the sent row, with a finished row at once, or null on timeout", async () => {
    const conn = new FakeConnection((call) => (call.text === "slow" ? delay(200).then(() => ({})) : {}));
    const { queue, send } = await setup(conn);
    const fast = send("a", "fast");
    const fastRow = await queue.waitFor(fast, 1000);
    assert.equal(fastRow?.id, fast);
    assert.equal(fastRow?.status, "sent");
    const again = await queue.waitFor(fast, 1);
    assert.equal(again?.status, "sent", "an already-sent row resolves immediately");
    assert.equal(await queue.waitFor(987654, 1), null, "an unknown row resolves null");
    const slow = send("b", "slow");
    const t0 = Date.now();
    assert.equal(await queue.waitFor(slow, 40), null);
    assert.ok(Date.now() - t0 >= 35);
    const late = await queue.waitFor(slow, 1000);
    assert.equal(late?.status, "sent", "a timed-out waiter does not disturb later ones");
  });
});
