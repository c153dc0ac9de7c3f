import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { GatewayError } from "../../protocol/errors.js";
import { startTestServer, TEST_TOKEN, testGateway } from "../test-helpers.js";
import { base64Float32 } from "./embeddings.js";

async function withClient(run: (client: OpenAI, gateway: ReturnType<typeof testGateway>, baseUrl: string) => Promise<void>): Promise<void> {
  const gateway = testGateway();
  const server = await startTestServer(gateway.context);
  try {
    await run(new OpenAI({ apiKey: TEST_TOKEN, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 }), gateway, server.baseUrl);
  } finally {
    await server.close();
  }
}

test("base64 embeddings are float32 little-endian", () => {
  const bytes = Buffer.from(base64Float32([1, -2.5]), "base64");
  assert.equal(bytes.length, 8);
  assert.equal(bytes.readFloatLE(0), 1);
  assert.equal(bytes.readFloatLE(4), -2.5);
});

test("the openai client's embeddings (base64 by default) decode to the agent's vectors", async () => {
  await withClient(async (client, gateway) => {
    const result = await client.embeddings.create({ model: "openclaw/ops", input: ["abc", "de"] });
    assert.equal(result.model, "openclaw/ops");
    assert.deepEqual(result.data.map((d) => [d.index, d.embedding]), [[0, [3, 0.5, -1.25]], [1, [2, 1.5, -1.25]]]);
    assert.deepEqual(gateway.agents.embedded[0], { agentId: "ops", model: undefined, input: ["abc", "de"], dimensions: undefined });
    const floats = await client.embeddings.create({ model: "openclaw", input: "x", encoding_format: "float", dimensions: 3 });
    assert.deepEqual(floats.data[0].embedding, [1, 0.5, -1.25]);
    assert.equal(gateway.agents.embedded[1].dimensions, 3);
  });
});

test("embedding limits and model targets are checked before the provider is called", async () => {
  await withClient(async (client, gateway) => {
    const bad = async (body: Record<string, unknown>) => {
      await assert.rejects(client.embeddings.create(body as never), (err: unknown) => err instanceof OpenAI.BadRequestError);
    };
    await bad({ model: "text-embedding-3-small", input: "x" });
    await bad({ model: "openclaw", input: Array.from({ length: 129 }, () => "x") });
    await bad({ model: "openclaw", input: [""] });
    await bad({ model: "openclaw", input: "x".repeat(8193) });
    await bad({ model: "openclaw", input: Array.from({ length: 9 }, () => "x".repeat(8000)) });
    assert.equal(gateway.agents.embedded.length, 0);
  });
});

test("a provider failure is a 500 api_error; an invalid provider choice is a 400", async () => {
  await withClient(async (client, gateway) => {
    gateway.agents.embedError = new Error("provider down");
    await assert.rejects(client.embeddings.create({ model: "openclaw", input: "x" }), (err: unknown) => err instanceof OpenAI.InternalServerError && err.type === "api_error");
    gateway.agents.embedError = new GatewayError({ code: "INVALID_REQUEST", message: "This agent does not allow that embedding provider on `/v1/embeddings`." });
    await assert.rejects(client.embeddings.create({ model: "openclaw", input: "x" }), (err: unknown) => err instanceof OpenAI.BadRequestError);
  });
});
