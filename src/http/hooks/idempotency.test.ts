import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { idempotencyKeyOf, MAX_SETTLED_REPLAYS, ReplayCache, replayScope } from "./idempotency.js";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test("key order: Idempotency-Key, X-OpenClaw-Idempotency-Key, body idempotencyKey; unusable values are skipped", () => {
  assert.equal(idempotencyKeyOf(req({ "idempotency-key": "a", "x-openclaw-idempotency-key": "b" }), { idempotencyKey: "c" }), "a");
  assert.equal(idempotencyKeyOf(req({ "x-openclaw-idempotency-key": " b " }), { idempotencyKey: "c" }), "b");
  assert.equal(idempotencyKeyOf(req({ "idempotency-key": "x".repeat(257) }), { idempotencyKey: "c" }), "c");
  assert.equal(idempotencyKeyOf(req({}), { idempotencyKey: 5 }), undefined);
  assert.equal(idempotencyKeyOf(req({}), { idempotencyKey: "x".repeat(256) })?.length, 256);
  assert.notEqual(replayScope(["t", "agent", "k", { message: "a" }]), replayScope(["t", "agent", "k", { message: "b" }]));
});

test("a scope dispatches once; replays share the result; refused results can be retried", async () => {
  const cache = new ReplayCache<{ ok: boolean; n: number }>();
  let calls = 0;
  const dispatch = (ok: boolean) => async () => ({ ok, n: ++calls });
  const first = cache.once("s", dispatch(true), (v) => v.ok);
  const second = cache.once("s", dispatch(true), (v) => v.ok);
  assert.equal(second.replayed, true);
  assert.deepEqual(await first.value, await second.value);
  assert.equal(calls, 1);
  await cache.once("f", dispatch(false), (v) => v.ok).value;
  await new Promise((r) => setImmediate(r));
  const retry = cache.once("f", dispatch(true), (v) => v.ok);
  assert.equal(retry.replayed, false);
  assert.equal((await retry.value).n, 3);
});

test("settled entries expire after the TTL; unsettled ones stay", async () => {
  const cache = new ReplayCache<number>(50);
  cache.once("settled", async () => 1, () => true);
  cache.once("running", async () => 2, () => true);
  cache.settle("settled", Date.now() - 100);
  assert.equal(cache.once("settled", async () => 3, () => true).replayed, false, "expired, so dispatched again");
  assert.equal(cache.once("running", async () => 4, () => true).replayed, true);
});

test("at most 1000 settled entries are kept, the oldest go first", () => {
  const cache = new ReplayCache<number>();
  for (let i = 0; i < MAX_SETTLED_REPLAYS + 5; i++) {
    cache.once(`k${i}`, async () => i, () => true);
    cache.settle(`k${i}`);
  }
  assert.ok(cache.size <= MAX_SETTLED_REPLAYS);
  assert.equal(cache.once(`k${MAX_SETTLED_REPLAYS + 4}`, async () => -1, () => true).replayed, true, "the newest is still there");
  assert.equal(cache.once("k0", async () => -1, () => true).replayed, false, "the oldest was dropped");
});
