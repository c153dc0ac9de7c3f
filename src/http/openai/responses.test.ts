import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { officialFixture, parseSse, shapeOf, startTestServer, TEST_TOKEN, testGateway, type TestGateway } from "../test-helpers.js";

const FIXTURE_DELTAS = ["echo", ": MA", "RK:r", "esp-", "1"];

async function withClient(run: (client: OpenAI, gateway: TestGateway, baseUrl: string) => Promise<void>): Promise<void> {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    await run(new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 }), gateway, server.baseUrl);
  } finally {
    await server.close();
  }
}

function postResponses(baseUrl: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("a streamed response follows the official event sequence, frame for frame in shape", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: FIXTURE_DELTAS });
    const res = await postResponses(baseUrl, { model: "openclaw", input: "MARK:resp-1", stream: true });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const body = await res.text();
    const frames = parseSse(body);
    const fixture = officialFixture("v1-responses-stream.sse");
    if (fixture) assert.deepEqual(frames.map((f) => shapeOf(f)), parseSse(fixture).map((f) => shapeOf(f)));
    assert.deepEqual(
      frames.map((f) => f.event ?? f.data),
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        ...FIXTURE_DELTAS.map(() => "response.output_text.delta"),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
        "[DONE]",
      ],
    );
    const completed = frames.at(-2)?.data as { response: { id: string; status: string; output: Array<{ content: Array<{ text: string }> }> } };
    assert.equal(completed.response.status, "completed");
    assert.equal(completed.response.output[0].content[0].text, "echo: MARK:resp-1");
    assert.match(completed.response.id, /^resp_[0-9a-f-]{36}$/);
    assert.equal(gateway.agents.submitted[0].runId, completed.response.id);
    assert.match(gateway.agents.submitted[0].sessionKey, /^agent:main:openresponses:[0-9a-f-]{36}$/);

    gateway.agents.script = () => ({ deltas: FIXTURE_DELTAS });
    const stream = await client.responses.create({ model: "openclaw", input: "again", stream: true });
    let text = "";
    let final = "";
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") final = event.response.output_text ?? "";
    }
    assert.equal(text, FIXTURE_DELTAS.join(""));
    assert.equal(final || text, FIXTURE_DELTAS.join(""));
  });
});

test("a non-streamed response is a completed resource; previous_response_id continues its session", async () => {
  await withClient(async (client, gateway) => {
    gateway.agents.script = () => ({ deltas: ["one"] });
    const first = await client.responses.create({ model: "openclaw", input: "hi", instructions: "Be brief." });
    assert.equal(first.status, "completed");
    assert.equal(first.output_text, "one");
    assert.deepEqual(first.usage, { input_tokens: 5, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 } as never);
    assert.equal(gateway.agents.submitted[0].extraSystemPrompt, "Be brief.");
    await client.responses.create({ model: "openclaw", input: "more", previous_response_id: first.id });
    assert.equal(gateway.agents.submitted[1].sessionKey, gateway.agents.submitted[0].sessionKey);
    await client.responses.create({ model: "openclaw/ops", input: "more", previous_response_id: first.id });
    assert.notEqual(gateway.agents.submitted[2].sessionKey, gateway.agents.submitted[0].sessionKey, "another agent is another scope");
    await client.responses.create({ model: "openclaw", input: "u", user: "Bob" });
    assert.equal(gateway.agents.submitted[3].sessionKey, "agent:main:openresponses-user:bob");
  });
});

test("the schema is strict and the user message is required", async () => {
  await withClient(async (client, gateway) => {
    await assert.rejects(client.responses.create({ model: "openclaw", input: "x", frequency_penalty: 1 } as never), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /Unrecognized key\(s\) in object: 'frequency_penalty'/);
      return true;
    });
    await assert.rejects(client.responses.create({ model: "openclaw", input: [{ role: "system", content: "s" }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.message, "400 Missing user message in `input`.");
      return true;
    });
    await assert.rejects(client.responses.create({ model: "gpt-4o", input: "x" }), OpenAI.BadRequestError);
    assert.equal(gateway.agents.submitted.length, 0);
  });
});

test("tool calls become function_call items after the commentary message", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    const call = { id: "call_abc", name: "lookup", arguments: '{"q":"x"}' };
    gateway.agents.script = () => ({ deltas: ["Let me look."], outcome: { toolCalls: [call], stopReason: "tool_calls" } });
    const tools = [{ type: "function" as const, name: "lookup", parameters: { type: "object" }, strict: false }];
    const result = await client.responses.create({ model: "openclaw", input: "find x", tools });
    assert.deepEqual(result.output.map((item) => item.type), ["message", "function_call"]);
    assert.equal((result.output[0] as { phase?: string }).phase, "commentary");
    assert.deepEqual({ ...result.output[1], id: undefined }, { type: "function_call", id: undefined, call_id: "call_abc", name: "lookup", arguments: '{"q":"x"}', status: "completed" });

    const frames = parseSse(await (await postResponses(baseUrl, { model: "openclaw", input: "find x", tools, stream: true })).text());
    const events = frames.map((f) => f.event ?? f.data);
    assert.deepEqual(events.slice(-5), ["response.output_item.done", "response.output_item.added", "response.output_item.done", "response.completed", "[DONE]"]);
    assert.equal((frames.at(-4)?.data as { output_index: number }).output_index, 1);
  });
});

test("length-limited answers are incomplete; failures are failed resources with the mapped status", async () => {
  await withClient(async (client, gateway, baseUrl) => {
    gateway.agents.script = () => ({ deltas: ["trunc"], outcome: { stopReason: "length" } });
    const incomplete = await client.responses.create({ model: "openclaw", input: "x", max_output_tokens: 5 });
    assert.equal(incomplete.status, "incomplete");
    assert.deepEqual(incomplete.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(gateway.agents.submitted[0].streamParams?.maxTokens, 5);

    gateway.agents.script = () => ({ outcome: { status: "error", error: { message: "bad key", reason: "auth" } } });
    const res = await postResponses(baseUrl, { model: "openclaw", input: "x" });
    assert.equal(res.status, 401);
    const failed = (await res.json()) as { status: string; error: unknown };
    assert.equal(failed.status, "failed");
    assert.deepEqual(failed.error, { code: "authentication_error", message: "bad key" });

    gateway.agents.script = () => ({ outcome: { status: "error", error: { message: "x", reason: "server_error" } } });
    const frames = parseSse(await (await postResponses(baseUrl, { model: "openclaw", input: "x", stream: true })).text());
    assert.equal(frames.at(-2)?.event, "response.failed");

    gateway.agents.submitError = new Error("store down");
    const early = parseSse(await (await postResponses(baseUrl, { model: "openclaw", input: "x", stream: true })).text());
    assert.deepEqual(early.map((f) => f.event ?? f.data), ["response.failed", "[DONE]"], "early failures emit only response.failed");
  });
});
