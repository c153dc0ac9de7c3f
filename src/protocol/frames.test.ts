import { test } from "node:test";
import assert from "node:assert/strict";
import { RawJson, requestFrameProblem, serializeResponse, truncateCloseReason } from "./frames.js";

test("a well-formed request frame has no problem", () => {
  assert.equal(requestFrameProblem({ type: "req", id: "1", method: "health" }), null);
  assert.equal(requestFrameProblem({ type: "req", id: "1", method: "health", params: { a: 1 }, traceparent: "x" }), null);
});

test("malformed request frames are described", () => {
  assert.match(requestFrameProblem(null)!, /object/);
  assert.match(requestFrameProblem([1])!, /object/);
  assert.match(requestFrameProblem({ type: "res", id: "1", method: "m" })!, /type/);
  assert.match(requestFrameProblem({ type: "req", id: 1, method: "m" })!, /id/);
  assert.match(requestFrameProblem({ type: "req", id: "", method: "m" })!, /id/);
  assert.match(requestFrameProblem({ type: "req", id: "1", method: 5 })!, /method/);
  assert.match(requestFrameProblem({ type: "req", id: "1", method: "m", extra: true })!, /extra/);
  assert.match(requestFrameProblem({ type: "req", id: "1", method: "m", traceparent: "x".repeat(129) })!, /traceparent/);
});

test("responses embed pre-serialized payloads verbatim", () => {
  const text = serializeResponse("7", true, new RawJson('{"ok":true}'));
  assert.deepEqual(JSON.parse(text), { type: "res", id: "7", ok: true, payload: { ok: true } });
  assert.deepEqual(JSON.parse(serializeResponse("8", false, { code: "X", message: "m" })), { type: "res", id: "8", ok: false, error: { code: "X", message: "m" } });
});

test("close reasons are cut at a UTF-8 boundary", () => {
  const cut = truncateCloseReason("é".repeat(100), 120);
  assert.ok(Buffer.byteLength(cut) <= 120);
  assert.equal(cut, "é".repeat(60));
});
