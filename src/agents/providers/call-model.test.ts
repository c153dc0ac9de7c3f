import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";
import { callModel, type CallModelHooks, type FailoverInfo, type ModelCallEvent, type ModelChainEntry, type RetryInfo } from "./call-model.js";
import { createOpenAICompletionsClient } from "./openai-completions.js";
import { ProviderError, type ModelRequest, type ProviderClient, type ProviderConfig, type StreamEvent } from "./types.js";

const KEY = "sk-call-model-0123456789";
let standIn: ProviderStandIn;

before(async () => {
  standIn = await startProviderStandIn({ apiKey: KEY });
});
after(() => standIn.close());

function config(overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return { id: "mock", api: "openai-completions", baseUrl: `${standIn.url}/v1`, apiKey: KEY, timeoutMs: 5000, local: true, ...overrides };
}

async function chainOf(...models: Array<string | { model: string; config: Partial<ProviderConfig> }>): Promise<ModelChainEntry[]> {
  return Promise.all(
    models.map(async (m) => {
      const { model, config: overrides } = typeof m === "string" ? { model: m, config: {} } : m;
      const client = await createOpenAICompletionsClient(config(overrides));
      return { ref: `${client.config.id}/${model}`, client, model };
    }),
  );
}

function request(text: string, signal = new AbortController().signal): Omit<ModelRequest, "model"> {
  return { system: "sys", messages: [{ role: "user", content: text }], signal };
}

function recorder(): CallModelHooks & { retries: RetryInfo[]; failovers: FailoverInfo[] } {
  const retries: RetryInfo[] = [];
  const failovers: FailoverInfo[] = [];
  return { retries, failovers, retryBaseDelayMs: 10, onRetry: (i) => void retries.push(i), onFailover: (i) => void failovers.push(i) };
}

async function collect(events: AsyncIterable<ModelCallEvent>, seen: ModelCallEvent[] = []): Promise<ModelCallEvent[]> {
  for await (const e of events) seen.push(e);
  return seen;
}

const textOf = (events: ModelCallEvent[]) => events.map((e) => (e.type === "text" ? e.delta : "")).join("");
const modelsCalled = (from: number) => standIn.requests.slice(from).map((r) => (r.body as { model: string }).model);

test("announces the model before its first event, then streams it", async () => {
  const events = await collect(callModel(await chainOf("echo"), request("plain")));
  assert.deepEqual(events[0], { type: "model", ref: "mock/echo", provider: "mock", model: "echo" });
  assert.equal(textOf(events), "echo: plain");
  assert.equal(events.at(-1)?.type, "done");
});

test("a 429 with retry-after: 1 is waited out on the same model, then succeeds", async () => {
  const hooks = recorder();
  const from = standIn.requests.length;
  const started = Date.now();
  const events = await collect(callModel(await chainOf("a", "b"), request("MARK:429 patience"), hooks));
  assert.ok(Date.now() - started >= 950, "waited for retry-after");
  assert.equal(textOf(events), "echo: 429 patience");
  assert.deepEqual(modelsCalled(from), ["a", "a"]);
  assert.equal(hooks.retries.length, 1);
  assert.equal(hooks.retries[0].delayMs, 1000);
  assert.equal(hooks.retries[0].error.reason, "rate_limit");
  assert.equal(hooks.failovers.length, 0);
});

test("a 500 is retried with backoff and the model event comes only from the attempt that produced", async () => {
  const hooks = recorder();
  const from = standIn.requests.length;
  const events = await collect(callModel(await chainOf("a"), request("MARK:500 again"), hooks));
  assert.deepEqual(modelsCalled(from), ["a", "a"]);
  assert.equal(events.filter((e) => e.type === "model").length, 1);
  assert.equal(hooks.retries.length, 1);
  assert.ok(hooks.retries[0].delayMs >= 8 && hooks.retries[0].delayMs <= 12, `jittered 10 ms: ${hooks.retries[0].delayMs}`);
});

test("always-500 exhausts the retries, fails over to the next model, and throws the last error", async () => {
  const hooks = recorder();
  const from = standIn.requests.length;
  await assert.rejects(
    collect(callModel(await chainOf("a", "b"), request("MARK:always500"), hooks)),
    (e: unknown) => e instanceof ProviderError && e.reason === "server_error" && e.details.model === "b",
  );
  assert.deepEqual(modelsCalled(from), ["a", "a", "a", "b", "b", "b"]);
  assert.deepEqual(hooks.retries.map((r) => [r.ref, r.attempt]), [["mock/a", 1], ["mock/a", 2], ["mock/b", 1], ["mock/b", 2]]);
  assert.deepEqual(hooks.failovers.map((f) => [f.ref, f.nextRef]), [["mock/a", "mock/b"]]);
});

test("when the first model keeps failing the second one answers", async () => {
  standIn.failNext(3, 503);
  const events = await collect(callModel(await chainOf("a", "b"), request("fallback please"), recorder()));
  assert.deepEqual(events[0], { type: "model", ref: "mock/b", provider: "mock", model: "b" });
  assert.equal(textOf(events), "echo: fallback please");
});

test("a retry-after beyond 30 s skips straight to the next model", async () => {
  const hooks = recorder();
  const from = standIn.requests.length;
  standIn.failNext(1, 429, { "retry-after": "120" });
  await collect(callModel(await chainOf("a", "b"), request("long wait"), hooks));
  assert.deepEqual(modelsCalled(from), ["a", "b"]);
  assert.equal(hooks.retries.length, 0);
  assert.equal(hooks.failovers[0].error.details.retryAfterMs, 120_000);
});

test("auth failures fail over without retrying; format errors neither retry nor fail over", async () => {
  const from = standIn.requests.length;
  const wrong = "sk-definitely-wrong-987654321";
  const chain = await chainOf({ model: "a", config: { apiKey: wrong } }, "b");
  const events = await collect(callModel(chain, request("key check"), recorder()));
  assert.equal(textOf(events), "echo: key check");
  assert.deepEqual(modelsCalled(from), ["a", "b"]);

  const before = standIn.requests.length;
  standIn.failNext(1, 400, undefined, { error: { message: "bad schema", type: "invalid_request_error", code: null } });
  await assert.rejects(collect(callModel(await chainOf("a", "b"), request("format"), recorder())), (e: unknown) => e instanceof ProviderError && e.reason === "format");
  assert.equal(standIn.requests.length - before, 1);
});

test("a stalled stream trips the idle watchdog as a timeout, cancels upstream, and is not retried", async () => {
  const from = standIn.requests.length;
  const seen: ModelCallEvent[] = [];
  const started = Date.now();
  await assert.rejects(collect(callModel(await chainOf({ model: "a", config: { timeoutMs: 300 } }, "b"), request("MARK:stall"), recorder()), seen), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.reason, "timeout");
    assert.equal(e.message, "model idle for 0.3s");
    return true;
  });
  assert.ok(Date.now() - started < 1500);
  assert.equal(textOf(seen), "echo: stall");
  assert.deepEqual(modelsCalled(from), ["a"], "text already streamed: no retry, no failover");
  const stalled = standIn.requests[from];
  await standIn.waitFor(() => stalled.clientClosedEarly, 1000);
});

function fakeClient(id: string, timeoutMs: number, stream: () => AsyncGenerator<StreamEvent>): ProviderClient {
  return { config: { ...config(), id, timeoutMs }, stream };
}

const DONE: StreamEvent = { type: "done", stopReason: "stop", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, total: 2 } };

test("the watchdog measures idle time, not total time, and ignores a slow consumer", async () => {
  const trickle = fakeClient("fake", 250, async function* () {
    for (const delta of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
      await new Promise((r) => setTimeout(r, 40));
      yield { type: "text", delta };
    }
    yield DONE;
  });
  const slow = await collect(callModel([{ ref: "fake/m", client: trickle, model: "m" }], request("x")));
  assert.equal(textOf(slow), "abcdefgh", "320 ms in all, never 250 ms idle");

  const instant = fakeClient("fake", 30, async function* () {
    yield { type: "text", delta: "one" };
    yield { type: "text", delta: "two" };
    yield DONE;
  });
  const patient: ModelCallEvent[] = [];
  for await (const e of callModel([{ ref: "fake/m", client: instant, model: "m" }], request("x"))) {
    patient.push(e);
    await new Promise((r) => setTimeout(r, 60));
  }
  assert.equal(textOf(patient), "onetwo");
  assert.equal(patient.at(-1)?.type, "done");
});

test("an adapter that hangs before its first event is timed out and retried even if it ignores its signal", async () => {
  let calls = 0;
  const hanging = fakeClient("fake", 100, async function* () {
    calls++;
    if (calls === 1) await new Promise(() => {});
    yield { type: "text", delta: "late but fine" };
    yield DONE;
  });
  const hooks = recorder();
  const events = await collect(callModel([{ ref: "fake/m", client: hanging, model: "m" }], request("x"), hooks));
  assert.equal(textOf(events), "late but fine");
  assert.equal(calls, 2);
  assert.equal(hooks.retries[0].error.reason, "timeout");
});

test("a reset after partial text is thrown as is, without a retry", async () => {
  const from = standIn.requests.length;
  const seen: ModelCallEvent[] = [];
  await assert.rejects(collect(callModel(await chainOf("a", "b"), request("MARK:reset partial"), recorder()), seen), (e: unknown) => e instanceof ProviderError && e.reason === "network");
  assert.equal(textOf(seen), "echo:");
  assert.deepEqual(modelsCalled(from), ["a"]);
});

test("the caller's abort ends the call at once, closes the upstream socket and is never retried", async () => {
  const from = standIn.requests.length;
  const controller = new AbortController();
  let abortedAt = 0;
  await assert.rejects(
    (async () => {
      for await (const e of callModel(await chainOf("a", "b"), request("MARK:slow:2000 tick tock", controller.signal), recorder())) {
        if (e.type === "text") {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    })(),
    (e: unknown) => e instanceof ProviderError && e.reason === "aborted",
  );
  assert.ok(Date.now() - abortedAt < 200, "no waiting for the next delta");
  const upstream = standIn.requests[from];
  await standIn.waitFor(() => upstream.clientClosedEarly, 500);
  assert.deepEqual(modelsCalled(from), ["a"]);
});

test("an abort during the backoff sleep ends the call without another attempt", async () => {
  const from = standIn.requests.length;
  const controller = new AbortController();
  const hooks = { ...recorder(), retryBaseDelayMs: 5000, onRetry: () => setTimeout(() => controller.abort(), 20) };
  const started = Date.now();
  await assert.rejects(
    collect(callModel(await chainOf("a"), request("MARK:always500 sleepy", controller.signal), hooks)),
    (e: unknown) => e instanceof ProviderError && e.reason === "aborted",
  );
  assert.ok(Date.now() - started < 1000);
  assert.equal(standIn.requests.length - from, 1);
});
