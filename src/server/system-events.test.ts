import { test } from "node:test";
import assert from "node:assert/strict";
import { SystemEventQueue } from "./system-events.js";

test("a wake equal to the newest pending event for the same session is coalesced", () => {
  const queue = new SystemEventQueue();
  assert.equal(queue.enqueueWake("build done", { sessionKey: "agent:main:main" }), "queued");
  assert.equal(queue.enqueueWake("build done", { sessionKey: "agent:main:main" }), "coalesced");
  assert.equal(queue.enqueueWake("build done", { sessionKey: "agent:ops:main" }), "queued", "another session");
  assert.equal(queue.enqueueWake("other", { sessionKey: "agent:main:main" }), "queued");
  assert.equal(queue.enqueueWake("build done", { sessionKey: "agent:main:main" }), "queued", "no longer the newest");
  assert.deepEqual(queue.list(), ["build done", "build done", "other", "build done"]);
  assert.deepEqual(queue.pending()[1], { text: "build done", sessionKey: "agent:ops:main" });
});

test("a wake whose idempotency key was seen is coalesced", () => {
  const queue = new SystemEventQueue();
  assert.equal(queue.enqueueWake("a", { idempotencyKey: "k" }), "queued");
  queue.enqueue("between");
  assert.equal(queue.enqueueWake("a", { idempotencyKey: "k" }), "coalesced");
  assert.deepEqual(queue.list(), ["a", "between"]);
});
