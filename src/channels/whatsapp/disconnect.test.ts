import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyClose, connectionEndOf } from "./disconnect.js";

const boom = (statusCode: number) => Object.assign(new Error("Stream Errored"), { output: { statusCode } });

test("each Baileys close code maps to what core should do next", () => {
  const end = (error: unknown, accountId = "default") => connectionEndOf(classifyClose(error), accountId);
  assert.equal(end(boom(401)).loggedOut, true);
  assert.match(end(boom(401), "work").error!, /channels login --channel whatsapp --account work$/);
  assert.equal(end(boom(515)).retryAfterMs, 0);
  assert.equal(end(boom(440)).retryAfterMs, 60_000);
  assert.equal(end(boom(403)).fatal, true);
  assert.equal(end(boom(411)).fatal, true);
  for (const code of [408, 428, 499, 500, 503]) assert.deepEqual(end(boom(code)), { error: `Stream Errored (${code})` });
  assert.deepEqual(end(new Error("socket hang up")), { error: "socket hang up" });
  assert.deepEqual(end(undefined), { error: "connection closed" });
});
