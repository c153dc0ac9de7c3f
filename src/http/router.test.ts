import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../config/schema.js";
import { startTestServer, TEST_TOKEN, testGateway } from "./test-helpers.js";

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

async function status(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

const chatPost = { method: "POST", body: JSON.stringify({ model: "openclaw", messages: [{ role: "user", content: "hi" }] }) };
const responsesPost = { method: "POST", body: JSON.stringify({ model: "openclaw", input: "hi" }) };

test("with both endpoints off, every /v1 route is a plain-text 404", async () => {
  const gateway = testGateway({});
  const server = await startTestServer(gateway.context);
  try {
    for (const path of ["/v1/models", "/v1/models/openclaw", "/v1/embeddings", "/v1/chat/completions", "/v1/responses", "/nope"]) {
      const answer = await status(`${server.baseUrl}${path}`, path === "/v1/models" ? {} : path === "/v1/responses" ? responsesPost : chatPost);
      assert.deepEqual(answer, { status: 404, type: "text/plain; charset=utf-8", body: "Not Found" }, path);
    }
    assert.equal((await status(`${server.baseUrl}/healthz`)).status, 200, "probes come first");
  } finally {
    await server.close();
  }
});

test("each flag turns on its own route plus models and embeddings, read live per request", async () => {
  const gateway = testGateway({ gateway: { http: { endpoints: { responses: { enabled: true } } } } });
  const server = await startTestServer(gateway.context);
  try {
    assert.equal((await status(`${server.baseUrl}/v1/models`)).status, 200);
    assert.equal((await status(`${server.baseUrl}/v1/responses`, responsesPost)).status, 200);
    assert.equal((await status(`${server.baseUrl}/v1/chat/completions`, chatPost)).status, 404);
    gateway.setConfig({ gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } } });
    assert.equal((await status(`${server.baseUrl}/v1/chat/completions`, chatPost)).status, 200);
    assert.equal((await status(`${server.baseUrl}/v1/responses`, responsesPost)).status, 404);
    assert.equal((await status(`${server.baseUrl}/v1/embeddings`, { method: "POST", body: '{"model":"openclaw","input":"x"}' })).status, 200);
  } finally {
    await server.close();
  }
});

test("wrong methods are 405 with Allow", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    const res = await fetch(`${server.baseUrl}/v1/chat/completions`, { headers: auth });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST");
    assert.equal(await res.text(), "Method Not Allowed");
    const models = await fetch(`${server.baseUrl}/v1/models`, { method: "POST", headers: auth });
    assert.equal(models.status, 405);
    assert.equal(models.headers.get("allow"), "GET");
  } finally {
    await server.close();
  }
});

test("a handler that throws answers 500 text and the server keeps serving", async () => {
  const gateway = testGateway();
  gateway.agents.agentIds = () => {
    throw new Error("boom");
  };
  const server = await startTestServer(gateway.context);
  try {
    assert.deepEqual(await status(`${server.baseUrl}/v1/models`), { status: 500, type: "text/plain; charset=utf-8", body: "Internal Server Error" });
    assert.equal((await status(`${server.baseUrl}/healthz`)).status, 200);
    assert.equal(gateway.context.activeRequests, 0);
  } finally {
    await server.close();
  }
});

test("security headers on every answer, HSTS only when configured", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    const res = await fetch(`${server.baseUrl}/v1/nope`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("permissions-policy"), "camera=(), microphone=(self), geolocation=()");
    assert.equal(res.headers.get("strict-transport-security"), null);
    gateway.setConfig({ gateway: { http: { securityHeaders: { strictTransportSecurity: "max-age=63072000" } } } });
    const withHsts = await fetch(`${server.baseUrl}/healthz`);
    assert.equal(withHsts.headers.get("strict-transport-security"), "max-age=63072000");
  } finally {
    await server.close();
  }
});

test("while draining, API routes answer 503 gateway_unavailable with Retry-After", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    gateway.setPhase("draining");
    const res = await fetch(`${server.baseUrl}/v1/models`, { headers: auth });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "gateway_unavailable");
  } finally {
    await server.close();
  }
});

test("the config schema types the endpoint flags and keeps other keys open", () => {
  assert.deepEqual(validateConfig({ gateway: { http: { endpoints: { chatCompletions: { enabled: true, images: { allowUrl: true } }, responses: { enabled: false, maxUrlParts: 4 } } } } }), []);
  assert.deepEqual(validateConfig({ gateway: { http: { endpoints: { responses: { enabled: true, files: { maxBytes: 1 } }, other: {} }, custom: 1 } } }), []);
  const issues = validateConfig({ gateway: { http: { endpoints: { chatCompletions: { enabled: "yes" } } } } });
  assert.equal(issues[0]?.path, "gateway.http.endpoints.chatCompletions.enabled");
});
