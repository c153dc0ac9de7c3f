import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";
import { createOpenAICompletionsClient } from "./openai-completions.js";
import { ProviderError, type ModelRequest, type ProviderClient, type StreamEvent } from "./types.js";
import { collectEvents, userRequest } from "./test-requests.js";

const KEY = "sk-completions-test-0123456789";
let standIn: ProviderStandIn;
let client: ProviderClient;

before(async () => {
  standIn = await startProviderStandIn({ apiKey: KEY });
  const baseUrl = `${standIn.url}/v1`;
  client = await createOpenAICompletionsClient({ id: "mock", api: "openai-completions", baseUrl, apiKey: KEY, headers: { "x-team": "gw" }, timeoutMs: 5000, local: true });
});
after(() => standIn.close());

const request = (text: string, extra: Partial<ModelRequest> = {}) => userRequest("echo", "You are a test.", text, extra);

const collect = collectEvents;

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === "text" ? e.delta : "")).join("");

test("streams text in several deltas and ends with usage and the response id", async () => {
  const events = await collect(client.stream(request("hello world")));
  assert.equal(textOf(events), "echo: hello world");
  assert.ok(events.filter((e) => e.type === "text").length >= 3);
  const done = events.at(-1);
  assert.equal(done?.type, "done");
  if (done?.type !== "done") return;
  assert.equal(done.stopReason, "stop");
  assert.equal(done.responseModel, "echo");
  assert.match(done.responseId ?? "", /^chatcmpl-/);
  assert.ok(done.usage.input > 0 && done.usage.output > 0);
  assert.equal(done.usage.total, done.usage.input + done.usage.output + done.usage.cacheRead);
});

test("sends system prompt, history, tools, sampling and headers the way OpenAI expects", async () => {
  const before = standIn.requests.length;
  await collect(
    client.stream({
      model: "echo",
      system: "SYSTEM-PROMPT",
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "", toolCalls: [{ id: "call_a", name: "lookup", arguments: '{"q":"x"}' }] },
        { role: "tool", toolCallId: "call_a", content: "found x" },
        { role: "user", content: "second" },
      ],
      tools: [{ name: "lookup", description: "Looks up", parameters: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: { name: "lookup" },
      maxTokens: 100,
      temperature: 0.2,
      seed: 7,
      signal: new AbortController().signal,
    }),
  );
  const seen = standIn.requests[before];
  assert.equal(seen.path, "/v1/chat/completions");
  assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
  assert.equal(seen.headers["x-team"], "gw");
  const body = seen.body as Record<string, any>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.deepEqual(body.messages, [
    { role: "system", content: "SYSTEM-PROMPT" },
    { role: "user", content: "first" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
    { role: "tool", tool_call_id: "call_a", content: "found x" },
    { role: "user", content: "second" },
  ]);
  assert.deepEqual(body.tools, [{ type: "function", function: { name: "lookup", description: "Looks up", parameters: { type: "object", properties: { q: { type: "string" } } } } }]);
  assert.deepEqual(body.tool_choice, { type: "function", function: { name: "lookup" } });
  assert.equal(body.max_tokens, 100);
  assert.equal(body.temperature, 0.2);
  assert.equal(body.seed, 7);
});

test("assembles tool-call argument fragments into one complete call", async () => {
  const events = await collect(
    client.stream(request('MARK:tool:lookup {"q":"weather in Paris"}', { tools: [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }] })),
  );
  const calls = events.filter((e) => e.type === "tool_call");
  assert.equal(calls.length, 1);
  if (calls[0].type !== "tool_call") return;
  assert.equal(calls[0].call.name, "lookup");
  assert.match(calls[0].call.id, /^call_/);
  assert.deepEqual(JSON.parse(calls[0].call.arguments), { q: "weather in Paris" });
  const done = events.at(-1);
  assert.equal(done?.type === "done" && done.stopReason, "tool_calls");
});

test("maps reasoning deltas to thinking and cached prompt tokens to cacheRead", async () => {
  const events = await collect(client.stream(request("MARK:think MARK:cache a fairly long question about caching behaviour")));
  const thinking = events.map((e) => (e.type === "thinking" ? e.delta : "")).join("");
  assert.match(thinking, /^thinking about: cache/);
  const done = events.at(-1);
  assert.ok(done?.type === "done");
  if (done?.type !== "done") return;
  assert.ok(done.usage.cacheRead > 0);
  assert.ok(done.usage.input > 0, "uncached prompt tokens stay in input");
});

test("a max token limit reached reports stop reason length", async () => {
  const events = await collect(client.stream(request("MARK:long", { maxTokens: 3 })));
  const done = events.at(-1);
  assert.equal(done?.type === "done" && done.stopReason, "length");
  assert.equal(events.filter((e) => e.type === "text").length, 3);
});

test("a wrong key is an auth error whose message does not contain the key", async () => {
  const wrongKey = "sk-wrong-secret-key-abcdef123456";
  const bad = await createOpenAICompletionsClient({ id: "mock", api: "openai-completions", baseUrl: `${standIn.url}/v1`, apiKey: wrongKey, timeoutMs: 5000, local: true });
  await assert.rejects(collect(bad.stream(request("hi"))), (error: unknown) => {
    assert.ok(error instanceof ProviderError);
    assert.equal(error.reason, "auth");
    assert.equal(error.details.status, 401);
    assert.ok(!error.message.includes(wrongKey), error.message);
    assert.ok(!error.message.includes("abcdef123456"), error.message);
    return true;
  });
});

test("a 429 carries retry-after-ms and a 529 is overloaded", async () => {
  standIn.failNext(1, 429, { "retry-after-ms": "250" });
  await assert.rejects(collect(client.stream(request("limited"))), (e: unknown) => e instanceof ProviderError && e.reason === "rate_limit" && e.details.retryAfterMs === 250);
  standIn.failNext(1, 529);
  await assert.rejects(collect(client.stream(request("busy"))), (e: unknown) => e instanceof ProviderError && e.reason === "overloaded" && e.retryable);
});

test("aborting mid-stream throws aborted and closes the upstream connection at once", async () => {
  const controller = new AbortController();
  const started = Date.now();
  const stream = client.stream(request("MARK:stall", { signal: controller.signal }));
  await assert.rejects(
    (async () => {
      for await (const e of stream) if (e.type === "text") controller.abort();
    })(),
    (e: unknown) => e instanceof ProviderError && e.reason === "aborted",
  );
  const seen = standIn.requests.at(-1)!;
  await standIn.waitFor(() => seen.clientClosedEarly, 1000);
  assert.ok(Date.now() - started < 1000);
});

test("embeddings come back in input order with the prompt token count", async () => {
  const result = await client.embed!({ model: "embed", input: ["alpha", "beta"], dimensions: 6, signal: new AbortController().signal });
  assert.equal(result.vectors.length, 2);
  assert.equal(result.vectors[0].length, 6);
  assert.notDeepEqual(result.vectors[0], result.vectors[1]);
  assert.ok(result.promptTokens > 0);
  const again = await client.embed!({ model: "embed", input: ["alpha"], dimensions: 6, signal: new AbortController().signal });
  assert.deepEqual(again.vectors[0], result.vectors[0]);
  assert.equal((standIn.requests.at(-1)?.body as { encoding_format?: string }).encoding_format, "float");
});
