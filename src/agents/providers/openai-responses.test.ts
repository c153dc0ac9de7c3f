import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";
import { createOpenAIResponsesClient } from "./openai-responses.js";
import { ProviderError, type ModelRequest, type ProviderClient, type StreamEvent } from "./types.js";
import { collectEvents, userRequest } from "./test-requests.js";

let standIn: ProviderStandIn;
let client: ProviderClient;

before(async () => {
  standIn = await startProviderStandIn();
  client = await createOpenAIResponsesClient({ id: "lmstudio", api: "openai-responses", baseUrl: `${standIn.url}/v1`, timeoutMs: 5000, local: true });
});
after(() => standIn.close());

const request = (text: string, extra: Partial<ModelRequest> = {}) => userRequest("echo", "Answer plainly.", text, extra);

const collect = collectEvents;

test("streams output_text deltas and completes with usage, id and model", async () => {
  const events = await collect(client.stream(request("MARK:cache responses work")));
  assert.equal(events.map((e) => (e.type === "text" ? e.delta : "")).join(""), "echo: cache responses work");
  const done = events.at(-1);
  assert.ok(done?.type === "done");
  if (done?.type !== "done") return;
  assert.equal(done.stopReason, "stop");
  assert.match(done.responseId ?? "", /^resp_/);
  assert.equal(done.responseModel, "echo");
  assert.ok(done.usage.output > 0 && done.usage.cacheRead > 0);
  const seen = standIn.requests.at(-1)!;
  assert.equal(seen.path, "/v1/responses");
  assert.equal(seen.headers.authorization, "Bearer not-needed", "local providers without a key get the placeholder");
});

test("maps instructions, history items, function tools and tool choice", async () => {
  await collect(
    client.stream({
      model: "echo",
      system: "SYSTEM-PROMPT",
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "calling", toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"q":1}' }] },
        { role: "tool", toolCallId: "call_1", content: "result one" },
      ],
      tools: [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "number" } } } }],
      toolChoice: "auto",
      maxTokens: 50,
      signal: new AbortController().signal,
    }),
  );
  const body = standIn.requests.at(-1)!.body as Record<string, any>;
  assert.equal(body.instructions, "SYSTEM-PROMPT");
  assert.equal(body.max_output_tokens, 50);
  assert.equal(body.tool_choice, "auto");
  assert.deepEqual(body.tools, [{ type: "function", name: "lookup", parameters: { type: "object", properties: { q: { type: "number" } } }, strict: false }]);
  assert.deepEqual(body.input, [
    { role: "user", content: "first" },
    { role: "assistant", content: "calling" },
    { type: "function_call", call_id: "call_1", name: "lookup", arguments: '{"q":1}' },
    { type: "function_call_output", call_id: "call_1", output: "result one" },
  ]);
});

test("a tool result is answered, and a function call arrives complete", async () => {
  const history: ModelRequest["messages"] = [
    { role: "user", content: "MARK:tool" },
    { role: "assistant", content: "", toolCalls: [{ id: "c", name: "t", arguments: "{}" }] },
    { role: "tool", toolCallId: "c", content: "42" },
  ];
  const answer = await collect(client.stream({ ...request("x"), messages: history }));
  assert.equal(answer.map((e) => (e.type === "text" ? e.delta : "")).join(""), "tool result: 42");
  const events = await collect(client.stream(request("MARK:tool:lookup {\"q\":3}", { tools: [{ name: "lookup" }] })));
  const call = events.find((e) => e.type === "tool_call");
  assert.ok(call?.type === "tool_call");
  if (call?.type !== "tool_call") return;
  assert.match(call.call.id, /^call_/);
  assert.equal(call.call.name, "lookup");
  assert.equal(call.call.arguments, '{"q":3}');
  assert.equal(events.at(-1)?.type === "done" && (events.at(-1) as { stopReason: string }).stopReason, "tool_calls");
});

test("response.failed becomes a retryable ProviderError; incomplete becomes length", async () => {
  await assert.rejects(collect(client.stream(request("MARK:failed"))), (e: unknown) => e instanceof ProviderError && e.reason === "server_error" && e.retryable);
  const events = await collect(client.stream(request("MARK:long", { maxTokens: 4 })));
  assert.equal(events.at(-1)?.type === "done" && (events.at(-1) as { stopReason: string }).stopReason, "length");
});

test("reasoning summary deltas become thinking", async () => {
  const events = await collect(client.stream(request("MARK:think why")));
  assert.equal(events.map((e) => (e.type === "thinking" ? e.delta : "")).join(""), "thinking about: think why");
});
