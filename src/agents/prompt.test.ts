import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSystemPrompt, entriesToMessages, estimateTokens, fitHistory, shrinkToolResults } from "./prompt.js";
import type { ModelMessage } from "./providers/types.js";
import type { TranscriptEntry } from "../store/types.js";

function turns(n: number, size: number): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ role: "user", content: `q${i} ${"x".repeat(size)}` });
    out.push({ role: "assistant", content: `a${i} ${"y".repeat(size)}` });
  }
  return out;
}

test("history that fits is kept whole", () => {
  const fitted = fitHistory({ system: "sys", history: turns(3, 10), current: "now", contextWindow: 10_000, reserveTokens: 1000 });
  assert.equal(fitted.dropped, 0);
  assert.equal(fitted.messages.length, 7);
  assert.deepEqual(fitted.messages.at(-1), { role: "user", content: "now" });
});

test("the oldest turns are dropped whole until the prompt fits the window", () => {
  const history = turns(50, 400);
  const fitted = fitHistory({ system: "sys", history, current: "now", contextWindow: 3000, reserveTokens: 500 });
  assert.ok(fitted.dropped > 0 && fitted.dropped < history.length);
  assert.equal(fitted.messages[0].role, "user", "never starts with a reply whose question was dropped");
  assert.ok(fitted.estimatedTokens <= 3000 - 500);
  assert.equal(fitted.messages.at(-2)?.content, history.at(-1)?.content, "the newest turn survives");
});

test("a window too small for any history still sends the current message", () => {
  const fitted = fitHistory({ system: "sys", history: turns(2, 4000), current: "now", contextWindow: 600, reserveTokens: 100 });
  assert.deepEqual(fitted.messages, [{ role: "user", content: "now" }]);
  assert.equal(fitted.dropped, 4);
});

test("tool calls without a recorded result are not replayed to the model", () => {
  const base = { sessionId: "s", parentId: null, runId: null, idempotencyKey: null, timestamp: 0 };
  const entries: TranscriptEntry[] = [
    { ...base, id: "1", seq: 1, type: "message", role: "user", text: "hi", data: {} },
    { ...base, id: "2", seq: 2, type: "message", role: "assistant", text: "calling", data: { toolCalls: [{ id: "c1", name: "f", arguments: "{}" }, { id: "c2", name: "g", arguments: "{}" }] } },
    { ...base, id: "3", seq: 3, type: "message", role: "toolResult", text: "42", data: { toolCallId: "c1" } },
    { ...base, id: "4", seq: 4, type: "abort", role: null, text: "run aborted", data: {} },
  ];
  const messages = entriesToMessages(entries);
  assert.deepEqual(messages[1], { role: "assistant", content: "calling", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] });
  assert.deepEqual(messages[2], { role: "tool", toolCallId: "c1", name: undefined, content: "42" });
  assert.equal(messages.length, 3);
});

test("the system prompt carries the workspace files, the summary and the caller's extra text", () => {
  const prompt = buildSystemPrompt({ agentName: "Molty", workspace: "/w", files: [{ name: "SOUL.md", text: "be kind", truncated: true }], compactionSummary: "we talked", extra: "answer in JSON" });
  assert.match(prompt, /You are Molty/);
  assert.match(prompt, /## SOUL\.md\nbe kind\n\[truncated\]/);
  assert.match(prompt, /Summary of the earlier conversation\nwe talked/);
  assert.match(prompt, /answer in JSON$/);
  assert.match(prompt, /untrusted/);
  assert.equal(estimateTokens("abcd".repeat(10)), 14);
});

test("shrinkToolResults shortens the oldest tool results first, and only as far as needed", () => {
  const big = "x".repeat(40_000);
  const messages: ModelMessage[] = [
    { role: "assistant", content: "", toolCalls: [{ id: "1", name: "read", arguments: "{}" }] },
    { role: "tool", toolCallId: "1", content: big },
    { role: "assistant", content: "", toolCalls: [{ id: "2", name: "read", arguments: "{}" }] },
    { role: "tool", toolCallId: "2", content: big },
  ];
  shrinkToolResults(messages, 12_000);
  assert.ok(messages[1].content.length < 3000, "the older result is shortened");
  assert.match(messages[1].content, /left out to fit the context window/);
  assert.equal(messages[3].content, big, "the newest result fits after that and stays whole");
  shrinkToolResults(messages, 100);
  assert.ok(messages[3].content.length < 3000, "under a tighter budget the newest goes too");
});
