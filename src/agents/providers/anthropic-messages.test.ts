import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";
import { createAnthropicMessagesClient, DEFAULT_MAX_TOKENS } from "./anthropic-messages.js";
import { ProviderError, type ModelRequest, type ProviderClient, type StreamEvent } from "./types.js";
import { collectEvents, userRequest } from "./test-requests.js";

const KEY = "sk-ant-test-key-0123456789";
let standIn: ProviderStandIn;
let client: ProviderClient;

before(async () => {
  standIn = await startProviderStandIn({ apiKey: KEY });
  client = await createAnthropicMessagesClient({ id: "claude", api: "anthropic-messages", baseUrl: standIn.url, apiKey: KEY, timeoutMs: 5000, local: true });
});
after(() => standIn.close());

const request = (text: string, extra: Partial<ModelRequest> = {}) => userRequest("claude-test", "Be brief.", text, extra);

const collect = collectEvents;

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === "text" ? e.delta : "")).join("");

test("streams text deltas and reports usage from message_start and message_delta", async () => {
  const events = await collect(client.stream(request("MARK:cache hello claude, a somewhat longer prompt")));
  assert.equal(textOf(events), "echo: cache hello claude, a somewhat longer prompt");
  const done = events.at(-1);
  assert.ok(done?.type === "done");
  if (done?.type !== "done") return;
  assert.equal(done.stopReason, "stop");
  assert.match(done.responseId ?? "", /^msg_/);
  assert.equal(done.responseModel, "claude-test");
  assert.ok(done.usage.input > 0 && done.usage.cacheRead > 0);
  assert.equal(done.usage.output, events.filter((e) => e.type === "text").length);
  assert.equal(done.usage.total, done.usage.input + done.usage.output + done.usage.cacheRead + done.usage.cacheWrite);
});

test("sends the system prompt top-level, tool results as user blocks and a default max_tokens", async () => {
  await collect(
    client.stream({
      model: "claude-test",
      system: "SYSTEM-PROMPT",
      messages: [
        { role: "user", content: "look it up" },
        { role: "assistant", content: "Looking.", toolCalls: [{ id: "toolu_1", name: "lookup", arguments: '{"q":"x"}' }, { id: "toolu_2", name: "lookup", arguments: '{"q":"y"}' }] },
        { role: "tool", toolCallId: "toolu_1", content: "x found" },
        { role: "tool", toolCallId: "toolu_2", content: "y found" },
      ],
      tools: [{ name: "lookup", description: "Looks up", parameters: { type: "object", properties: { q: { type: "string" } } } }],
      toolChoice: "required",
      stop: ["END"],
      signal: new AbortController().signal,
    }),
  );
  const seen = standIn.requests.at(-1)!;
  assert.equal(seen.path, "/v1/messages");
  assert.equal(presentedKey(seen.headers), KEY);
  const body = seen.body as Record<string, any>;
  assert.equal(body.system, "SYSTEM-PROMPT");
  assert.equal(body.max_tokens, DEFAULT_MAX_TOKENS);
  assert.deepEqual(body.stop_sequences, ["END"]);
  assert.deepEqual(body.tool_choice, { type: "any" });
  assert.deepEqual(body.tools, [{ name: "lookup", description: "Looks up", input_schema: { type: "object", properties: { q: { type: "string" } } } }]);
  assert.deepEqual(body.messages, [
    { role: "user", content: [{ type: "text", text: "look it up" }] },
    {
      role: "assistant",
      content: [
        { type: "text", text: "Looking." },
        { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } },
        { type: "tool_use", id: "toolu_2", name: "lookup", input: { q: "y" } },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_1", content: "x found" },
        { type: "tool_result", tool_use_id: "toolu_2", content: "y found" },
      ],
    },
  ]);
  assert.ok(!body.messages.some((m: { role: string }) => m.role === "system"));
});

function presentedKey(headers: Record<string, unknown>): unknown {
  const auth = headers.authorization;
  return typeof auth === "string" ? auth.replace(/^Bearer /, "") : headers["x-api-key"];
}

test("assembles input_json_delta fragments into a tool call with stop reason tool_calls", async () => {
  const events = await collect(
    client.stream(request('MARK:tool:lookup {"q":"tides"}', { tools: [{ name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } }] })),
  );
  const call = events.find((e) => e.type === "tool_call");
  assert.ok(call?.type === "tool_call");
  if (call?.type !== "tool_call") return;
  assert.match(call.call.id, /^toolu_/);
  assert.equal(call.call.name, "lookup");
  assert.deepEqual(JSON.parse(call.call.arguments), { q: "tides" });
  assert.equal(events.at(-1)?.type === "done" && (events.at(-1) as { stopReason: string }).stopReason, "tool_calls");
});

test("thinking deltas become thinking events, max_tokens becomes length", async () => {
  const thinking = await collect(client.stream(request("MARK:think ponder")));
  assert.match(thinking.map((e) => (e.type === "thinking" ? e.delta : "")).join(""), /^thinking about: think ponder/);
  const long = await collect(client.stream(request("MARK:long", { maxTokens: 2 })));
  assert.equal(long.at(-1)?.type === "done" && (long.at(-1) as { stopReason: string }).stopReason, "length");
  assert.equal((standIn.requests.at(-1)?.body as { max_tokens: number }).max_tokens, 2);
});

test("HTTP errors are classified and never carry the key", async () => {
  standIn.failNext(1, 529);
  await assert.rejects(collect(client.stream(request("a"))), (e: unknown) => e instanceof ProviderError && e.reason === "overloaded");
  standIn.failNext(1, 400, undefined, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" } });
  await assert.rejects(collect(client.stream(request("b"))), (e: unknown) => e instanceof ProviderError && e.reason === "context_overflow" && !e.retryable);
  const wrongKey = "sk-ant-wrong-0123456789abcdef";
  const bad = await createAnthropicMessagesClient({ id: "claude", api: "anthropic-messages", baseUrl: `${standIn.url}/v1`, apiKey: wrongKey, timeoutMs: 5000, local: true });
  await assert.rejects(collect(bad.stream(request("c"))), (e: unknown) => {
    assert.ok(e instanceof ProviderError);
    assert.equal(e.reason, "auth");
    assert.ok(!e.message.includes(wrongKey), e.message);
    return true;
  });
});

test("a reset mid-stream is a network error after the partial text", async () => {
  const seen: StreamEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of client.stream(request("MARK:reset one two three"))) seen.push(e);
    })(),
    (e: unknown) => e instanceof ProviderError && e.reason === "network",
  );
  assert.equal(textOf(seen), "echo:");
});
