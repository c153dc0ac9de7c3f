import { test } from "node:test";
import assert from "node:assert/strict";
import { chatStreamParams, responsesStreamParams } from "./sampling.js";

test("chat sampling fields become stream params; max_completion_tokens wins over max_tokens", () => {
  const parsed = chatStreamParams({ max_tokens: 10, max_completion_tokens: 20, temperature: 0.5, top_p: 1, seed: 7, stop: "END", frequency_penalty: -2, response_format: { type: "json_object" } });
  assert.deepEqual(parsed, {
    ok: true,
    value: { maxTokens: 20, temperature: 0.5, topP: 1, frequencyPenalty: -2, seed: 7, stop: ["END"], responseFormat: { type: "json_object" } },
  });
  assert.deepEqual(chatStreamParams({}), { ok: true, value: {} });
});

test("out-of-range and malformed fields give the documented messages", () => {
  assert.deepEqual(chatStreamParams({ temperature: 2.5 }), { ok: false, message: "`temperature` must be between 0 and 2." });
  assert.deepEqual(chatStreamParams({ top_p: -0.1 }), { ok: false, message: "`top_p` must be between 0 and 1." });
  assert.deepEqual(chatStreamParams({ presence_penalty: 3 }), { ok: false, message: "`presence_penalty` must be between -2 and 2." });
  assert.deepEqual(chatStreamParams({ max_tokens: 0 }), { ok: false, message: "`max_tokens` must be a positive integer." });
  assert.deepEqual(chatStreamParams({ seed: 1.5 }), { ok: false, message: "`seed` must be an integer." });
  assert.deepEqual(chatStreamParams({ stop: ["a", "b", "c", "d", "e"] }), { ok: false, message: "Invalid stop: stop supports at most 4 sequences" });
  assert.equal(chatStreamParams({ stop: [""] }).ok, false);
  assert.deepEqual(chatStreamParams({ temperature: "hot" }), { ok: false, message: "temperature: Expected number, received string" });
  assert.equal(chatStreamParams({ response_format: { type: "xml" } }).ok, false);
});

test("Responses takes max_output_tokens, temperature and top_p", () => {
  assert.deepEqual(responsesStreamParams({ max_output_tokens: 64, temperature: 0 }), { ok: true, value: { maxTokens: 64, temperature: 0 } });
  assert.equal(responsesStreamParams({ temperature: 3 }).ok, false);
});
