import { test } from "node:test";
import assert from "node:assert/strict";
import { openAgentStore } from "./agent-store.js";
import { tempStorePath } from "./test-helpers.js";

test("history with messagesOnly pages over messages: markers neither count nor show", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:main";
  store.ensureSession(key);
  const add = (type: "message" | "abort", text: string) => store.appendEntry(key, { type, role: type === "message" ? "user" : null, text, data: {}, runId: null, idempotencyKey: null });
  for (let i = 1; i <= 5; i++) {
    add("message", `m${i}`);
    add("abort", `x${i}`);
  }
  const sessionId = store.getSession(key)!.sessionId;
  const newest = store.history(sessionId, { limit: 3, messagesOnly: true });
  assert.deepEqual(newest.entries.map((e) => e.text), ["m3", "m4", "m5"]);
  assert.equal(newest.hasMore, true);
  const older = store.history(sessionId, { limit: 3, messagesOnly: true, skip: 3 });
  assert.deepEqual(older.entries.map((e) => e.text), ["m1", "m2"]);
  assert.equal(older.hasMore, false);
  assert.deepEqual(store.history(sessionId, { limit: 2, skip: 1 }).entries.map((e) => e.text), ["x4", "m5"]);
  store.close();
});
