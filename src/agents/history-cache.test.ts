import { test } from "node:test";
import assert from "node:assert/strict";
import { HistoryCache } from "./history-cache.js";
import type { TranscriptEntry } from "../store/types.js";

const entry = (seq: number, type: TranscriptEntry["type"] = "message", text = `t${seq}`): TranscriptEntry => ({
  id: `e${seq}`, sessionId: "s", seq, parentId: null, type, role: "user", text, data: {}, runId: null, idempotencyKey: null, timestamp: 0,
});
const limits = { maxEntries: 100, maxBytes: 1_000_000 };

test("a tail is used only while the transcript ends where the cache ends", () => {
  const cache = new HistoryCache();
  cache.set("s", 2, [entry(1), entry(2)], limits);
  assert.deepEqual(cache.get("s", 3)?.entries.map((e) => e.seq), [1, 2]);
  assert.equal(cache.get("s", 4), null, "something was written in between");
  cache.append("s", [entry(3), entry(4)]);
  assert.deepEqual(cache.get("s", 5)?.entries.map((e) => e.seq), [1, 2, 3, 4]);
});

test("a gap or a compaction drops the tail", () => {
  const cache = new HistoryCache();
  cache.set("s", 2, [entry(1), entry(2)], limits);
  cache.append("s", [entry(4)]);
  assert.equal(cache.get("s", 5), null);
  cache.set("s", 2, [entry(1), entry(2)], limits);
  cache.append("s", [entry(3, "compaction")]);
  assert.equal(cache.get("s", 4), null);
});

test("tails are trimmed to their limits, oldest first", () => {
  const cache = new HistoryCache();
  cache.set("s", 3, [entry(1), entry(2), entry(3)], { maxEntries: 2, maxBytes: 1_000_000 });
  assert.deepEqual(cache.get("s", 4)?.entries.map((e) => e.seq), [2, 3]);
  cache.append("s", [entry(4, "message", "x".repeat(1000))]);
  assert.deepEqual(cache.get("s", 5)?.entries.map((e) => e.seq), [3, 4]);
});

test("at most a few hundred sessions are kept, the least recently used go first", () => {
  const cache = new HistoryCache();
  for (let i = 0; i < 300; i++) cache.set(`s${i}`, 1, [entry(1)], limits);
  assert.equal(cache.get("s0", 2), null, "the oldest tails were dropped");
  assert.ok(cache.get("s299", 2), "the newest stays");
});
