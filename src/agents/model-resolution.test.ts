import { test } from "node:test";
import assert from "node:assert/strict";
import { startProviderStandIn } from "../../test/stand-ins/provider-stand-in.js";
import { resolveAgentsConfig } from "./agent-config.js";
import { resolveModelChain } from "./model-resolution.js";
import type { GatewayConfig } from "../config/schema.js";

const closed = { OLLAMA_HOST: "http://127.0.0.1:9", LMSTUDIO_BASE_URL: "http://127.0.0.1:9/v1" };

function resolve(config: GatewayConfig, env: Record<string, string>) {
  const agent = resolveAgentsConfig(config, "/state", "/home").agents[0];
  return resolveModelChain({ agent, config, env, configPath: "/state/openclaw.json" });
}

test("with nothing configured the answer says what to configure", async () => {
  const result = await resolve({}, closed);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.message : "", /OPENAI_API_KEY.*Ollama.*models\.providers.*\/state\/openclaw\.json/s);
});

test("an API key in the environment is enough", async () => {
  const result = await resolve({}, { ...closed, ANTHROPIC_API_KEY: "sk-ant-x" });
  assert.ok(result.ok);
  assert.equal(result.chain[0].ref, "anthropic/claude-sonnet-4-5");
  assert.equal(result.chain[0].provider.config.apiKey, "sk-ant-x");
  assert.equal(result.chain[0].provider.source, "env");
});

test("a local Ollama is found by asking it for its models", async () => {
  const standIn = await startProviderStandIn({ models: ["llama-local"] });
  try {
    const result = await resolve({}, { OLLAMA_HOST: standIn.url, LMSTUDIO_BASE_URL: "http://127.0.0.1:9/v1" });
    assert.ok(result.ok);
    assert.equal(result.chain[0].ref, "ollama/llama-local");
    assert.equal(result.chain[0].provider.config.api, "ollama");
    assert.equal(result.chain[0].provider.config.local, true);
  } finally {
    await standIn.close();
  }
});

test("primary and fallbacks keep their order; a configured provider is not probed for", async () => {
  const config = {
    agents: { defaults: { model: { primary: "a/one", fallbacks: ["b/two", "a/one"] } } },
    models: { providers: { a: { baseUrl: "http://127.0.0.1:1/v1" }, b: { baseUrl: "http://127.0.0.1:2", api: "ollama", models: [{ id: "two", contextWindow: 4000 }] } } },
  } as GatewayConfig;
  const result = await resolve(config, closed);
  assert.ok(result.ok);
  assert.deepEqual(result.chain.map((c) => c.ref), ["a/one", "b/two"]);
  assert.equal(result.chain[1].contextWindow, 4000);
});

test("an unknown provider or a cloud provider without key is named in the error", async () => {
  const unknown = await resolve({ agents: { defaults: { model: "nope/x" } } } as GatewayConfig, closed);
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.message : "", /unknown model provider "nope"/);
  const keyless = await resolve({ agents: { defaults: { model: "openai/gpt-x" } } } as GatewayConfig, closed);
  assert.match(!keyless.ok ? keyless.message : "", /OPENAI_API_KEY/);
});

test("models.mode replace ignores environment keys", async () => {
  const result = await resolve({ models: { mode: "replace" } } as GatewayConfig, { ...closed, OPENAI_API_KEY: "sk-x" });
  assert.equal(result.ok, false);
});
