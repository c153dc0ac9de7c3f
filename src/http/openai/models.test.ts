import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { officialFixture, startTestServer, TEST_TOKEN, testGateway } from "../test-helpers.js";

test("models.list through the openai client matches the official answer", async () => {
  const gateway = testGateway();
  gateway.agents.ids = ["main"];
  const server = await startTestServer(gateway.context);
  try {
    const client = new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ["openclaw", "openclaw/default", "openclaw/main"]);
    const raw = await (await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    const fixture = officialFixture("v1-models.json");
    if (fixture) assert.equal(raw, fixture.trim());
  } finally {
    await server.close();
  }
});

test("a wrong key is an AuthenticationError", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    const client = new OpenAI({ apiKey: "wrong", baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    await assert.rejects(client.models.list(), (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401);
  } finally {
    await server.close();
  }
});

test("model detail: decoded ids, the listed ones only, with the documented errors", async () => {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    const client = new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    assert.deepEqual(await client.models.retrieve("openclaw/ops"), { id: "openclaw/ops", object: "model", created: 0, owned_by: "openclaw", permission: [] });
    const get = async (path: string) => {
      const res = await fetch(`${server.baseUrl}/v1/models/${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      return { status: res.status, body: (await res.json()) as { id?: string; error?: { message: string; type: string } } };
    };
    assert.equal((await get("openclaw%2Fdefault")).body.id, "openclaw/default");
    assert.deepEqual(await get(""), { status: 400, body: { error: { message: "Missing model id.", type: "invalid_request_error" } } });
    assert.deepEqual(await get("%E0%A4%A"), { status: 400, body: { error: { message: "Invalid model id encoding.", type: "invalid_request_error" } } });
    assert.deepEqual(await get("gpt-4o"), { status: 400, body: { error: { message: "Invalid model id.", type: "invalid_request_error" } } });
    assert.deepEqual(await get("openclaw%2Fghost"), { status: 404, body: { error: { message: "Model 'openclaw/ghost' not found.", type: "invalid_request_error" } } });
    assert.equal((await get("openclaw:main")).status, 404, "accepted syntax, but not a listed id");
  } finally {
    await server.close();
  }
});
