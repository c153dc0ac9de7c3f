import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunOutcome } from "../../agents/types.js";
import { GatewayError } from "../../protocol/errors.js";
import { failureOfOutcome, failureOfThrown } from "./errors.js";

function failedWith(error: RunOutcome["error"], status: RunOutcome["status"] = "error"): RunOutcome {
  return { runId: "r", sessionKey: "k", sessionId: "s", agentId: "main", status, text: "", toolCalls: [], usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 }, error, startedAt: 0, endedAt: 0 };
}

test("provider failure reasons map to the documented status and type", () => {
  const cases: Array<[string, number, string]> = [
    ["auth", 401, "authentication_error"],
    ["auth_permanent", 403, "permission_error"],
    ["rate_limit", 429, "rate_limit_error"],
    ["billing", 402, "insufficient_quota"],
    ["format", 400, "invalid_request_error"],
    ["context_overflow", 413, "invalid_request_error"],
    ["model_not_found", 404, "invalid_request_error"],
    ["overloaded", 503, "api_error"],
    ["server_error", 502, "api_error"],
    ["timeout", 504, "api_error"],
  ];
  for (const [reason, status, type] of cases) {
    const failure = failureOfOutcome(failedWith({ message: `raw ${reason}`, reason: reason as never }));
    assert.equal(failure.status, status, reason);
    assert.equal(failure.error.type, type, reason);
  }
});

test("non-server reasons pass the provider's text on; server-side reasons use fixed text", () => {
  assert.equal(failureOfOutcome(failedWith({ message: "Invalid API key", reason: "auth" })).error.message, "Invalid API key");
  assert.equal(failureOfOutcome(failedWith({ message: "boom secret", reason: "server_error" })).error.message, "upstream provider error");
  assert.equal(failureOfOutcome(failedWith({ message: "x", reason: "overloaded" })).error.message, "upstream provider overloaded");
  assert.equal(failureOfOutcome(failedWith({ message: "x", reason: "timeout" })).error.message, "upstream provider timeout");
});

test("a provider 4xx status wins over the reason default; its 5xx does not", () => {
  assert.equal(failureOfOutcome(failedWith({ message: "x", reason: "server_error", status: 422 })).status, 422);
  assert.equal(failureOfOutcome(failedWith({ message: "x", reason: "server_error", status: 500 })).status, 502);
  assert.equal(failureOfOutcome(failedWith({ message: "x", reason: "timeout", status: 408 })).status, 408);
});

test("unclassified failures are a 500 internal error; a run timeout is a provider timeout", () => {
  assert.deepEqual(failureOfOutcome(failedWith({ message: "weird" })), { status: 500, error: { message: "internal error", type: "api_error" } });
  assert.deepEqual(failureOfOutcome(failedWith(undefined, "aborted")), { status: 500, error: { message: "internal error", type: "api_error" } });
  assert.equal(failureOfOutcome(failedWith(undefined, "timeout")).status, 504);
});

test("errors thrown before a run exists map by gateway error code", () => {
  assert.deepEqual(failureOfThrown(new GatewayError({ code: "INVALID_REQUEST", message: "bad" })), { status: 400, error: { message: "bad", type: "invalid_request_error" } });
  assert.equal(failureOfThrown(new GatewayError({ code: "UNAVAILABLE", message: "queue full" })).status, 503);
  assert.equal(failureOfThrown(new Error("boom")).status, 500);
});
