import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempStateStores } from "../store/test-helpers.js";
import { NodeStore } from "./node-store.js";

const { tempStateDir, open: openStore } = tempStateStores("ocgw-nodework-", (dir) => NodeStore.open(dir));

const NOW = 1_760_000_000_000;

describe("PendingWorkQueue: enqueue", () => {
  it("returns the queued item and a revision that increases", async () => {
    const { work } = await openStore();
    assert.equal(work.revision("n1"), 0);
    const a = work.enqueue("n1", { type: "status.request" }, NOW);
    assert.equal(a.queued.type, "status.request");
    assert.equal(a.queued.priority, "default");
    assert.equal(a.queued.createdAtMs, NOW);
    assert.equal(a.queued.expiresAtMs, null);
    assert.equal(typeof a.queued.id, "string");
    assert.ok(a.revision >= 1);
    const b = work.enqueue("n1", { type: "location.request", priority: "high", expiresInMs: 60_000 }, NOW + 1);
    assert.ok(b.revision > a.revision);
    assert.equal(b.queued.priority, "high");
    assert.equal(b.queued.expiresAtMs, NOW + 1 + 60_000);
    assert.notEqual(b.queued.id, a.queued.id);
    assert.equal(work.revision("n1"), b.revision);
    assert.deepEqual(work.list("n1", NOW + 2).map((i) => i.id).sort(), [a.queued.id, b.queued.id].sort());
  });

  it("the same type again coalesces: same id, priority raised but never lowered", async () => {
    const { work } = await openStore();
    const first = work.enqueue("n1", { type: "status.request", priority: "normal" }, NOW);
    const raised = work.enqueue("n1", { type: "status.request", priority: "high" }, NOW + 1);
    assert.equal(raised.queued.id, first.queued.id);
    assert.equal(raised.queued.priority, "high");
    assert.ok(raised.revision > first.revision);
    const notLowered = work.enqueue("n1", { type: "status.request", priority: "normal" }, NOW + 2);
    assert.equal(notLowered.queued.id, first.queued.id);
    assert.equal(notLowered.queued.priority, "high");
    const defaulted = work.enqueue("n1", { type: "status.request" }, NOW + 3);
    assert.equal(defaulted.queued.priority, "high");
    const items = work.list("n1", NOW + 4);
    assert.equal(items.length, 1);
    assert.equal(items[0].priority, "high");
    assert.equal(items[0].createdAtMs, NOW, "coalescing keeps the original creation time");
  });

  it("coalescing extends the expiry to the later one", async () => {
    const { work } = await openStore();
    work.enqueue("n1", { type: "status.request", expiresInMs: 10_000 }, NOW);
    const later = work.enqueue("n1", { type: "status.request", expiresInMs: 10_000 }, NOW + 5_000);
    assert.equal(later.queued.expiresAtMs, NOW + 15_000);
    const shorter = work.enqueue("n1", { type: "status.request", expiresInMs: 1_000 }, NOW + 6_000);
    assert.equal(shorter.queued.expiresAtMs, NOW + 15_000, "never shortened");
    assert.equal(work.list("n1", NOW + 12_000).length, 1, "still there after the first expiry would have passed");
  });
});

describe("PendingWorkQueue: drain", () => {
  it("returns high priority first, respects maxItems, sets hasMore and removes what it returned", async () => {
    const { work } = await openStore();
    const low = work.enqueue("n1", { type: "status.request" }, NOW).queued;
    const high = work.enqueue("n1", { type: "location.request", priority: "high" }, NOW + 1).queued;
    const before = work.revision("n1");
    const first = work.drain("n1", 1, NOW + 2);
    assert.deepEqual(first.items.map((i) => i.id), [high.id]);
    assert.equal(first.hasMore, true);
    assert.ok(first.revision > before);
    assert.deepEqual(work.list("n1", NOW + 2).map((i) => i.id), [low.id], "the drained item is gone");
    const second = work.drain("n1", 4, NOW + 3);
    assert.deepEqual(second.items.map((i) => i.id), [low.id]);
    assert.equal(second.hasMore, false);
    const empty = work.drain("n1", 4, NOW + 4);
    assert.deepEqual(empty.items, []);
    assert.equal(empty.hasMore, false);
    assert.equal(empty.revision, second.revision, "an empty drain changes nothing");
  });

  it("without maxItems drains everything there is (fewer than the default)", async () => {
    const { work } = await openStore();
    work.enqueue("n1", { type: "status.request", priority: "normal" }, NOW);
    work.enqueue("n1", { type: "location.request" }, NOW);
    const all = work.drain("n1", undefined, NOW + 1);
    assert.deepEqual(all.items.map((i) => i.type), ["status.request", "location.request"], "normal before default");
    assert.equal(all.hasMore, false);
  });

  it("expired items are neither listed nor drained", async () => {
    const { work } = await openStore();
    work.enqueue("n1", { type: "status.request", expiresInMs: 1_000 }, NOW);
    const keeper = work.enqueue("n1", { type: "location.request" }, NOW).queued;
    assert.equal(work.list("n1", NOW + 999).length, 2);
    assert.deepEqual(work.list("n1", NOW + 1_000).map((i) => i.id), [keeper.id]);
    const drained = work.drain("n1", 4, NOW + 2_000);
    assert.deepEqual(drained.items.map((i) => i.id), [keeper.id]);
    assert.equal(drained.hasMore, false);
  });

  it("an expired item is replaced by a fresh one when enqueued again", async () => {
    const { work } = await openStore();
    const old = work.enqueue("n1", { type: "status.request", priority: "high", expiresInMs: 1_000 }, NOW).queued;
    const fresh = work.enqueue("n1", { type: "status.request" }, NOW + 5_000).queued;
    assert.notEqual(fresh.id, old.id);
    assert.equal(fresh.priority, "default", "the expired item's priority is not inherited");
  });
});

describe("PendingWorkQueue: ack, isolation, forget", () => {
  it("ack removes only the given ids of that node, returns them and ignores unknown ids", async () => {
    const { work } = await openStore();
    const a = work.enqueue("n1", { type: "status.request" }, NOW).queued;
    const b = work.enqueue("n1", { type: "location.request" }, NOW).queued;
    const other = work.enqueue("n2", { type: "status.request" }, NOW).queued;
    const before = work.revision("n1");
    assert.deepEqual(work.ack("n1", [a.id, "unknown-id", a.id]), [a.id]);
    assert.ok(work.revision("n1") > before);
    assert.deepEqual(work.list("n1", NOW).map((i) => i.id), [b.id]);
    assert.deepEqual(work.ack("n1", [other.id]), [], "another node's item is not acked");
    assert.deepEqual(work.list("n2", NOW).map((i) => i.id), [other.id]);
    const rev = work.revision("n1");
    assert.deepEqual(work.ack("n1", ["nothing-here"]), []);
    assert.equal(work.revision("n1"), rev, "acking nothing does not bump the revision");
  });

  it("items of one node never show for another", async () => {
    const { work } = await openStore();
    const mine = work.enqueue("n1", { type: "status.request", priority: "high" }, NOW).queued;
    assert.deepEqual(work.list("n2", NOW), []);
    assert.deepEqual(work.drain("n2", 4, NOW).items, []);
    assert.equal(work.revision("n2"), 0);
    const theirs = work.enqueue("n2", { type: "status.request" }, NOW).queued;
    assert.notEqual(theirs.id, mine.id, "the same type on another node is its own item");
    assert.equal(theirs.priority, "default");
    assert.deepEqual(work.list("n1", NOW).map((i) => i.id), [mine.id]);
  });

  it("forget() clears a node's queue and bumps its revision", async () => {
    const { work } = await openStore();
    work.enqueue("n1", { type: "status.request" }, NOW);
    work.enqueue("n1", { type: "location.request" }, NOW);
    work.enqueue("n2", { type: "status.request" }, NOW);
    const before = work.revision("n1");
    work.forget("n1");
    assert.deepEqual(work.list("n1", NOW), []);
    assert.ok(work.revision("n1") > before);
    assert.equal(work.list("n2", NOW).length, 1);
  });

  it("the queue survives closing and reopening the store", async () => {
    const dir = tempStateDir();
    const store = await openStore(dir);
    const a = store.work.enqueue("n1", { type: "status.request", priority: "high", expiresInMs: 60_000 }, NOW).queued;
    const b = store.work.enqueue("n1", { type: "location.request" }, NOW).queued;
    store.work.ack("n1", [b.id]);
    const revision = store.work.revision("n1");
    store.close();
    const reopened = await openStore(dir);
    assert.equal(reopened.work.revision("n1"), revision);
    assert.deepEqual(reopened.work.list("n1", NOW + 1), [a]);
  });
});
