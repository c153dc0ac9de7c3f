import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startProviderStandIn, type ProviderStandIn } from "../../../test/stand-ins/provider-stand-in.js";

let standIn: ProviderStandIn;

before(async () => {
  standIn = await startProviderStandIn({ models: ["echo", "tiny"] });
});
after(() => standIn.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${standIn.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test("non-streaming replies parse with the official SDKs", async () => {
  const { default: OpenAI } = await import("openai");
  const openai = new OpenAI({ apiKey: "k", baseURL: `${standIn.url}/v1`, maxRetries: 0 });
  const completion = await openai.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "plain reply" }] });
  assert.equal(completion.choices[0].message.content, "echo: plain reply");
  assert.equal(completion.choices[0].finish_reason, "stop");
  const response = await openai.responses.create({ model: "echo", input: "responses reply" });
  assert.equal(response.output_text, "echo: responses reply");

  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const anthropic = new Anthropic({ apiKey: "k", baseURL: standIn.url, maxRetries: 0, openTelemetry: false });
  const message = await anthropic.messages.create({ model: "claude", max_tokens: 100, messages: [{ role: "user", content: "MARK:tool:get {\"id\":2}" }] });
  assert.equal(message.stop_reason, "tool_use");
  const block = message.content[0];
  assert.ok(block.type === "tool_use");
  assert.deepEqual(block.type === "tool_use" && block.input, { id: 2 });
});

test("bad input gets a provider-style 400, unknown routes a 404, and the server keeps serving", async () => {
  const bad = await post("/v1/chat/completions", "{not json");
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.type, "invalid_request_error");
  const noMessages = await post("/v1/chat/completions", { model: "echo", messages: [] });
  assert.equal(noMessages.status, 400);
  const noMaxTokens = await post("/v1/messages", { model: "claude", messages: [{ role: "user", content: "hi" }] });
  assert.equal(noMaxTokens.status, 400);
  assert.equal(noMaxTokens.json.type, "error");
  assert.equal(noMaxTokens.json.error.type, "invalid_request_error");
  const missing = await post("/v1/nothing", {});
  assert.equal(missing.status, 404);
  const alive = await post("/api/chat", { model: "m", stream: false, messages: [{ role: "user", content: "still here" }] });
  assert.equal(alive.json.message.content, "echo: still here");
});

test("model lists, tool-result replies and base64 embeddings", async () => {
  const models = (await (await fetch(`${standIn.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
  assert.deepEqual(models.data.map((m) => m.id), ["echo", "tiny"]);
  const tags = (await (await fetch(`${standIn.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
  assert.deepEqual(tags.models.map((m) => m.name), ["echo", "tiny"]);

  const afterTool = await post("/v1/chat/completions", {
    model: "echo",
    messages: [
      { role: "user", content: "MARK:tool" },
      { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "t", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c", content: "sunny" },
    ],
  });
  assert.equal(afterTool.json.choices[0].message.content, "tool result: sunny");

  const floats = await post("/v1/embeddings", { model: "e", input: "same text", dimensions: 4 });
  const packed = await post("/v1/embeddings", { model: "e", input: "same text", dimensions: 4, encoding_format: "base64" });
  const bytes = Buffer.from(packed.json.data[0].embedding, "base64");
  const decoded = Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
  assert.equal(decoded.length, 4);
  decoded.forEach((v, i) => assert.ok(Math.abs(v - floats.json.data[0].embedding[i]) < 1e-6));
});

test("a required key is enforced and the recorded request keeps the headers", async () => {
  const guarded = await startProviderStandIn({ apiKey: "sk-guard-123456" });
  try {
    const res = await fetch(`${guarded.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer nope" }, body: "{}" });
    assert.equal(res.status, 401);
    const ok = await fetch(`${guarded.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "sk-guard-123456", "content-type": "application/json" },
      body: JSON.stringify({ model: "c", max_tokens: 5, messages: [{ role: "user", content: "ok" }] }),
    });
    assert.equal(ok.status, 200);
    assert.equal(guarded.requests.at(-1)?.headers["x-api-key"], "sk-guard-123456");
  } finally {
    await guarded.close();
  }
});

test("runs standalone and prints its port", async () => {
  const script = fileURLToPath(new URL("../../../test/stand-ins/provider-stand-in.js", import.meta.url));
  const child = spawn(process.execPath, [script, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [chunk] = (await once(child.stdout, "data")) as [Buffer];
    const { port } = JSON.parse(chunk.toString().trim()) as { port: number };
    assert.ok(port > 0);
    const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
    assert.equal(res.status, 200);
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
});
