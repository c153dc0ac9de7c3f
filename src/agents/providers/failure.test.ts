import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyFailure, failureFromPayload, failureFromStatus, parseRetryAfter, reasonForStatus, scrubSecrets } from "./failure.js";
import { ProviderError } from "./types.js";

const ctx = { provider: "p", model: "m", apiKey: "my-configured-key-42" };

test("HTTP statuses map to failure reasons", () => {
  const cases: Array<[number, string]> = [
    [401, "auth"],
    [403, "auth_permanent"],
    [402, "billing"],
    [404, "model_not_found"],
    [408, "timeout"],
    [504, "timeout"],
    [413, "context_overflow"],
    [400, "format"],
    [422, "format"],
    [429, "rate_limit"],
    [503, "overloaded"],
    [529, "overloaded"],
    [500, "server_error"],
    [502, "server_error"],
  ];
  for (const [status, reason] of cases) assert.equal(reasonForStatus(status, "something went wrong"), reason, `status ${status}`);
});

test("the body refines the status: context length and quota messages", () => {
  assert.equal(reasonForStatus(400, "This model's maximum context length is 8192 tokens"), "context_overflow");
  assert.equal(reasonForStatus(400, "prompt is too long: 210000 tokens > 200000 maximum"), "context_overflow");
  assert.equal(reasonForStatus(429, "You exceeded your current quota, please check your plan and billing details."), "billing");
  assert.equal(reasonForStatus(429, "too many tokens per minute, slow down"), "rate_limit", "a rate limit about tokens is still a rate limit");
  assert.equal(reasonForStatus(503, "billing service unavailable"), "overloaded");
});

test("retry-after is read as milliseconds, seconds or an HTTP date", () => {
  assert.equal(parseRetryAfter({ "retry-after-ms": "1500" }), 1500);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "2" })), 2000);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now), 30_000);
  assert.equal(parseRetryAfter({ "retry-after": "soon" }), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
  const limited = failureFromStatus(429, "slow down", { "retry-after": "3" }, ctx);
  assert.equal(limited.details.retryAfterMs, 3000);
  assert.equal(limited.details.status, 429);
});

test("messages lose the configured key and anything key-shaped", () => {
  const text = scrubSecrets("key my-configured-key-42 sent as Authorization: Bearer abc.def-123 and sk-proj-AbCdEf123456 x-api-key: zzz999", ctx.apiKey);
  assert.ok(!text.includes("my-configured-key-42"));
  assert.ok(!text.includes("abc.def-123"));
  assert.ok(!text.includes("AbCdEf123456"));
  assert.ok(!text.includes("zzz999"));
  assert.match(text, /Bearer \*\*\*/);
  const error = failureFromStatus(401, "Incorrect API key provided: my-configured-key-42", undefined, ctx);
  assert.equal(error.reason, "auth");
  assert.ok(!error.message.includes(ctx.apiKey));
});

test("SDK-shaped errors: status errors, connection errors, timeouts, aborts", () => {
  const statusError = Object.assign(new Error("429 Rate limit reached"), { status: 429, headers: new Headers({ "retry-after": "1" }), error: { message: "Rate limit reached" } });
  const limited = classifyFailure(statusError, ctx);
  assert.equal(limited.reason, "rate_limit");
  assert.equal(limited.details.retryAfterMs, 1000);

  const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
  assert.equal(classifyFailure(refused, ctx).reason, "network");
  assert.equal(classifyFailure(new Error("socket hang up"), ctx).reason, "network");
  assert.equal(classifyFailure(Object.assign(new Error("Request timed out."), { name: "APIConnectionTimeoutError" }), ctx).reason, "timeout");

  const controller = new AbortController();
  controller.abort();
  const abortError = Object.assign(new Error("This operation was aborted"), { name: "AbortError" });
  assert.equal(classifyFailure(abortError, { ...ctx, signal: controller.signal }).reason, "aborted");
  assert.equal(classifyFailure(abortError, ctx).reason, "network", "an abort we did not ask for is the transport failing");

  const existing = new ProviderError("x", "billing", { provider: "p", model: "m" });
  assert.equal(classifyFailure(existing, ctx), existing);
});

test("streamed error payloads are classified by their type or code", () => {
  assert.equal(failureFromPayload({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, ctx).reason, "overloaded");
  assert.equal(failureFromPayload({ error: { message: "Rate limit", type: "requests", code: "rate_limit_exceeded" } }, ctx).reason, "rate_limit");
  assert.equal(failureFromPayload({ code: "context_length_exceeded", message: "too long" }, ctx).reason, "context_overflow");
  assert.equal(failureFromPayload({ error: "model crashed" }, ctx).reason, "server_error");
  const midStream = Object.assign(new Error("stream error"), { status: undefined, error: { type: "error", error: { type: "api_error", message: "Internal" } } });
  assert.equal(classifyFailure(midStream, ctx).reason, "server_error");
});

test("retryable covers exactly the transient reasons", () => {
  const retryable = (reason: ProviderError["reason"]) => new ProviderError("x", reason, { provider: "p", model: "m" }).retryable;
  assert.ok(["rate_limit", "overloaded", "server_error", "timeout", "network"].every((r) => retryable(r as ProviderError["reason"])));
  assert.ok(["auth", "billing", "format", "context_overflow", "aborted"].every((r) => !retryable(r as ProviderError["reason"])));
});
