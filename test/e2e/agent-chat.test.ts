/**
 * chat.* end to end over the WebSocket protocol against a provider stand-in: chat.send and its
 * events, idempotency, per-session lanes, interrupt, abort, disconnects, the context window, and
 * chat.history paging and cursors.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startFileGateway } from "./harness.js";
import {
  ADMIN_SCOPES,
  READ_SCOPES,
  assertForbidden,
  callsWith,
  chatEnd,
  chatTurn,
  client,
  contentText,
  conversationOf,
  eventsOf,
  historyOf,
  isEvent,
  providerFor,
  sendChat,
  startStandIn,
  systemPromptOf,
  tag,
  timeWhen,
  transcriptLines,
} from "./agent-harness.js";

const standIn = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: { defaults: { model: { primary: "mock/echo" } } },
    models: {
      providers: {
        mock: providerFor(standIn, [
          { id: "echo", contextWindow: 32000 },
          { id: "tiny", contextWindow: 1500 },
        ]),
      },
    },
  },
});

describe("chat.send", () => {
  test("ack, deltas, final; history has both messages in the official shape", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `chat-${word}`;
    const { runId, ack } = await sendChat(c, session, `hi ${word}`);
    assert.equal(ack.runId, runId, "runId is the idempotencyKey");
    assert.equal(ack.status, "started");
    const end = await chatEnd(c, runId);
    assert.equal(end.payload.state, "final");
    assert.equal(end.payload.sessionKey, `agent:main:${session}`);
    assert.equal(end.payload.message.role, "assistant");
    assert.equal(end.payload.message.content[0].text, `echo: hi ${word}`);

    const deltas = eventsOf(c, "chat", runId).filter((e) => e.payload.state === "delta");
    assert.ok(deltas.length >= 1, "at least one delta before the final");
    assert.ok(c.frames.indexOf(deltas[deltas.length - 1]) < c.frames.indexOf(end));
    assert.equal(deltas.map((d) => d.payload.deltaText).join(""), `echo: hi ${word}`);
    assert.equal(deltas[deltas.length - 1].payload.message.content[0].text, `echo: hi ${word}`, "delta message is the cumulative text");

    const history = await historyOf(c, session);
    assert.equal(history.sessionKey, `agent:main:${session}`);
    assert.equal(typeof history.sessionId, "string");
    assert.equal(history.messages.length, 2);
    const [user, assistant] = history.messages;
    assert.equal(user.role, "user");
    assert.equal(user.content, `hi ${word}`, "user content is a plain string");
    assert.equal(user.__openclaw.seq, 1);
    assert.equal(typeof user.__openclaw.id, "string");
    assert.equal(user.idempotencyKey, `${runId}:user`);
    assert.equal(typeof user.timestamp, "number");
    assert.equal(assistant.role, "assistant");
    assert.deepEqual(assistant.content, [{ type: "text", text: `echo: hi ${word}` }]);
    assert.equal(assistant.__openclaw.seq, 2);
    assert.equal(assistant.__openclaw.runId, runId);
    assert.equal(assistant.provider, "mock");
    assert.equal(assistant.model, "echo");
    assert.equal(assistant.api, "openai-completions");
    assert.equal(assistant.stopReason, "stop");
    assert.ok(assistant.usage.input > 0 && assistant.usage.output > 0, JSON.stringify(assistant.usage));
    assert.equal(assistant.usage.totalTokens, assistant.usage.input + assistant.usage.output);
    for (const key of ["sessionInfo", "deltaCursor", "hasMore", "totalMessages", "defaults"]) assert.ok(key in history, `history has ${key}`);
    assert.equal(history.totalMessages, 2);
  });

  test("the ack comes before the run's first event, as in the official trace", async () => {
    const c = await client(gw.url);
    const runId = randomUUID();
    const id = c.sendRequest("chat.send", { sessionKey: `order-${runId}`, message: `order ${tag()}`, idempotencyKey: runId });
    const ack = await c.waitForResponse(id);
    assert.equal(ack.ok, true);
    await chatEnd(c, runId);
    const firstEvent = c.frames.findIndex((f) => (f.event === "agent" || f.event === "chat") && f.payload?.runId === runId);
    assert.ok(c.frames.indexOf(ack) < firstEvent, `ack at frame ${c.frames.indexOf(ack)}, first run event at frame ${firstEvent}`);
  });

  test("a duplicate idempotencyKey is in_flight while running, ok after, and calls the model once", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `dup-${word}`;
    const key = randomUUID();
    const { ack } = await sendChat(c, session, `MARK:slow:100 twice ${word}`, { idempotencyKey: key });
    assert.equal(ack.status, "started");
    const again = await c.call("chat.send", { sessionKey: session, message: `MARK:slow:100 twice ${word}`, idempotencyKey: key });
    assert.deepEqual(again, { runId: key, status: "in_flight" });
    const end = await chatEnd(c, key);
    assert.equal(end.payload.state, "final");
    const after = await c.call("chat.send", { sessionKey: session, message: `MARK:slow:100 twice ${word}`, idempotencyKey: key });
    assert.deepEqual(after, { runId: key, status: "ok" });
    assert.equal(callsWith(standIn, word).length, 1, "the stand-in got exactly one request");
    const history = await historyOf(c, session);
    assert.equal(history.messages.length, 2, "one user and one assistant message");
  });

  test("operator.read alone may not chat.send", async () => {
    const c = await client(gw.url, READ_SCOPES);
    const res = await c.request("chat.send", { sessionKey: "main", message: "hi", idempotencyKey: randomUUID() });
    assertForbidden(res, "operator.write");
  });

  test("an empty message is refused", async () => {
    const c = await client(gw.url);
    const res = await c.request("chat.send", { sessionKey: "main", message: "   ", idempotencyKey: randomUUID() });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });
});

describe("lanes", () => {
  test("runs of one session never overlap; another session runs alongside", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `lane-${word}`;
    const other = `lane-other-${word}`;
    const m1 = `MARK:slow:150 first ${word}`;
    const m2 = `MARK:slow:150 second ${word}`;
    const m3 = `MARK:slow:150 elsewhere ${word}`;
    const sentAt = Date.now();
    const r1 = await sendChat(c, session, m1);
    const r2 = await sendChat(c, session, m2);
    const r3 = await sendChat(c, other, m3);
    const arrived2 = timeWhen(() => callsWith(standIn, `second ${word}`).length > 0, 5000, "second request");
    const arrived3 = timeWhen(() => callsWith(standIn, `elsewhere ${word}`).length > 0, 5000, "other session's request");
    const end1 = chatEnd(c, r1.runId).then((f) => ({ f, at: Date.now() }));
    const [t2, t3, e1] = await Promise.all([arrived2, arrived3, end1]);
    assert.equal(e1.f.payload.state, "final");
    assert.ok(t3 < e1.at, "the other session's run started while the first was still streaming");
    assert.ok(t2 >= e1.at - 50, `the second run reached the provider ${e1.at - t2}ms before the first ended`);
    assert.ok(t2 - sentAt >= 600, "the second run waited for the first");
    const [e2, e3] = await Promise.all([chatEnd(c, r2.runId), chatEnd(c, r3.runId)]);
    assert.equal(e2.payload.state, "final");
    assert.equal(e3.payload.state, "final");

    const lifecycle = c.frames.filter((f) => isEvent(f, "agent") && f.payload.stream === "lifecycle" && [r1.runId, r2.runId].includes(f.payload.runId));
    const end1At = lifecycle.findIndex((f) => f.payload.runId === r1.runId && f.payload.data.phase === "end");
    const start2At = lifecycle.findIndex((f) => f.payload.runId === r2.runId && f.payload.data.phase === "start");
    assert.ok(end1At >= 0 && start2At > end1At, "run 2 starts after run 1 ends");

    const history = await historyOf(c, session);
    assert.deepEqual(transcriptLines(history.messages), [
      `user: ${m1}`,
      `assistant: echo: slow:150 first ${word}`,
      `user: ${m2}`,
      `assistant: echo: slow:150 second ${word}`,
    ]);
    const [secondCall] = callsWith(standIn, `second ${word}`);
    assert.deepEqual(
      conversationOf(secondCall).map((m) => `${m.role}: ${contentText(m.content)}`),
      [`user: ${m1}`, `assistant: echo: slow:150 first ${word}`, `user: ${m2}`],
      "the second run saw the first run's answer",
    );
  });

  test('queueMode "interrupt" aborts the active run and runs the new one', async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `int-${word}`;
    const first = await sendChat(c, session, `MARK:slow:150 MARK:long story ${word}`);
    await c.waitFor((f) => isEvent(f, "chat", first.runId) && f.payload.state === "delta", { label: "first delta" });
    const second = await sendChat(c, session, `change of plan ${word}`, { queueMode: "interrupt" });
    assert.equal(second.ack.status, "started");
    assert.equal(second.ack.interruptedActiveRun, true);
    const end1 = await chatEnd(c, first.runId, 2000);
    assert.equal(end1.payload.state, "aborted");
    const end2 = await chatEnd(c, second.runId);
    assert.equal(end2.payload.state, "final");
    assert.equal(end2.payload.message.content[0].text, `echo: change of plan ${word}`);
    assert.ok(c.frames.indexOf(end1) < c.frames.indexOf(end2));
    const history = await historyOf(c, session);
    const users = history.messages.filter((m: any) => m.role === "user").map((m: any) => m.content);
    assert.deepEqual(users, [`MARK:slow:150 MARK:long story ${word}`, `change of plan ${word}`]);
    assert.equal(contentText(history.messages[history.messages.length - 1].content), `echo: change of plan ${word}`);
  });
});

describe("abort and disconnect", () => {
  test("chat.abort stops the stream, closes the upstream request and keeps the partial text", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `abort-${word}`;
    const { runId } = await sendChat(c, session, `MARK:slow:200 MARK:long tell me ${word}`);
    await c.waitFor((f) => isEvent(f, "chat", runId) && f.payload.state === "delta", { label: "first delta" });
    const abortedAt = Date.now();
    const res = await c.call("chat.abort", { sessionKey: session, runId });
    assert.deepEqual(res, { ok: true, aborted: true, runIds: [runId] });
    const end = await chatEnd(c, runId, 2000);
    assert.equal(end.payload.state, "aborted");
    assert.ok(Date.now() - abortedAt < 1000, "the aborted event follows quickly");
    const [call] = callsWith(standIn, word);
    await standIn.waitFor(() => call.clientClosedEarly, 2000);
    assert.equal(call.clientClosedEarly, true, "the upstream request was closed early");

    const history = await historyOf(c, session);
    const partial = history.messages.find((m: any) => m.role === "assistant");
    assert.ok(partial, "the partial assistant message is in the history");
    const text = contentText(partial.content);
    assert.ok(text.startsWith("Paragraph 1."), text.slice(0, 80));
    assert.ok(!text.includes("Paragraph 10."), "only part of the long answer arrived");
    const streamed = eventsOf(c, "agent", runId).filter((e) => e.payload.stream === "assistant").pop();
    assert.equal(text, streamed?.payload.data.text, "the kept text is what was streamed");

    const again = await c.call("chat.abort", { sessionKey: session });
    assert.deepEqual(again, { ok: true, aborted: false, runIds: [] }, "nothing left to abort");
  });

  test("chat.abort of a queued run drops it without a model call; the active run goes on", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `qabort-${word}`;
    const first = await sendChat(c, session, `MARK:slow:60 first ${word}`);
    const second = await sendChat(c, session, `queued ${word}`);
    const res = await c.call("chat.abort", { sessionKey: session, runId: second.runId });
    assert.deepEqual(res, { ok: true, aborted: true, runIds: [second.runId] });
    const end2 = await chatEnd(c, second.runId, 1000);
    assert.equal(end2.payload.state, "aborted");
    const end1 = await chatEnd(c, first.runId);
    assert.equal(end1.payload.state, "final", "the active run was not touched");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(callsWith(standIn, `queued ${word}`).length, 0, "the queued turn never reached the model");
    const history = await historyOf(c, session);
    assert.ok(!history.messages.some((m: any) => m.role === "assistant" && contentText(m.content).includes("queued")));
  });

  test("a client disconnect does not abort its run", async () => {
    const word = tag();
    const session = `gone-${word}`;
    const leaver = await client(gw.url);
    const { runId } = await sendChat(leaver, session, `MARK:slow:100 still here ${word}`);
    leaver.terminate();
    const c = await client(gw.url);
    const waited = await c.call("agent.wait", { runId, timeoutMs: 5000 });
    assert.equal(waited.status, "ok");
    const history = await historyOf(c, session);
    assert.deepEqual(transcriptLines(history.messages), [`user: MARK:slow:100 still here ${word}`, `assistant: echo: slow:100 still here ${word}`]);
    assert.equal(callsWith(standIn, word)[0].clientClosedEarly, false, "the upstream request ran to the end");
  });
});

describe("context window", () => {
  test("a long history is cut to fit a small window, oldest first, and the run succeeds", async () => {
    const c = await client(gw.url, ADMIN_SCOPES);
    const word = tag();
    const session = `ctx-${word}`;
    const filler = "lorem ipsum dolor sit amet ".repeat(32);
    for (let i = 0; i < 5; i++) {
      const { end } = await chatTurn(c, session, `turn${i} ${word} ${filler}`);
      assert.equal(end.state, "final");
    }
    const patched = await c.call("sessions.patch", { key: session, model: "mock/tiny" });
    assert.equal(patched.ok, true);
    const { end } = await chatTurn(c, session, `the last question ${word}`);
    assert.equal(end.state, "final", JSON.stringify(end));
    assert.equal(end.message.content[0].text, `echo: the last question ${word}`);

    const [call] = callsWith(standIn, `the last question ${word}`);
    assert.equal((call.body as { model?: string }).model, "tiny", "the session's model was used");
    const conversation = conversationOf(call);
    const history = await historyOf(c, session);
    assert.equal(history.messages.length, 12);
    assert.ok(conversation.length < 11, `fewer messages than the history (${conversation.length} sent)`);
    assert.equal(contentText(conversation[conversation.length - 1].content), `the last question ${word}`);
    const sent = conversation.map((m) => contentText(m.content)).join("\n");
    assert.ok(!sent.includes(`turn0 ${word}`), "the oldest turn was dropped");
    if (conversation.length > 1) {
      assert.equal(conversation[0].role, "user", "whole turns are dropped: the kept part starts with a question");
      assert.ok(sent.includes(`turn4 ${word}`), "what is kept is the newest");
    }
    const chars = systemPromptOf(call).length + conversation.reduce((n, m) => n + contentText(m.content).length, 0);
    assert.ok(chars / 4 < 1500, `the prompt fits the 1500-token window (about ${Math.round(chars / 4)} tokens)`);
  });
});

describe("chat.history paging", () => {
  async function notes(c: Awaited<ReturnType<typeof client>>, session: string, texts: string[]) {
    for (const message of texts) await c.call("chat.inject", { sessionKey: session, message });
  }

  test("limit, offset, nextOffset and hasMore page from the newest", async () => {
    const c = await client(gw.url, ADMIN_SCOPES);
    const session = `page-${tag()}`;
    await notes(c, session, ["n1", "n2", "n3", "n4", "n5", "n6"]);
    const p1 = await historyOf(c, session, { limit: 2 });
    assert.deepEqual(p1.messages.map((m: any) => contentText(m.content)), ["n5", "n6"]);
    assert.deepEqual(p1.messages.map((m: any) => m.__openclaw.seq), [5, 6]);
    assert.equal(p1.offset, 0);
    assert.equal(p1.nextOffset, 2);
    assert.equal(p1.hasMore, true);
    assert.equal(p1.totalMessages, 6);
    const p2 = await historyOf(c, session, { limit: 2, offset: p1.nextOffset });
    assert.deepEqual(p2.messages.map((m: any) => contentText(m.content)), ["n3", "n4"]);
    assert.equal(p2.hasMore, true);
    const p3 = await historyOf(c, session, { limit: 2, offset: p2.nextOffset });
    assert.deepEqual(p3.messages.map((m: any) => contentText(m.content)), ["n1", "n2"]);
    assert.equal(p3.hasMore, false);
    const all = await historyOf(c, session);
    assert.equal(all.messages.length, 6);
    assert.equal(all.hasMore, false);
  });

  test("a deltaCursor returns only newer messages, and reset after sessions.reset", async () => {
    const c = await client(gw.url, ADMIN_SCOPES);
    const session = `cursor-${tag()}`;
    await notes(c, session, ["a", "b", "c"]);
    const first = await historyOf(c, session);
    assert.equal(typeof first.deltaCursor, "string");
    const unchanged = await historyOf(c, session, { cursor: first.deltaCursor });
    assert.equal(unchanged.kind, "delta");
    assert.deepEqual(unchanged.messages, []);
    await notes(c, session, ["d", "e"]);
    const delta = await historyOf(c, session, { cursor: first.deltaCursor });
    assert.equal(delta.kind, "delta");
    assert.deepEqual(delta.messages.map((m: any) => contentText(m.content)), ["d", "e"]);
    assert.equal(typeof delta.deltaCursor, "string");
    const caughtUp = await historyOf(c, session, { cursor: delta.deltaCursor });
    assert.deepEqual(caughtUp.messages, []);

    await c.call("sessions.reset", { key: session });
    const reset = await historyOf(c, session, { cursor: delta.deltaCursor });
    assert.equal(reset.kind, "reset");
    const garbage = await historyOf(c, session, { cursor: "not-a-cursor" });
    assert.equal(garbage.kind, "reset", "an unreadable cursor means reload");
  });

  test("limit counts messages, not the marker an aborted run leaves in the transcript", async () => {
    const c = await client(gw.url, ADMIN_SCOPES);
    const word = tag();
    const session = `marker-${word}`;
    const { runId } = await sendChat(c, session, `MARK:slow:100 MARK:long cut ${word}`);
    await c.waitFor((f) => isEvent(f, "chat", runId) && f.payload.state === "delta", { label: "first delta" });
    await c.call("chat.abort", { sessionKey: session });
    await chatEnd(c, runId);
    await chatTurn(c, session, `next ${word}`);
    const all = await historyOf(c, session);
    assert.deepEqual(all.messages.map((m: any) => m.role), ["user", "assistant", "user", "assistant"]);
    const page = await historyOf(c, session, { limit: 3 });
    assert.deepEqual(page.messages.map((m: any) => m.role), ["assistant", "user", "assistant"], "the newest three messages");
    assert.equal(page.hasMore, true);
    const rest = await historyOf(c, session, { limit: 3, offset: page.nextOffset });
    assert.deepEqual(rest.messages.map((m: any) => m.role), ["user"], "the page before holds the one message left");
    assert.equal(rest.hasMore, false);
  });

  test("maxBytes cuts a page and paging goes on from there", async () => {
    const c = await client(gw.url, ADMIN_SCOPES);
    const session = `bytes-${tag()}`;
    const big = (i: number) => `${i} ${"x".repeat(700)}`;
    await notes(c, session, [big(1), big(2), big(3), big(4)]);
    const page = await historyOf(c, session, { maxBytes: 1024 });
    assert.ok(page.messages.length >= 1 && page.messages.length < 4, `maxBytes cut the page to ${page.messages.length}`);
    assert.equal(page.hasMore, true);
    assert.ok(contentText(page.messages[page.messages.length - 1].content).startsWith("4 "), "the newest message is kept");
    const rest = await historyOf(c, session, { offset: page.nextOffset });
    assert.equal(page.messages.length + rest.messages.length, 4, "the next page has the rest");
  });
});
