/**
 * The OpenAI-compatible HTTP API end to end (http.md §1.0–§1.5, §2, §3): the official `openai`
 * client against the real gateway and agent runtime, with a provider stand-in behind them.
 * Shapes and event sequences are compared with the official gateway's recorded answers.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import OpenAI from "openai";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { officialFixture, parseSse, shapeOf } from "../../src/http/test-helpers.js";
import { callsWith, contentText, conversationOf, providerFor, startStandIn, tag } from "./agent-harness.js";
import { TEST_TOKEN, startFileGateway, startTestGateway, type TestGateway } from "./harness.js";

const MOCK_KEY = "e2e-mock-provider-KEY-7f3a";
const LOCKED_KEY = "e2e-locked-provider-KEY-91c2";
const ENDPOINTS_ON = { chatCompletions: { enabled: true }, responses: { enabled: true } };

const standIn = await startStandIn();
// Requires a key the gateway does not have, and echoes the wrong one back in its 401.
const locked = await startStandIn({ apiKey: "the-right-key" });

function configFor(endpoints: Record<string, unknown>) {
  return {
    // One wrong key would lock out a remote client; loopback must still never be locked out.
    gateway: { http: { endpoints }, auth: { rateLimit: { maxAttempts: 1 } } },
    extraConfig: {
      agents: { defaults: { model: { primary: "mock/echo" }, memorySearch: { provider: "mock", model: "embed-1" } } },
      models: {
        providers: {
          mock: providerFor(standIn, [{ id: "echo", contextWindow: 32000 }], MOCK_KEY),
          locked: providerFor(locked, [{ id: "echo", contextWindow: 32000 }], LOCKED_KEY),
        },
      },
    },
  };
}

const gw = await startFileGateway(configFor(ENDPOINTS_ON));
const openai = new OpenAI({ baseURL: `${gw.httpUrl}/v1`, apiKey: TEST_TOKEN, maxRetries: 0 });
const ws = await GatewayClient.connect({ url: gw.url, token: TEST_TOKEN, scopes: ["operator.read", "operator.write"], timeoutMs: 5000 });
after(() => ws.close());

function fixtureJson(name: string): any {
  const text = officialFixture(name);
  return text === null ? null : JSON.parse(text.slice(text.indexOf("{")));
}

function fixtureFrames(name: string): Array<{ event?: string; data: any }> | null {
  const text = officialFixture(name);
  return text === null ? null : parseSse(text);
}

async function historyOf(sessionKey: string): Promise<any> {
  return ws.request("chat.history", { sessionKey });
}

function lines(messages: Array<{ role: string; content: unknown }>): string[] {
  return messages.map((m) => `${m.role}: ${contentText(m.content)}`);
}

/** Consecutive repeats of one event type collapse into one, so delta counts do not matter. */
function collapse(types: string[]): string[] {
  return types.filter((t, i) => i === 0 || t !== types[i - 1]);
}

/** Runs `fn`, expecting it to throw an `APIError` of the given class; returns that error. */
async function rejectsWith<E extends Error>(fn: () => Promise<unknown>, kind: abstract new (...args: any[]) => E): Promise<E> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${kind.name}, but the call succeeded`);
}

describe("models", () => {
  test("models.list -> openclaw, openclaw/default, openclaw/main, the official body", async () => {
    const page = await openai.models.list();
    assert.deepEqual(page.data.map((m) => m.id), ["openclaw", "openclaw/default", "openclaw/main"]);
    const fixture = fixtureJson("v1-models.json");
    if (fixture) {
      const raw = await openai.models.list().asResponse();
      assert.deepEqual(await raw.json(), fixture, "byte-for-byte the official list");
    }
  });

  test('models.retrieve("openclaw/main") -> the model object (id as requested)', async () => {
    const model = await openai.models.retrieve("openclaw/main");
    assert.deepEqual({ ...model }, { id: "openclaw/main", object: "model", created: 0, owned_by: "openclaw", permission: [] });
    const missing = await rejectsWith(() => openai.models.retrieve("openclaw/nobody"), OpenAI.NotFoundError);
    assert.deepEqual(missing.error, { message: "Model 'openclaw/nobody' not found.", type: "invalid_request_error" });
  });
});

describe("chat completions", () => {
  test("plain: echo, usage, chatcmpl_ id, model echoed, official shape", async () => {
    const word = tag();
    const completion = await openai.chat.completions.create({ model: "openclaw/main", messages: [{ role: "user", content: `hello ${word}` }] });
    assert.match(completion.id, /^chatcmpl_[0-9a-f-]{36}$/);
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.model, "openclaw/main", "the request's model is echoed");
    assert.equal(completion.choices.length, 1);
    assert.deepEqual(completion.choices[0].message, { role: "assistant", content: `echo: hello ${word}` });
    assert.equal(completion.choices[0].finish_reason, "stop");
    const usage = completion.usage!;
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.ok(Math.abs(completion.created - Date.now() / 1000) < 60, "created is in unix seconds");
    const fixture = fixtureJson("v1-chat-completions.json");
    if (fixture) assert.deepEqual(shapeOf(completion), shapeOf(fixture), "same keys and value types as the official answer");
    assert.equal(callsWith(standIn, word).length, 1, "one model call reached the provider");
  });

  test("stream with include_usage: role chunk, content chunks, finish chunk, usage chunk, [DONE]", async () => {
    const word = tag();
    const stream = await openai.chat.completions.create({
      model: "openclaw",
      messages: [{ role: "user", content: `stream me ${word}` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 4, `got ${chunks.length} chunks`);
    const [role, ...restChunks] = chunks;
    const usageChunk = restChunks.pop()!;
    const finish = restChunks.pop()!;
    const content = restChunks;
    assert.deepEqual(role.choices, [{ index: 0, delta: { role: "assistant" }, finish_reason: null }]);
    assert.ok(content.length >= 1, "at least one content chunk");
    for (const c of content) {
      assert.equal(c.choices.length, 1);
      assert.deepEqual(Object.keys(c.choices[0].delta), ["content"]);
      assert.equal(c.choices[0].finish_reason, null);
    }
    assert.equal(content.map((c) => c.choices[0].delta.content).join(""), `echo: stream me ${word}`);
    assert.deepEqual(finish.choices, [{ index: 0, delta: {}, finish_reason: "stop" }]);
    assert.deepEqual(usageChunk.choices, []);
    const usage = usageChunk.usage!;
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    for (const c of chunks) {
      assert.equal(c.id, role.id, "one id for the whole stream");
      assert.equal(c.object, "chat.completion.chunk");
      assert.equal(c.model, "openclaw");
    }
    assert.match(role.id, /^chatcmpl_/);

    const fixture = fixtureFrames("v1-chat-completions-stream.sse");
    if (fixture) {
      const official = fixture.filter((f) => f.data !== "[DONE]").map((f) => f.data);
      assert.deepEqual(shapeOf(role), shapeOf(official[0]), "role chunk shape");
      assert.deepEqual(shapeOf(content[0]), shapeOf(official[1]), "content chunk shape");
      assert.deepEqual(shapeOf(finish), shapeOf(official[official.length - 1]), "finish chunk shape");
    }
  });

  test("the raw stream is data-only SSE ending in [DONE], with the official headers", async () => {
    const word = tag();
    const raw = await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `raw ${word}` }], stream: true }).asResponse();
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(raw.headers.get("cache-control"), "no-cache");
    const frames = parseSse(await raw.text());
    assert.ok(frames.every((f) => f.event === undefined), "no event: lines");
    assert.equal(frames[frames.length - 1].data, "[DONE]");
    const fixture = fixtureFrames("v1-chat-completions-stream.sse");
    if (fixture) {
      const kind = (f: { data: any }) => (f.data === "[DONE]" ? "done" : f.data.choices[0].delta.role ? "role" : f.data.choices[0].finish_reason ? "finish" : "content");
      assert.deepEqual(collapse(frames.map(kind)), collapse(fixture.map(kind)), "the official frame sequence");
    }
  });

  test("`user` -> session agent:main:openai-user:<user, lowercased>, history kept across calls", async () => {
    const word = tag();
    const user = `E2E-User-${word}`;
    const first = await openai.chat.completions.create({ model: "openclaw", user, messages: [{ role: "user", content: `first ${word}` }] });
    assert.equal(first.choices[0].message.content, `echo: first ${word}`);
    const second = await openai.chat.completions.create({ model: "openclaw", user, messages: [{ role: "user", content: `second ${word}` }] });
    assert.equal(second.choices[0].message.content, `echo: second ${word}`);

    const [call] = callsWith(standIn, `second ${word}`);
    assert.deepEqual(
      conversationOf(call).map((m) => `${m.role}: ${contentText(m.content)}`),
      [`user: first ${word}`, `assistant: echo: first ${word}`, `user: second ${word}`],
      "the second model call carries the first exchange",
    );
    const key = `agent:main:openai-user:${user.toLowerCase()}`;
    const history = await historyOf(key);
    assert.equal(history.sessionKey, key);
    assert.deepEqual(lines(history.messages), [`user: first ${word}`, `assistant: echo: first ${word}`, `user: second ${word}`, `assistant: echo: second ${word}`]);
    const listed: any = await ws.request("sessions.list", { search: word.toLowerCase() });
    assert.ok(listed.sessions.some((s: any) => s.key === key), `sessions.list has ${key}: ${JSON.stringify(listed.sessions.map((s: any) => s.key))}`);
  });

  test("without `user` every call is a fresh session", async () => {
    const word = tag();
    await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `alone ${word}` }] });
    await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `again ${word}` }] });
    const [call] = callsWith(standIn, `again ${word}`);
    assert.deepEqual(lines(conversationOf(call)), [`user: again ${word}`], "no history from the earlier call");
  });

  test("x-openclaw-session-key is honoured", async () => {
    const word = tag();
    const key = `agent:main:e2e-header-${word}`;
    const headers = { "x-openclaw-session-key": key };
    await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `one ${word}` }] }, { headers });
    const reply = await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `two ${word}` }] }, { headers });
    assert.equal(reply.choices[0].message.content, `echo: two ${word}`);
    const history = await historyOf(key);
    assert.deepEqual(lines(history.messages), [`user: one ${word}`, `assistant: echo: one ${word}`, `user: two ${word}`, `assistant: echo: two ${word}`]);
    const [call] = callsWith(standIn, `two ${word}`);
    assert.equal(conversationOf(call).length, 3, "the second call continued the header's session");
  });

  // chat.send and chat.history resolve a bare `x` to `agent:main:x` and lowercase keys; an HTTP turn must land there too.
  for (const [label, keyOf] of [
    ["a bare", (word: string) => `e2e-bare-${word}`],
    ["a mixed-case", (word: string) => `agent:main:E2E-Mixed-${word}`],
  ] as const) {
    test(`${label} x-openclaw-session-key names the session chat.history finds under the same key`, async () => {
      const key = keyOf(tag());
      const reply = await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `keyed ${key}` }] }, { headers: { "x-openclaw-session-key": key } });
      assert.equal(reply.choices[0].message.content, `echo: keyed ${key}`);
      const history = await historyOf(key);
      const listed: any = await ws.request("sessions.list", {});
      const stored = listed.sessions.filter((s: any) => s.key.toLowerCase().includes(key.toLowerCase())).map((s: any) => s.key);
      assert.deepEqual(lines(history.messages), [`user: keyed ${key}`, `assistant: echo: keyed ${key}`], `chat.history(${key}) reads ${history.sessionKey}; the turn was stored as ${stored}`);
    });
  }
});

describe("responses", () => {
  test("plain: resp_ id, completed, output message, usage, model echoed", async () => {
    const word = tag();
    const response = await openai.responses.create({ model: "openclaw", input: `respond ${word}` });
    assert.match(response.id, /^resp_[0-9a-f-]{36}$/);
    assert.equal(response.object, "response");
    assert.equal(response.status, "completed");
    assert.equal(response.model, "openclaw");
    assert.equal(response.output.length, 1);
    const item = response.output[0] as any;
    assert.equal(item.type, "message");
    assert.match(item.id, /^msg_/);
    assert.equal(item.role, "assistant");
    assert.deepEqual(item.content, [{ type: "output_text", text: `echo: respond ${word}` }]);
    assert.equal(item.phase, "final_answer");
    assert.equal(item.status, "completed");
    assert.equal(response.output_text, `echo: respond ${word}`, "the client's convenience text");
    const usage = response.usage!;
    assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0);
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    const fixture = fixtureFrames("v1-responses-stream.sse");
    if (fixture) {
      const completed = fixture.find((f) => f.event === "response.completed")!.data.response;
      const { output_text: _convenience, ...wire } = response as any;
      assert.deepEqual(shapeOf(wire), shapeOf(completed), "the official resource shape");
    }
  });

  test("stream: the official event sequence and shapes", async () => {
    const word = tag();
    const stream = await openai.responses.create({ model: "openclaw", input: `stream ${word}`, stream: true });
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((e) => e.type);
    assert.deepEqual(collapse(types), [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const text = `echo: stream ${word}`;
    assert.equal(events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join(""), text);
    const done = events.find((e) => e.type === "response.output_text.done");
    assert.equal(done.text, text);
    const completed = events[events.length - 1].response;
    assert.equal(completed.status, "completed");
    assert.equal(completed.id, events[0].response.id, "one response id throughout");
    assert.equal(completed.output[0].content[0].text, text);
    const itemId = events.find((e) => e.type === "response.output_item.added").item.id;
    for (const e of events.filter((x) => "item_id" in x)) assert.equal(e.item_id, itemId);

    const fixture = fixtureFrames("v1-responses-stream.sse");
    if (fixture) {
      const official = fixture.filter((f) => f.data !== "[DONE]");
      assert.deepEqual(collapse(types), collapse(official.map((f) => f.event!)), "the official sequence");
      for (const f of official) {
        const ours = events.find((e) => e.type === f.event);
        assert.deepEqual(shapeOf(ours), shapeOf(f.data), `shape of ${f.event}`);
      }
      const raw = await openai.responses.create({ model: "openclaw", input: `raw ${word}`, stream: true }).asResponse();
      const frames = parseSse(await raw.text());
      assert.equal(frames[frames.length - 1].data, "[DONE]");
      assert.equal(frames[frames.length - 1].event, undefined, "[DONE] has no event line, as in the fixture");
      assert.ok(frames.slice(0, -1).every((f) => f.event === (f.data as any).type), "event: names the data's type");
    }
  });

  test("previous_response_id continues the same session", async () => {
    const word = tag();
    const first = await openai.responses.create({ model: "openclaw", input: `remember ${word}` });
    const second = await openai.responses.create({ model: "openclaw", input: `recall ${word}`, previous_response_id: first.id });
    assert.equal(second.output_text, `echo: recall ${word}`);
    assert.notEqual(second.id, first.id);
    const [call] = callsWith(standIn, `recall ${word}`);
    assert.deepEqual(
      lines(conversationOf(call)),
      [`user: remember ${word}`, `assistant: echo: remember ${word}`, `user: recall ${word}`],
      "the second model call carries the first exchange",
    );

    await openai.responses.create({ model: "openclaw", input: `fresh ${word}` });
    const [fresh] = callsWith(standIn, `fresh ${word}`);
    assert.deepEqual(lines(conversationOf(fresh)), [`user: fresh ${word}`], "without it, a new session");
  });

  test("`user` -> session agent:main:openresponses-user:<user>", async () => {
    const word = tag();
    const user = `resp-${word}`;
    await openai.responses.create({ model: "openclaw", input: `hi ${word}`, user });
    const history = await historyOf(`agent:main:openresponses-user:${user}`);
    assert.deepEqual(lines(history.messages), [`user: hi ${word}`, `assistant: echo: hi ${word}`]);
  });
});

describe("embeddings", () => {
  test("embeddings.create goes to the configured memorySearch provider and returns its vectors", async () => {
    const word = tag();
    const inputs = [`alpha ${word}`, `beta ${word}`];
    // The client asks for base64 by default and decodes it, so this also checks the float32 encoding.
    const result = await openai.embeddings.create({ model: "openclaw", input: inputs });
    assert.equal(result.object, "list");
    assert.equal(result.model, "openclaw", "the request's model is echoed");
    assert.equal(result.data.length, 2);
    const upstream = standIn.requests.filter((r) => r.path === "/v1/embeddings" && JSON.stringify(r.body).includes(word));
    assert.equal(upstream.length, 1, "one upstream embeddings call");
    assert.equal((upstream[0].body as any).model, "embed-1");
    const direct = await fetch(`${standIn.url}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "embed-1", input: inputs }) });
    const expected = (await direct.json()) as { data: Array<{ embedding: number[] }> };
    result.data.forEach((d, i) => {
      assert.equal(d.object, "embedding");
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, expected.data[i].embedding.length, "the stand-in's dimension");
      d.embedding.forEach((v, j) => assert.ok(Math.abs(v - expected.data[i].embedding[j]) < 1e-6, `component ${j} of vector ${i}`));
    });
    assert.equal(typeof result.usage.prompt_tokens, "number");
    assert.equal(typeof result.usage.total_tokens, "number");

    const floats = await openai.embeddings.create({ model: "openclaw", input: `gamma ${word}`, encoding_format: "float", dimensions: 16 });
    assert.equal(floats.data[0].embedding.length, 16, "dimensions is passed through");
  });
});

describe("auth", () => {
  test("a wrong key -> AuthenticationError 401 with the official body", async () => {
    const wrong = new OpenAI({ baseURL: `${gw.httpUrl}/v1`, apiKey: "not-the-token", maxRetries: 0 });
    const err = await rejectsWith(() => wrong.models.list(), OpenAI.AuthenticationError);
    assert.equal(err.status, 401);
    const official = officialFixture("v1-models-noauth.txt");
    const expected = official ? JSON.parse(official.slice(official.indexOf("\n\n") + 2)) : { error: { message: "Unauthorized", type: "unauthorized" } };
    assert.deepEqual({ error: err.error }, expected);
    assert.equal(err.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(err.headers.get("x-content-type-options"), "nosniff");
    assert.equal(err.headers.get("referrer-policy"), "no-referrer");
    await openai.models.list(); // the right key resets the failure count (and its loopback delay)
    const chat = await rejectsWith(() => wrong.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "x" }] }), OpenAI.AuthenticationError);
    assert.deepEqual({ error: chat.error }, expected);
  });

  test("repeated wrong keys from loopback never lock out the right key", async () => {
    await openai.models.list(); // a success resets the count, so the delays below stay short
    const wrong = new OpenAI({ baseURL: `${gw.httpUrl}/v1`, apiKey: "still-wrong", maxRetries: 0 });
    // gateway.auth.rateLimit.maxAttempts is 1 here: two failures would lock out a remote client.
    const failures = await Promise.all([1, 2].map(() => rejectsWith(() => wrong.models.list(), OpenAI.APIError)));
    assert.deepEqual(failures.map((e) => e.status), [401, 401], "loopback is slowed down, never told 429");
    const page = await openai.models.list();
    assert.equal(page.data[0].id, "openclaw");
    const reply = await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "after the failures" }] });
    assert.equal(reply.choices[0].message.content, "echo: after the failures");
  });
});

describe("limits and routing", () => {
  test("an oversized body -> 413 Payload too large", async () => {
    const big = "x".repeat(5 * 1024 * 1024 + 16);
    const err = await rejectsWith(() => openai.embeddings.create({ model: "openclaw", input: big }), OpenAI.APIError);
    assert.equal(err.status, 413);
    assert.deepEqual(err.error, { message: "Payload too large", type: "invalid_request_error" });

    // A declared length over the 20 MB cap is refused before any of the body is read.
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gw.httpUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", "content-length": String(20 * 1024 * 1024 + 1) },
      });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    assert.equal(status.status, 413);
    assert.deepEqual(JSON.parse(status.body), { error: { message: "Payload too large", type: "invalid_request_error" } });
    const after = await openai.models.list();
    assert.equal(after.data.length, 3, "the gateway still serves");
  });

  test("disabled endpoints -> 404 text/plain Not Found", async () => {
    const extra: TestGateway[] = [];
    try {
      const chatOnly = await startTestGateway(configFor({ chatCompletions: { enabled: true } }));
      const responsesOnly = await startTestGateway(configFor({ responses: { enabled: true } }));
      const none = await startTestGateway(configFor({}));
      extra.push(chatOnly, responsesOnly, none);
      const clientOf = (g: TestGateway) => new OpenAI({ baseURL: `${g.httpUrl}/v1`, apiKey: TEST_TOKEN, maxRetries: 0 });
      const plain = async (g: TestGateway, path: string, method = "POST") => {
        const res = await fetch(g.httpUrl + path, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
        assert.equal(res.status, 404, `${path} on a gateway without it`);
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
        assert.equal(await res.text(), "Not Found");
      };

      await rejectsWith(() => clientOf(chatOnly).responses.create({ model: "openclaw", input: "x" }), OpenAI.NotFoundError);
      await plain(chatOnly, "/v1/responses");
      assert.equal((await clientOf(chatOnly).models.list()).data.length, 3, "models are served with either flag");
      assert.equal((await clientOf(chatOnly).chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "on" }] })).choices[0].message.content, "echo: on");

      await rejectsWith(() => clientOf(responsesOnly).chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: "x" }] }), OpenAI.NotFoundError);
      await plain(responsesOnly, "/v1/chat/completions");
      assert.equal((await clientOf(responsesOnly).embeddings.create({ model: "openclaw", input: "on" })).data.length, 1, "embeddings are served with either flag");

      await rejectsWith(() => clientOf(none).models.list(), OpenAI.NotFoundError);
      await plain(none, "/v1/models", "GET");
      await plain(none, "/v1/embeddings");
      await plain(none, "/v1/chat/completions");
      await plain(none, "/v1/responses");
    } finally {
      await Promise.all(extra.map((g) => g.stop()));
    }
  });
});

describe("provider failures", () => {
  test("a provider that always fails -> 502 OpenAI-style error (whole and streamed) without the provider's key", async () => {
    const word = tag();
    const messages = (text: string) => [{ role: "user" as const, content: `MARK:always500 ${text} ${word}` }];
    // Both at once: each run retries the provider with backoff before it gives up.
    const [err, streamed] = await Promise.all([
      rejectsWith(() => openai.chat.completions.create({ model: "openclaw", messages: messages("whole") }), OpenAI.InternalServerError),
      openai.chat.completions.create({ model: "openclaw", messages: messages("streamed"), stream: true }).asResponse(),
    ]);
    assert.equal(err.status, 502, "server_error maps to 502");
    assert.deepEqual(err.error, { message: "upstream provider error", type: "api_error" });
    assert.ok(callsWith(standIn, `whole ${word}`).length >= 1, "the provider was really called");
    assert.ok(!JSON.stringify(err.error).includes(MOCK_KEY) && !err.message.includes(MOCK_KEY), "no provider key in the answer");

    assert.equal(streamed.status, 200, "a stream has started before the run fails");
    const text = await streamed.text();
    assert.ok(!text.includes(MOCK_KEY), "no provider key in the stream");
    const frames = parseSse(text);
    assert.equal(frames[frames.length - 1].data, "[DONE]");
    const error = frames.find((f) => typeof f.data === "object" && (f.data as any).error);
    assert.ok(error, `an error frame: ${text}`);
    assert.deepEqual((error.data as any).error, { message: "upstream provider error", type: "api_error" });
  });

  test("a provider that rejects its key and echoes it -> the key is scrubbed from the answer", async () => {
    const word = tag();
    const headers = { "x-openclaw-model": "locked/echo" };
    const err = await rejectsWith(
      () => openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `let me in ${word}` }] }, { headers }),
      OpenAI.APIError,
    );
    const [call] = locked.requests.filter((r) => JSON.stringify(r.body).includes(word));
    assert.ok(call, "the locked provider was called");
    assert.ok(JSON.stringify(call.headers).includes(LOCKED_KEY), "the key was really sent upstream (and echoed back)");
    assert.equal(err.status, 401, "the provider's 401 is passed on");
    assert.equal((err.error as any).type, "authentication_error");
    assert.match((err.error as any).message, /Incorrect API key provided/, "the provider's own text, scrubbed");
    assert.ok(!JSON.stringify(err.error).includes(LOCKED_KEY), `no provider key in ${JSON.stringify(err.error)}`);

    const resp = await rejectsWith(() => openai.responses.create({ model: "openclaw", input: `let me in too ${word}` }, { headers }), OpenAI.APIError);
    assert.ok(!JSON.stringify(resp.error ?? {}).includes(LOCKED_KEY) && !resp.message.includes(LOCKED_KEY), "no provider key in the failed response");
  });
});

describe("client abort", () => {
  test("aborting a streaming request aborts the run; partial text is kept; the gateway keeps serving", async () => {
    const word = tag();
    const key = `agent:main:e2e-abort-${word}`;
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "openclaw", messages: [{ role: "user", content: `MARK:slow:200 MARK:long ${word}` }], stream: true },
      { signal: controller.signal, headers: { "x-openclaw-session-key": key } },
    );
    let received = "";
    let abortedAt = 0;
    try {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ?? "";
        if (received && !abortedAt) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    } catch (err) {
      assert.ok(err instanceof OpenAI.APIUserAbortError || (err as Error).name === "AbortError", `aborted: ${String(err)}`);
    }
    assert.ok(abortedAt > 0, "a content chunk arrived before the abort");
    assert.ok(received.startsWith("Paragraph 1."), received);

    const [call] = callsWith(standIn, word);
    assert.ok(call, "the run reached the provider");
    await standIn.waitFor(() => call.clientClosedEarly, 1000);
    assert.ok(Date.now() - abortedAt < 1000, "the upstream request was closed within a second");

    let history: any;
    const deadline = Date.now() + 2000;
    for (;;) {
      history = await historyOf(key);
      if (history.messages.some((m: any) => m.role === "assistant") && !history.sessionInfo?.hasActiveRun) break;
      if (Date.now() > deadline) assert.fail(`the run did not end: ${JSON.stringify(history)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const partial = history.messages.find((m: any) => m.role === "assistant");
    assert.equal(partial.stopReason, "aborted", JSON.stringify(partial));
    assert.equal(partial.aborted, true);
    const text = contentText(partial.content);
    assert.ok(text.startsWith("Paragraph 1."), text.slice(0, 80));
    assert.ok(!text.includes("Paragraph 10."), "only part of the long answer was produced");
    assert.equal(history.sessionInfo.abortedLastRun, true);

    const next = await openai.chat.completions.create({ model: "openclaw", messages: [{ role: "user", content: `still there ${word}` }] }, { headers: { "x-openclaw-session-key": key } });
    assert.equal(next.choices[0].message.content, `echo: still there ${word}`, "the gateway keeps serving the same session");
    assert.equal((await openai.models.list()).data.length, 3);
  });

  test("a client that gives up on a non-streaming request also aborts its run", async () => {
    const word = tag();
    const key = `agent:main:e2e-gone-${word}`;
    const controller = new AbortController();
    const pending = openai.chat.completions.create(
      { model: "openclaw", messages: [{ role: "user", content: `MARK:slow:200 MARK:long ${word}` }] },
      { signal: controller.signal, headers: { "x-openclaw-session-key": key } },
    );
    await standIn.waitFor(() => callsWith(standIn, word).length > 0, 2000);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await rejectsWith(() => pending, OpenAI.APIUserAbortError);
    const [call] = callsWith(standIn, word);
    await standIn.waitFor(() => call.clientClosedEarly, 1000);
    let history: any;
    const deadline = Date.now() + 2000;
    do {
      history = await historyOf(key);
      if (Date.now() > deadline) assert.fail(`the run did not end: ${JSON.stringify(history)}`);
    } while (!history.messages.some((m: any) => m.role === "assistant"));
    const partial = history.messages.find((m: any) => m.role === "assistant");
    assert.equal(partial.stopReason, "aborted");
    assert.ok(!contentText(partial.content).includes("Paragraph 10."), "the answer was cut short");
  });
});
