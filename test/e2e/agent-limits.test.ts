/**
 * The runtime's limits and live config: the global cap on concurrent runs, the per-session queue
 * cap, and a model change applied to a running gateway without a restart.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { snapshotFromText } from "../../src/config/snapshot.js";
import { resolveServerAuth } from "../../src/server/auth.js";
import { startFileGateway } from "./harness.js";
import { callsWith, chatEnd, client, providerFor, sendChat, startStandIn, tag } from "./agent-harness.js";

const standIn = await startStandIn();
const second = await startStandIn();

function config(extra: { maxConcurrent?: number; queueCap?: number; primary?: string } = {}) {
  return {
    agents: { defaults: { model: { primary: extra.primary ?? "mock/echo" }, ...(extra.maxConcurrent ? { maxConcurrent: extra.maxConcurrent } : {}) } },
    models: { providers: { mock: providerFor(standIn), other: providerFor(second, [{ id: "echo2", contextWindow: 32000 }]) } },
    ...(extra.queueCap ? { messages: { queue: { cap: extra.queueCap } } } : {}),
  };
}

test("maxConcurrent caps runs across sessions: the second session waits for a free slot", async () => {
  const gw = await startFileGateway({ extraConfig: config({ maxConcurrent: 1 }) });
  const c = await client(gw.url);
  const word = tag("cap");
  const a = await sendChat(c, "cap-a", `first ${word} MARK:slow:120`);
  const b = await sendChat(c, "cap-b", `second ${word} MARK:slow:10`);
  assert.equal(b.ack.status, "started");
  assert.equal(b.ack.queued, true, "with one slot taken the other session's turn waits");
  const aEnd = await chatEnd(c, a.runId);
  await chatEnd(c, b.runId);
  assert.equal(aEnd.payload.state, "final");
  const calls = callsWith(standIn, word);
  assert.equal(calls.length, 2);
  assert.match(JSON.stringify(calls[0].body), /first/, "the first run reached the provider first");
  const firstEnded = c.frames.findIndex((f) => f.event === "chat" && f.payload?.runId === a.runId && f.payload?.state === "final");
  const secondStarted = c.frames.findIndex((f) => f.event === "agent" && f.payload?.runId === b.runId && f.payload?.data?.phase === "start");
  assert.ok(firstEnded >= 0 && secondStarted > firstEnded, "the second run started only after the first ended");
  await c.close();
  await gw.stop();
});

test("a session holding messages.queue.cap waiting turns refuses more with a retryable error, nothing is lost", async () => {
  const gw = await startFileGateway({ extraConfig: config({ queueCap: 2 }) });
  const c = await client(gw.url);
  const word = tag("queue");
  const active = await sendChat(c, "full", `active ${word} MARK:slow:100`);
  const waiting = [await sendChat(c, "full", `one ${word}`), await sendChat(c, "full", `two ${word}`)];
  const refused = await c.request("chat.send", { sessionKey: "full", message: `three ${word}`, idempotencyKey: randomUUID() });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, "UNAVAILABLE");
  assert.equal(refused.error.retryable, true);
  assert.match(refused.error.message, /already has 2 messages waiting/);
  for (const { runId } of [active, ...waiting]) assert.equal((await chatEnd(c, runId)).payload.state, "final");
  assert.equal(callsWith(standIn, word).length, 3, "every accepted turn ran; the refused one never did");
  await c.close();
  await gw.stop();
});

test("a new primary model applies to the next run of a running gateway", async () => {
  const gw = await startFileGateway({ extraConfig: config() });
  const c = await client(gw.url);
  const before = tag("before");
  await chatEnd(c, (await sendChat(c, "live", before)).runId);
  assert.equal(callsWith(standIn, before).length, 1);

  const text = JSON.stringify({ ...config({ primary: "other/echo2" }), gateway: { mode: "local" } });
  const next = snapshotFromText(gw.configPath, text);
  gw.gw.applyConfig(next, resolveServerAuth(next.config, { token: "test-token" }));
  const after = tag("after");
  const end = await chatEnd(c, (await sendChat(c, "live", after)).runId);
  assert.equal(end.payload.state, "final");
  assert.equal(callsWith(standIn, after).length, 0, "the old provider is no longer asked");
  const calls = callsWith(second, after);
  assert.equal(calls.length, 1);
  assert.equal((calls[0].body as { model?: string }).model, "echo2");
  await c.close();
  await gw.stop();
});

test("`agent` with /new starts a fresh session (admins only); the old turns no longer reach the model", async () => {
  const gw = await startFileGateway({ extraConfig: config() });
  const c = await client(gw.url, ["operator.admin"]);
  const writer = await client(gw.url);
  const word = tag("old");
  await chatEnd(c, (await sendChat(c, "fresh", `remember ${word}`)).runId);
  const before = await c.call("chat.history", { sessionKey: "fresh" });

  const refused = await writer.request("agent", { message: "/new", sessionKey: "fresh", idempotencyKey: randomUUID() });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, "FORBIDDEN");

  const reset = await c.request("agent", { message: "/new", sessionKey: "fresh", idempotencyKey: randomUUID() });
  assert.equal(reset.ok, true, JSON.stringify(reset.error));
  assert.equal(reset.payload.status, "ok");
  assert.notEqual(reset.payload.result.meta.agentMeta.sessionId, before.sessionId);
  const after = await c.call("chat.history", { sessionKey: "fresh" });
  assert.equal(after.messages.length, 0);

  const next = tag("new");
  await chatEnd(c, (await sendChat(c, "fresh", `hello ${next}`)).runId);
  const prompt = JSON.stringify(callsWith(standIn, next)[0].body);
  assert.ok(!prompt.includes(word), "the reset session's prompt carries none of the old turns");
  await c.close();
  await writer.close();
  await gw.stop();
});

test("a message longer than the model's window is refused with a clear error before any provider call", async () => {
  const gw = await startFileGateway({
    extraConfig: { ...config({ primary: "small/echo" }), models: { providers: { small: providerFor(standIn, [{ id: "echo", contextWindow: 1000 }]) } } },
  });
  const c = await client(gw.url);
  const word = tag("huge");
  const { runId } = await sendChat(c, "huge", `${word} ${"x".repeat(20_000)}`);
  const end = await chatEnd(c, runId);
  assert.equal(end.payload.state, "error");
  assert.match(end.payload.errorMessage, /too long for small\/echo: about \d+ tokens, the model takes \d+/);
  assert.equal(callsWith(standIn, word).length, 0, "the provider was not asked");
  const history = await c.call("chat.history", { sessionKey: "huge" });
  assert.equal(history.messages[0].role, "user", "the message itself is kept");
  await c.close();
  await gw.stop();
});

test("queueMode collect folds the turns waiting behind a run into one model call; each run gets the shared reply", async () => {
  const gw = await startFileGateway({ extraConfig: config() });
  const c = await client(gw.url);
  const word = tag("collect");
  const first = await sendChat(c, "gather", `first ${word} MARK:slow:80`);
  const second = await sendChat(c, "gather", `second ${word}`, { queueMode: "collect" });
  const third = await sendChat(c, "gather", `third ${word}`, { queueMode: "collect" });
  assert.equal(second.ack.queued, true);
  const ends = await Promise.all([first, second, third].map(({ runId }) => chatEnd(c, runId)));
  assert.deepEqual(ends.map((e) => e.payload.state), ["final", "final", "final"]);
  const calls = callsWith(standIn, word);
  assert.equal(calls.length, 2, "the two waiting turns became one call");
  const merged = JSON.stringify(calls[1].body);
  assert.ok(merged.includes(`second ${word}`) && merged.includes(`third ${word}`), "both messages reached the model together");
  assert.equal(ends[1].payload.message.content[0].text, ends[2].payload.message.content[0].text, "both runs end with the shared reply");
  const history = await c.call("chat.history", { sessionKey: "gather" });
  assert.deepEqual(history.messages.map((m: { role: string }) => m.role), ["user", "assistant", "user", "user", "assistant"], "every message is in the transcript");
  const next = tag("after");
  await chatEnd(c, (await sendChat(c, "gather", next)).runId);
  const prompt = JSON.stringify(callsWith(standIn, next)[0].body);
  assert.ok(prompt.includes(`second ${word}`) && prompt.includes(`third ${word}`), "the next turn's history has both collected messages");
  await c.close();
  await gw.stop();
});
