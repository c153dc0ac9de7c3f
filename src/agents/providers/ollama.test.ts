import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";
import { createOllamaClient } from "./ollama.js";
import { ProviderError, type ModelRequest, type ProviderClient, type StreamEvent } from "./types.js";
import { collectEvents, userRequest } from "./test-requests.js";

let standIn: ProviderStandIn;
let client: ProviderClient;

before(async () => {
  standIn = await startProviderStandIn();
  client = await createOllamaClient({ id: "ollama", api: "ollama", baseUrl: standIn.url, timeoutMs: 5000, local: true });
});
after(() => standIn.close());

const request = (text: string, extra: Partial<ModelRequest> = {}) => userRequest("llama-test", "SYS", text, extra);

const collect = collectEvents;

test("streams NDJSON content and thinking, with eval counts as usage", async () => {
  const events = await collect(client.stream(request("MARK:think local model")));
  assert.equal(events.map((e) => (e.type === "text" ? e.delta : "")).join(""), "echo: think local model");
  assert.equal(events.map((e) => (e.type === "thinking" ? e.delta : "")).join(""), "thinking about: think local model");
  const done = events.at(-1);
  assert.ok(done?.type === "done");
  if (done?.type !== "done") return;
  assert.equal(done.stopReason, "stop");
  assert.equal(done.responseModel, "llama-test");
  assert.ok(done.usage.input > 0);
  assert.equal(done.usage.output, events.filter((e) => e.type === "text" || e.type === "thinking").length);
});

test("uses the native /api/chat with options, system message and tool history", async () => {
  await collect(
    client.stream({
      model: "llama-test",
      system: "SYS",
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "weather", arguments: '{"city":"Oslo"}' }] },
        { role: "tool", toolCallId: "c1", name: "weather", content: "cold" },
      ],
      tools: [{ name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } }],
      temperature: 0.5,
      maxTokens: 64,
      seed: 1,
      stop: ["\n\n"],
      signal: new AbortController().signal,
    }),
  );
  const seen = standIn.requests.at(-1)!;
  assert.equal(seen.path, "/api/chat");
  const body = seen.body as Record<string, any>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.options, { temperature: 0.5, num_predict: 64, seed: 1, stop: ["\n\n"] });
  assert.deepEqual(body.messages, [
    { role: "system", content: "SYS" },
    { role: "user", content: "weather?" },
    { role: "assistant", content: "", tool_calls: [{ function: { name: "weather", arguments: { city: "Oslo" } } }] },
    { role: "tool", content: "cold", tool_name: "weather" },
  ]);
  assert.equal(body.tools[0].function.name, "weather");
});

test("tool calls arrive with object arguments, are stringified and get ids", async () => {
  const events = await collect(client.stream(request('MARK:tool:weather {"city":"Rome"}', { tools: [{ name: "weather" }] })));
  const call = events.find((e) => e.type === "tool_call");
  assert.ok(call?.type === "tool_call");
  if (call?.type !== "tool_call") return;
  assert.equal(call.call.name, "weather");
  assert.equal(call.call.arguments, '{"city":"Rome"}');
  assert.match(call.call.id, /^call_[0-9a-f]{12}$/);
  assert.equal(events.at(-1)?.type === "done" && (events.at(-1) as { stopReason: string }).stopReason, "tool_calls");
});

test("a /v1 suffix is dropped so the native API is still used", async () => {
  const v1 = await createOllamaClient({ id: "ollama", api: "ollama", baseUrl: `${standIn.url}/v1/`, timeoutMs: 5000, local: true });
  await collect(v1.stream(request("hi")));
  assert.equal(standIn.requests.at(-1)!.path, "/api/chat");
});

test("non-2xx answers are classified from the Ollama error body", async () => {
  standIn.failNext(1, 404, undefined, { error: 'model "nope" not found, try pulling it first' });
  await assert.rejects(collect(client.stream(request("a"))), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.reason, "model_not_found");
    assert.match(e.message, /not found, try pulling it/);
    return true;
  });
  standIn.failNext(1, 500);
  await assert.rejects(collect(client.stream(request("b"))), (e: unknown) => e instanceof ProviderError && e.reason === "server_error" && e.details.status === 500);
});

test("a connection refused is a network error", async () => {
  const closed = await startProviderStandIn();
  const url = closed.url;
  await closed.close();
  const dead = await createOllamaClient({ id: "ollama", api: "ollama", baseUrl: url, timeoutMs: 5000, local: true });
  await assert.rejects(collect(dead.stream(request("x"))), (e: unknown) => e instanceof ProviderError && e.reason === "network");
});

test("a reset mid-stream fails after the partial text; abort cancels the request", async () => {
  const seen: StreamEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of client.stream(request("MARK:reset a b c"))) seen.push(e);
    })(),
    (e: unknown) => e instanceof ProviderError && e.reason === "network",
  );
  assert.deepEqual(seen, [{ type: "text", delta: "echo:" }]);

  const controller = new AbortController();
  const stream = client.stream(request("MARK:stall", { signal: controller.signal }));
  await assert.rejects(
    (async () => {
      for await (const e of stream) if (e.type === "text") controller.abort();
    })(),
    (e: unknown) => e instanceof ProviderError && e.reason === "aborted",
  );
  const stalled = standIn.requests.at(-1)!;
  await standIn.waitFor(() => stalled.clientClosedEarly, 1000);
});

test("embed posts to /api/embed and returns the vectors", async () => {
  const result = await client.embed!({ model: "nomic", input: ["one", "two", "one"], signal: new AbortController().signal });
  assert.equal(result.vectors.length, 3);
  assert.deepEqual(result.vectors[0], result.vectors[2]);
  assert.notDeepEqual(result.vectors[0], result.vectors[1]);
  assert.ok(result.promptTokens > 0);
  assert.equal(standIn.requests.at(-1)!.path, "/api/embed");
});
