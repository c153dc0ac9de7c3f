import { test } from "node:test";
import assert from "node:assert/strict";
import { collectSecrets, REDACTED, redactConfig, redactText } from "./redact.js";

const config = { gateway: { mode: "local", auth: { token: "tok-123456", password: "pw-abcdef" } }, models: { openai: { apiKey: "sk-xyz" } }, session: { mainKey: "main" } };

test("secret values are replaced by the sentinel, other values kept", () => {
  const out = redactConfig(config) as typeof config;
  assert.equal(out.gateway.auth.token, REDACTED);
  assert.equal(out.gateway.auth.password, REDACTED);
  assert.equal(out.models.openai.apiKey, REDACTED);
  assert.equal(out.gateway.mode, "local");
  assert.equal(out.session.mainKey, "main");
});

test("raw text is scrubbed of every collected secret", () => {
  const secrets = collectSecrets(config);
  assert.deepEqual([...secrets].sort(), ["pw-abcdef", "sk-xyz", "tok-123456"]);
  const raw = JSON.stringify(config);
  const scrubbed = redactText(raw, secrets);
  for (const s of secrets) assert.ok(!scrubbed.includes(s));
});
