import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { officialFixture, parseSse, shapeOf, startTestServer, TEST_TOKEN, testGateway, type TestGateway } from "../test-helpers.js";

const FIXTURE_DELTAS = ["echo", ": MA", "RK:s", "se-1"];

async function withClient(run: (client: OpenAI, gateway: TestGateway, baseUrl: string) => Promise<void>): Promise<void> {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    await run(new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 }), gateway, server.baseUrl);
  } finally {
    await server.close();
  }
}

function postChat(baseUrl: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

test("a plain completion has the official shape and becomes one http turn on a fresh session", async () => {
  await withClient(async (client, gateway) => {
    gateway.agents.script = () => ({ deltas: ["echo: ", "MARK:plain-1"] });
    const completion = await client.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "MARK:plain-1" }] });
    assert.equal(completion.choices[0].message.content, "echo: MARK:plain-1");
    assert.match(completion.id, /^chatcmpl_[0-9a-f-]{36}$/);
    const fixture = officialFixture("v1-chat-completions.json");
    if (fixture) assert.deepEqual(shapeOf(completion), shapeOf(JSON.parse(fixture)));
    const [turn] = gateway.agents.submitted;
    assert.equal(turn.runId, completion.id);
    assert.equal(turn.agentId, "main");
    assert.match(turn.sessionKey, /^agent:main:openai:[0-9a-f-]{36}$/);
    assert.equal(turn.message, "MARK:plain-1");
    assert.equal(turn.source, "http");
    assert.equal(turn.channel, "webchat");
  });
});

test("streaming follows the official chunk sequence: role, contents, finish, [DONE]", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: FIXTURE_DELTAS });
    const res = await postChat(baseUrl, { model: "openclaw", stream: true, messages: [{ role: "user", content: "MARK:sse-1" }] });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(res.headers.get("connection"), "keep-alive");
    const body = await res.text();
    const fixture = officialFixture("v1-chat-completions-stream.sse");
    if (fixture) assert.deepEqual(parseSse(body).map((f) => shapeOf(f)), parseSse(fixture).map((f) => shapeOf(f)));
    const frames = parseSse(body);
    assert.equal(frames.at(-1)?.data, "[DONE]");
    assert.deepEqual((frames[0].data as { choices: unknown[] }).choices, [{ index: 0, delta: { role: "assistant" }, finish_reason: null }]);
    assert.deepEqual((frames.at(-2)?.data as { choices: unknown[] }).choices, [{ index: 0, delta: {}, finish_reason: "stop" }]);

    gateway.agents.script = () => ({ deltas: FIXTURE_DELTAS });
    const stream = await client.chat.completions.create({ model: "openclaw", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "x" }] });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, FIXTURE_DELTAS.join(""));
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
  });
});

test("user, headers and sampling fields shape the turn", async () => {
  await withClient(async (client, gateway) => {
    await client.chat.completions.create(
      { model: "openclaw/ops", user: "Alice", temperature: 0.2, max_tokens: 9, stop: ["x"], messages: [{ role: "system", content: "sys" }, { role: "user", content: "hi" }] },
      { headers: { "x-openclaw-message-channel": "telegram", "x-openclaw-model": "openai/gpt-4o" } },
    );
    const [turn] = gateway.agents.submitted;
    assert.equal(turn.sessionKey, "agent:ops:openai-user:alice");
    assert.equal(turn.channel, "telegram");
    assert.equal(turn.modelOverride, "openai/gpt-4o");
    assert.equal(turn.extraSystemPrompt, "sys");
    assert.deepEqual(turn.streamParams, { maxTokens: 9, temperature: 0.2, stop: ["x"] });
    await client.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-openclaw-session-key": "agent:main:custom" } });
    assert.equal(gateway.agents.submitted[1].sessionKey, "agent:main:custom");
  });
});

test("invalid requests are 400s with the documented messages and start no run", async () => {
  await withClient(async (client, gateway) => {
    const expectBadRequest = async (body: Record<string, unknown>, message: string, headers: Record<string, string> = {}) => {
      await assert.rejects(client.chat.completions.create(body as never, { headers }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError);
        assert.equal(err.message, `400 ${message}`);
        assert.equal(err.type, "invalid_request_error");
        return true;
      });
    };
    const messages = [{ role: "user", content: "hi" }];
    await expectBadRequest({ model: "openclaw", messages, temperature: 3 }, "`temperature` must be between 0 and 2.");
    await expectBadRequest({ model: "openclaw", messages, stop: ["a", "b", "c", "d", "e"] }, "Invalid stop: stop supports at most 4 sequences");
    await expectBadRequest({ model: "openclaw", messages: [{ role: "system", content: "s" }] }, "Missing user message in `messages`.");
    await expectBadRequest({ model: "gpt-4o", messages }, "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.");
    await expectBadRequest({ model: "openclaw/ghost", messages }, "Unknown agent 'ghost'.");
    await expectBadRequest({ model: "openclaw", messages }, "`x-openclaw-session-key` cannot use reserved internal session namespaces.", { "x-openclaw-session-key": "cron:x" });
    await expectBadRequest({ model: "openclaw", messages, tools: [{ type: "retrieval" }] }, "Invalid tools/tool_choice: only tools of type \"function\" are supported");
    assert.equal(gateway.agents.submitted.length, 0);
  });
});

test("an empty answer says so; tool calls come back as tool_calls", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: [] });
    const empty = await client.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "hi" }] });
    assert.equal(empty.choices[0].message.content, "No response from OpenClaw.");

    const args = JSON.stringify({ city: "Paris", note: "x".repeat(600) });
    gateway.agents.script = () => ({ deltas: ["Checking."], outcome: { toolCalls: [{ id: "call_9", name: "get_weather", arguments: args }], stopReason: "tool_calls" } });
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }];
    const withTools = await client.chat.completions.create({ model: "openclaw", tools, messages: [{ role: "user", content: "weather?" }] });
    assert.equal(withTools.choices[0].finish_reason, "tool_calls");
    assert.deepEqual(withTools.choices[0].message, { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: args } }] });
    assert.deepEqual(gateway.agents.submitted.at(-1)?.clientTools, [{ name: "get_weather", parameters: { type: "object" } }]);

    const res = await postChat(baseUrl, { model: "openclaw", stream: true, tools, messages: [{ role: "user", content: "weather?" }] });
    const deltas = parseSse(await res.text()).slice(1, -1).map((f) => (f.data as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }> }).choices[0]);
    assert.deepEqual(deltas[0].delta, { content: "Checking." });
    assert.deepEqual(deltas[1].delta, { tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "get_weather", arguments: "" } }] });
    const fragments = deltas.slice(2, -1).map((d) => (d.delta.tool_calls as Array<{ function: { arguments: string } }>)[0].function.arguments);
    assert.ok(fragments.every((f) => f.length <= 256));
    assert.equal(fragments.join(""), args);
    assert.equal(deltas.at(-1)?.finish_reason, "tool_calls");
  });
});

test("tool_choice=required that the agent ignores is a 502 api_error (an error frame when streaming)", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: ["no tools for you"] });
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    await assert.rejects(client.chat.completions.create({ model: "openclaw", tools, tool_choice: "required", messages: [{ role: "user", content: "hi" }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.equal(err.message, "502 tool_choice=required was not satisfied by the agent response");
      return true;
    });
    assert.match(gateway.agents.submitted[0].extraSystemPrompt ?? "", /You must call/);
    const res = await postChat(baseUrl, { model: "openclaw", stream: true, tools, tool_choice: "required", messages: [{ role: "user", content: "hi" }] });
    const frames = parseSse(await res.text());
    assert.equal(frames.length, 3, "role chunk, error, [DONE]: the held-back text never goes out");
    assert.deepEqual(frames[1].data, { error: { message: "tool_choice=required was not satisfied by the agent response", type: "api_error" } });
  });
});

test("provider failures map to OpenAI errors; mid-stream they are an error frame then [DONE]", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ outcome: { status: "error", error: { message: "slow down", reason: "rate_limit" } } });
    await assert.rejects(client.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "hi" }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.message, "429 slow down");
      return true;
    });
    gateway.agents.script = () => ({ deltas: ["part"], outcome: { status: "error", error: { message: "x", reason: "overloaded" } } });
    const frames = parseSse(await (await postChat(baseUrl, { model: "openclaw", stream: true, messages: [{ role: "user", content: "hi" }] })).text());
    assert.deepEqual(frames.slice(-2), [{ data: { error: { message: "upstream provider overloaded", type: "api_error" } } }, { data: "[DONE]" }]);
  });
});

test("a client that disconnects mid-stream aborts the run", async () => {
  await withClient(async (_client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: ["a", "b", "c", "d", "e", "f"], stepMs: 30, hold: true });
    const controller = new AbortController();
    const res = await postChat(baseUrl, { model: "openclaw", stream: true, messages: [{ role: "user", content: "hi" }] }, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 2000;
    while (gateway.agents.aborted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const [turn] = gateway.agents.submitted;
    assert.deepEqual(gateway.agents.aborted, [{ agentId: "main", sessionKey: turn.sessionKey, runId: turn.runId }]);
  });
});

test("a client that gives up on a non-streaming request aborts the run too", async () => {
  await withClient(async (_client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ hold: true });
    const controller = new AbortController();
    const pending = postChat(baseUrl, { model: "openclaw", messages: [{ role: "user", content: "hi" }] }, {}, controller.signal).catch(() => null);
    while (gateway.agents.submitted.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await pending;
    const deadline = Date.now() + 2000;
    while (gateway.agents.aborted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(gateway.agents.aborted[0]?.runId, gateway.agents.submitted[0].runId);
  });
});

test("a body over 20 MB is refused with 413", async () => {
  await withClient(async (_client, gateway, baseUrl) => {
    const res = await postChat(baseUrl, { model: "openclaw", messages: [{ role: "user", content: "x".repeat(21 * 1024 * 1024) }] }).catch((err: Error) => err);
    assert.ok(res instanceof Response, `expected an answer, got ${String(res)}`);
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), { error: { message: "Payload too large", type: "invalid_request_error" } });
    assert.equal(gateway.agents.submitted.length, 0);
  });
});
