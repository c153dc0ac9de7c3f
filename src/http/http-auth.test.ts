import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { AuthRateLimiter } from "../server/auth-rate-limit.js";
import { officialFixture, startTestServer, TEST_TOKEN, testGateway } from "./test-helpers.js";

function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function headerNames(raw: string[]): string[] {
  return raw.filter((_, i) => i % 2 === 0);
}

test("a request without a bearer token gets the official 401, header for header", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    const answer = await rawGet(server.baseUrl, "/v1/models");
    assert.equal(answer.status, 401);
    assert.equal(answer.body, '{"error":{"message":"Unauthorized","type":"unauthorized"}}');
    const fixture = officialFixture("v1-models-noauth.txt");
    if (fixture) {
      const [head, body] = fixture.split("\n\n");
      assert.equal(answer.body, body.trim());
      const expected = head.split("\n").slice(1).map((line) => line.slice(0, line.indexOf(":")));
      assert.deepEqual(headerNames(answer.rawHeaders), expected);
      for (const line of head.split("\n").slice(1)) {
        const [name, value] = [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)];
        if (name === "Keep-Alive") continue;
        assert.equal(answer.rawHeaders[answer.rawHeaders.indexOf(name) + 1], value, name);
      }
    }
  } finally {
    await server.close();
  }
});

test("only the Bearer scheme with the right secret passes; loopback is no exemption", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: `Basic ${TEST_TOKEN}` })).status, 401);
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: TEST_TOKEN })).status, 401);
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: `bearer ${TEST_TOKEN}` })).status, 200);
    gateway.setAuth({ mode: "password", password: "pw-1" });
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: "Bearer pw-1" })).status, 200);
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: `Bearer ${TEST_TOKEN}` })).status, 401);
    gateway.setAuth({ mode: "trusted-proxy" });
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { authorization: `Bearer ${TEST_TOKEN}` })).status, 401);
  } finally {
    await server.close();
  }
});

test("wrong secrets are rate limited with the shared-secret class: 429 rate_limited + Retry-After", async () => {
  const gateway = testGateway();
  const limiter = new AuthRateLimiter({ maxAttempts: 2, windowMs: 60_000, lockoutMs: 30_000, exemptLoopback: false });
  (gateway.context as { rateLimiter: AuthRateLimiter }).rateLimiter = limiter;
  const server = await startTestServer(gateway.context);
  try {
    const wrong = { authorization: "Bearer wrong" };
    assert.equal((await rawGet(server.baseUrl, "/v1/models")).status, 401, "a missing token does not count");
    assert.equal((await rawGet(server.baseUrl, "/v1/models", wrong)).status, 401);
    assert.equal((await rawGet(server.baseUrl, "/v1/models", wrong)).status, 401);
    const limited = await rawGet(server.baseUrl, "/v1/models", { authorization: `Bearer ${TEST_TOKEN}` });
    assert.equal(limited.status, 429);
    assert.deepEqual(JSON.parse(limited.body), { error: { message: "Too many failed authentication attempts. Please try again later.", type: "rate_limited" } });
    assert.equal(limited.rawHeaders[limited.rawHeaders.indexOf("Retry-After") + 1], "30");
    assert.ok(limiter.lockedFor("127.0.0.1", "shared-secret") > 0, "the WebSocket handshake sees the same lockout");
  } finally {
    await server.close();
  }
});

test("auth mode none admits callers, with x-openclaw-scopes narrowing what they may do", async () => {
  const gateway = testGateway(undefined, { mode: "none" });
  const server = await startTestServer(gateway.context);
  try {
    assert.equal((await rawGet(server.baseUrl, "/v1/models")).status, 200);
    const denied = await rawGet(server.baseUrl, "/v1/models", { "x-openclaw-scopes": "operator.talk" });
    assert.equal(denied.status, 403);
    assert.deepEqual(JSON.parse(denied.body), { ok: false, error: { type: "forbidden", message: "missing scope: operator.read" } });
    assert.equal((await rawGet(server.baseUrl, "/v1/models", { "x-openclaw-scopes": "operator.write" })).status, 200, "write implies read");
  } finally {
    await server.close();
  }
});

test("turn routes need chat.send's scope, and a model override needs an owner", async () => {
  const gateway = testGateway(undefined, { mode: "none" });
  const server = await startTestServer(gateway.context);
  const chat = (headers: Record<string, string>) =>
    fetch(`${server.baseUrl}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "openclaw", messages: [{ role: "user", content: "hi" }] }) });
  try {
    const readOnly = await chat({ "x-openclaw-scopes": "operator.read" });
    assert.equal(readOnly.status, 403);
    assert.deepEqual(await readOnly.json(), { ok: false, error: { type: "forbidden", message: "missing scope: operator.write" } });
    assert.equal((await chat({ "x-openclaw-scopes": "operator.sessions.write" })).status, 200);
    const notOwner = await chat({ "x-openclaw-scopes": "operator.write", "x-openclaw-model": "openai/gpt-4o" });
    assert.equal(notOwner.status, 403);
    assert.deepEqual(await notOwner.json(), { ok: false, error: { type: "forbidden", message: "missing scope: operator.admin" } });
    assert.equal((await chat({ "x-openclaw-model": "openai/gpt-4o" })).status, 200, "absent scopes header = full defaults, owner included");
    assert.equal(gateway.agents.submitted.at(-1)?.modelOverride, "openai/gpt-4o");
  } finally {
    await server.close();
  }
});
