import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { INVALID_MODEL_MESSAGE, parseModelTarget, selectAgent } from "./model-target.js";

const agents = { defaultAgentId: () => "main", hasAgent: (id: string) => id === "main" || id === "ops" };
const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;

test("openclaw and openclaw/default name the default agent, in any case", () => {
  for (const model of ["openclaw", "OpenClaw", "openclaw/default", "OPENCLAW/DEFAULT"]) {
    assert.deepEqual(parseModelTarget(model), { kind: "default" }, model);
  }
});

test("openclaw/<id>, openclaw:<id> and agent:<id> name one agent, lowercased", () => {
  assert.deepEqual(parseModelTarget("openclaw/ops"), { kind: "agent", agentId: "ops" });
  assert.deepEqual(parseModelTarget("openclaw:Ops"), { kind: "agent", agentId: "ops" });
  assert.deepEqual(parseModelTarget("agent:my_agent-2"), { kind: "agent", agentId: "my_agent-2" });
});

test("provider model ids and malformed agent ids are not targets", () => {
  for (const model of ["gpt-4o", "openai/gpt-4o", "openclaw/", "openclaw/-x", "openclaw/a b", "agent:", `openclaw/${"a".repeat(65)}`, "openclawx"]) {
    assert.equal(parseModelTarget(model), null, model);
  }
  assert.ok(parseModelTarget(`openclaw/${"a".repeat(64)}`));
});

test("selectAgent reports the exact invalid-model and unknown-agent messages", () => {
  assert.deepEqual(selectAgent(agents, "gpt-4o", request()), { ok: false, message: INVALID_MODEL_MESSAGE });
  assert.equal(INVALID_MODEL_MESSAGE, "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.");
  assert.deepEqual(selectAgent(agents, "openclaw/nope", request()), { ok: false, message: "Unknown agent 'nope'." });
  assert.deepEqual(selectAgent(agents, "openclaw", request()), { ok: true, agentId: "main" });
  assert.deepEqual(selectAgent(agents, "agent:ops", request()), { ok: true, agentId: "ops" });
});

test("x-openclaw-agent-id (or x-openclaw-agent) overrides the model's agent and must be known", () => {
  assert.deepEqual(selectAgent(agents, "openclaw", request({ "x-openclaw-agent-id": "OPS" })), { ok: true, agentId: "ops" });
  assert.deepEqual(selectAgent(agents, "openclaw/main", request({ "x-openclaw-agent": "ops" })), { ok: true, agentId: "ops" });
  assert.deepEqual(selectAgent(agents, "openclaw", request({ "x-openclaw-agent-id": "ghost" })), { ok: false, message: "Unknown agent 'ghost'." });
});
