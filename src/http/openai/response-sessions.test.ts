import { test } from "node:test";
import assert from "node:assert/strict";
import { ResponseSessionStore } from "./response-sessions.js";

const scope = { subject: "bearer:abc", agentId: "main" };

test("a response's session is reused only in the same scope", () => {
  const store = new ResponseSessionStore();
  store.remember("resp_1", scope, "agent:main:openresponses:1");
  assert.equal(store.sessionFor("resp_1", scope), "agent:main:openresponses:1");
  assert.equal(store.sessionFor("resp_1", { ...scope, subject: "bearer:other" }), undefined);
  assert.equal(store.sessionFor("resp_1", { ...scope, agentId: "ops" }), undefined);
  assert.equal(store.sessionFor("resp_1", { ...scope, sessionKeyHeader: "k" }), undefined);
  assert.equal(store.sessionFor("resp_2", scope), undefined);
});

test("entries expire after the TTL and the oldest go first past the cap", () => {
  let now = 0;
  const store = new ResponseSessionStore(1000, 3, () => now);
  for (let i = 1; i <= 4; i++) store.remember(`r${i}`, scope, `s${i}`);
  assert.equal(store.size, 3);
  assert.equal(store.sessionFor("r1", scope), undefined);
  assert.equal(store.sessionFor("r4", scope), "s4");
  now = 1000;
  assert.equal(store.sessionFor("r4", scope), undefined);
});
