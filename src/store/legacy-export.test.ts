import { test } from "node:test";
import assert from "node:assert/strict";
import { openAgentStore } from "./agent-store.js";
import { exportLegacyJsonl } from "./legacy-export.js";
import { message, tempStorePath } from "./test-helpers.js";

test("a session exports as a legacy JSONL transcript", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:main";
  assert.equal(exportLegacyJsonl(store, key), null);

  const user = store.appendEntry(key, message("user", "hello", { timestamp: Date.UTC(2026, 0, 2, 3, 4, 5) }));
  const reply = store.appendEntry(key, message("assistant", "hi there", { data: { content: [{ type: "text", text: "hi there" }, { type: "toolCall", id: "c1", name: "ls", arguments: {} }], provider: "openai", model: "gpt-5", stopReason: "toolUse" } }));
  store.appendEntry(key, message("toolResult", "file.txt", { data: { toolCallId: "c1", toolName: "ls", isError: false } }));
  const compaction = store.appendEntry(key, { type: "compaction", role: null, text: "They said hello.", data: { summary: "They said hello.", firstKeptEntryId: reply.id, tokensBefore: 1234 }, runId: null, idempotencyKey: null });
  store.appendEntry(key, { type: "abort", role: null, text: "Run interrupted", data: { reason: "interrupted" }, runId: "r1", idempotencyKey: null });
  store.appendEntry(key, { type: "custom", role: null, text: "", data: { customType: "model-change", provider: "anthropic" }, runId: null, idempotencyKey: null });

  const lines = exportLegacyJsonl(store, key, { cwd: "/home/me/work" })!.map((line) => JSON.parse(line));
  const { sessionId } = store.getSession(key)!;
  assert.deepEqual(lines[0], { type: "session", id: sessionId, cwd: "/home/me/work", timestamp: "2026-01-02T03:04:05.000Z" });
  assert.deepEqual(lines[1], {
    type: "message",
    id: user.id,
    parentId: null,
    timestamp: "2026-01-02T03:04:05.000Z",
    message: { role: "user", content: [{ type: "text", text: "hello" }], timestamp: user.timestamp },
  });
  assert.equal(lines[2].parentId, user.id);
  assert.deepEqual(lines[2].message.content[1], { type: "toolCall", id: "c1", name: "ls", arguments: {} });
  assert.deepEqual([lines[2].message.provider, lines[2].message.model, lines[2].message.stopReason], ["openai", "gpt-5", "toolUse"]);
  assert.deepEqual([lines[3].message.role, lines[3].message.toolCallId], ["toolResult", "c1"]);
  assert.deepEqual(lines[4], {
    type: "compaction",
    id: compaction.id,
    parentId: lines[3].id,
    timestamp: new Date(compaction.timestamp).toISOString(),
    summary: "They said hello.",
    firstKeptEntryId: reply.id,
    tokensBefore: 1234,
  });
  assert.deepEqual([lines[5].type, lines[5].customType, lines[5].data], ["custom", "openclaw:abort", { text: "Run interrupted", reason: "interrupted" }]);
  assert.deepEqual([lines[6].type, lines[6].customType, lines[6].data], ["custom", "model-change", { provider: "anthropic" }]);
  assert.equal(lines.length, 7);
  assert.equal(exportLegacyJsonl(store, key)![0].includes("cwd"), false);
  store.close();
});

test("a long transcript is exported whole, page by page, and a reset one starts empty", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:long";
  for (let i = 1; i <= 1203; i++) store.appendEntry(key, message(i % 2 ? "user" : "assistant", `m${i}`));
  const lines = exportLegacyJsonl(store, key)!.map((line) => JSON.parse(line));
  assert.equal(lines.length, 1 + 1203);
  assert.deepEqual(lines.slice(1).map((l) => l.message.content[0].text), Array.from({ length: 1203 }, (_, i) => `m${i + 1}`));
  assert.ok(lines.slice(2).every((l, i) => l.parentId === lines[i + 1].id), "each line's parent is the line before");

  const reset = store.resetSession(key)!;
  const fresh = exportLegacyJsonl(store, key)!;
  assert.equal(fresh.length, 1);
  assert.deepEqual(JSON.parse(fresh[0]), { type: "session", id: reset.sessionId, timestamp: new Date(reset.updatedAt).toISOString() });
  store.close();
});
