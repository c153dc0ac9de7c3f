/**
 * The `agent` method end to end over the WebSocket protocol against a provider stand-in: the two
 * answers, the `agent`/`chat` event stream, the workspace and its system prompt, idempotency,
 * the no-model guidance, retries and failover, and that API keys never leave the gateway.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { startFileGateway, startTestGateway, TEST_TOKEN, type Frame } from "./harness.js";
import {
  ADMIN_SCOPES,
  callsWith,
  chatEnd,
  client,
  eventsOf,
  finalResponse,
  historyOf,
  providerFor,
  sendChat,
  startStandIn,
  systemPromptOf,
  tag,
} from "./agent-harness.js";

const primary = await startStandIn();
const secondary = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: { defaults: { model: { primary: "mock/echo", fallbacks: ["mock2/echo"] } } },
    models: { providers: { mock: providerFor(primary), mock2: providerFor(secondary) } },
  },
});

/** Accepted payload and final payload keys of the recorded official `agent` trace (agent-ok.jsonl). */
const ACCEPTED_KEYS = ["acceptedAt", "agentId", "runId", "sessionKey", "status"];
const FINAL_KEYS = ["result", "runId", "status", "summary"];

async function agentRun(params: Record<string, unknown>) {
  const c = await client(gw.url);
  const id = c.sendRequest("agent", params);
  const first = await c.waitForResponse(id);
  const final = await finalResponse(c, id);
  return { c, id, first, final };
}

describe("agent: two-stage answer", () => {
  test("accepted, then the final on the same id, with the agent and chat streams between", async () => {
    const word = tag();
    const runId = randomUUID();
    const before = Date.now();
    const { c, id, first, final } = await agentRun({ message: `hello ${word}`, idempotencyKey: runId });

    assert.equal(first.ok, true, JSON.stringify(first.error));
    assert.deepEqual(Object.keys(first.payload).sort(), ACCEPTED_KEYS);
    assert.equal(first.payload.status, "accepted");
    assert.equal(first.payload.runId, runId, "runId is the idempotencyKey");
    assert.equal(first.payload.sessionKey, "agent:main:main");
    assert.equal(first.payload.agentId, "main");
    assert.ok(first.payload.acceptedAt >= before && first.payload.acceptedAt <= Date.now());

    assert.equal(final.ok, true, JSON.stringify(final.error));
    for (const key of FINAL_KEYS) assert.ok(key in final.payload, `final payload has ${key}`);
    assert.equal(final.payload.runId, runId);
    assert.equal(final.payload.status, "ok");
    assert.equal(final.payload.summary, "completed");
    assert.equal(final.payload.result.payloads[0].text, `echo: hello ${word}`);
    assert.equal(final.payload.result.meta.agentMeta.sessionKey, "agent:main:main");
    assert.equal(final.payload.result.meta.agentMeta.provider, "mock");
    assert.equal(final.payload.result.meta.agentMeta.model, "echo");
    assert.equal(typeof final.payload.result.meta.durationMs, "number");

    const agentEvents = eventsOf(c, "agent", runId);
    assert.deepEqual(agentEvents.map((e) => e.payload.seq), agentEvents.map((_, i) => i + 1), "per-run seq is contiguous from 1");
    for (const e of agentEvents) {
      assert.equal(e.payload.sessionKey, "agent:main:main");
      assert.equal(e.payload.agentId, "main");
      assert.equal(typeof e.payload.ts, "number");
      assert.equal(typeof e.payload.stream, "string");
      assert.equal(typeof e.payload.data, "object");
    }
    const streams = agentEvents.map((e) => (e.payload.stream === "lifecycle" ? `lifecycle:${e.payload.data.phase}` : e.payload.stream));
    assert.equal(streams[0], "lifecycle:start");
    assert.equal(typeof agentEvents[0].payload.sessionId, "string");
    assert.equal(streams[1], "lifecycle:model");
    assert.equal(agentEvents[1].payload.data.provider, "mock");
    assert.equal(agentEvents[1].payload.data.model, "echo");
    assert.equal(streams[streams.length - 1], "lifecycle:end");
    assert.equal(agentEvents[agentEvents.length - 1].payload.data.aborted, false);
    const assistant = agentEvents.filter((e) => e.payload.stream === "assistant");
    assert.ok(assistant.length >= 2, `the stand-in streams several deltas, got ${assistant.length}`);
    assert.equal(assistant.map((e) => e.payload.data.delta).join(""), `echo: hello ${word}`);
    assert.equal(assistant[assistant.length - 1].payload.data.text, `echo: hello ${word}`);
    const firstAssistant = streams.indexOf("assistant");
    assert.ok(firstAssistant > 1 && streams.lastIndexOf("assistant") < streams.length - 1, `assistant deltas sit between model and end: ${streams}`);

    const chat = eventsOf(c, "chat", runId);
    const deltas = chat.filter((e) => e.payload.state === "delta");
    const finals = chat.filter((e) => e.payload.state === "final");
    assert.ok(deltas.length >= 1, "at least one chat delta");
    assert.equal(finals.length, 1, "exactly one chat final");
    assert.equal(chat[chat.length - 1].payload.state, "final", "the final is the last chat event of the run");
    assert.equal(deltas.map((e) => e.payload.deltaText).join(""), `echo: hello ${word}`);
    for (const e of chat) {
      assert.equal(e.payload.sessionKey, "agent:main:main");
      assert.equal(e.payload.agentId, "main");
      assert.ok(Number.isInteger(e.payload.seq) && e.payload.seq >= 1 && e.payload.seq <= agentEvents.length);
    }
    const delta = deltas[0].payload;
    assert.equal(delta.message.role, "assistant");
    assert.equal(delta.message.content[0].type, "text");
    assert.equal(typeof delta.message.timestamp, "number");
    const finalChat = finals[0].payload;
    assert.equal(finalChat.message.content[0].text, `echo: hello ${word}`);
    assert.equal(finalChat.stopReason, "stop");

    const at = (f: Frame) => c.frames.indexOf(f);
    assert.ok(at(deltas[0]) > at(agentEvents[0]), "chat deltas follow lifecycle start");
    assert.ok(at(finals[0]) < at(final), "the chat final precedes the final res");
    assert.ok(at(agentEvents[agentEvents.length - 1]) < at(final), "lifecycle end precedes the final res");
    assert.ok(at(first) < at(final));
    assert.equal(c.frames.filter((f) => f.type === "res" && f.id === id).length, 2, "exactly two res frames on the request id");
    assert.equal(callsWith(primary, word).length, 1);
  });

  test("the accepted res comes before the run's first event, as in the official trace", async () => {
    const runId = randomUUID();
    const { c, first } = await agentRun({ message: `order ${tag()}`, idempotencyKey: runId, sessionKey: `order-${runId}` });
    const firstEvent = c.frames.findIndex((f) => (f.event === "agent" || f.event === "chat") && f.payload?.runId === runId);
    assert.ok(firstEvent >= 0, "the run streamed");
    assert.ok(c.frames.indexOf(first) < firstEvent, `accepted at frame ${c.frames.indexOf(first)}, first run event at frame ${firstEvent}`);
  });

  test("GatewayClient with expectFinal skips the interim and resolves with the final", async () => {
    const word = tag();
    const gc = await GatewayClient.connect({ url: gw.url, token: TEST_TOKEN, scopes: ["operator.read", "operator.write"] });
    try {
      const seen: string[] = [];
      gc.onEvent((e) => {
        const p = e.payload as { runId?: string; stream?: string; state?: string } | undefined;
        if (e.event === "agent" && p?.runId === `gc-${word}`) seen.push(p.stream ?? "");
      });
      const final = await gc.request<any>("agent", { message: `via client ${word}`, idempotencyKey: `gc-${word}` }, 10_000, { expectFinal: true });
      assert.equal(final.status, "ok");
      assert.equal(final.runId, `gc-${word}`);
      assert.equal(final.result.payloads[0].text, `echo: via client ${word}`);
      assert.ok(seen.includes("lifecycle") && seen.includes("assistant"), `events reached onEvent: ${seen}`);
    } finally {
      await gc.close();
    }
  });

  test("the workspace is seeded and AGENTS.md reaches the system prompt", async () => {
    const word = tag();
    const { final } = await agentRun({ message: `workspace ${word}`, idempotencyKey: randomUUID(), sessionKey: `ws-${word}` });
    assert.equal(final.ok, true, JSON.stringify(final.error));
    const workspace = join(gw.stateDir, "workspace");
    for (const name of ["AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "TOOLS.md", "HEARTBEAT.md", "BOOTSTRAP.md"]) {
      assert.ok(existsSync(join(workspace, name)), `${name} is seeded`);
    }
    const agentsMd = readFileSync(join(workspace, "AGENTS.md"), "utf8").trim();
    assert.ok(agentsMd.length > 0);
    const [call] = callsWith(primary, word);
    assert.ok(call, "the stand-in got the run");
    const system = systemPromptOf(call);
    assert.ok(system.includes(agentsMd), "the system prompt carries AGENTS.md");
    assert.ok(system.includes(readFileSync(join(workspace, "SOUL.md"), "utf8").trim()), "and SOUL.md");

    // An edit of the workspace file is what the next run sees.
    const edited = `# House rules ${word}\n\nAlways answer in haiku.`;
    writeFileSync(join(workspace, "AGENTS.md"), edited);
    const word2 = tag();
    const second = await agentRun({ message: `again ${word2}`, idempotencyKey: randomUUID(), sessionKey: `ws-${word}` });
    assert.equal(second.final.ok, true);
    const [call2] = callsWith(primary, word2);
    assert.ok(systemPromptOf(call2).includes(edited), "the edited AGENTS.md is in the next prompt");
    assert.ok(!systemPromptOf(call2).includes(agentsMd), "the old text is gone");
  });

  test("a duplicate idempotencyKey returns the same final without a second provider call", async () => {
    const word = tag();
    const runId = randomUUID();
    const first = await agentRun({ message: `once ${word}`, idempotencyKey: runId, sessionKey: `dup-${word}` });
    assert.equal(first.final.payload.status, "ok");
    assert.equal(callsWith(primary, word).length, 1);

    const again = await agentRun({ message: `once ${word}`, idempotencyKey: runId, sessionKey: `dup-${word}` });
    const replay = again.first.payload?.status === "accepted" ? again.final : again.first;
    assert.equal(replay.ok, true);
    assert.deepEqual(replay.payload, first.final.payload, "the cached final is replayed");
    assert.equal(callsWith(primary, word).length, 1, "no second model call");
    assert.equal(eventsOf(again.c, "agent", runId).length, 0, "no second run streams");

    const c = await client(gw.url);
    const history = await historyOf(c, `dup-${word}`);
    assert.equal(history.messages.filter((m: any) => m.role === "user").length, 1, "the message is in the transcript once");
  });

  test("a run over its timeout ends as a timeout and closes the upstream request", async () => {
    const word = tag();
    const started = Date.now();
    const { c, final } = await agentRun({ message: `MARK:stall hold on ${word}`, idempotencyKey: randomUUID(), sessionKey: `to-${word}`, timeout: 1 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 3000, `ended after the 1 s timeout (${elapsed}ms)`);
    if (final.ok) assert.equal(final.payload.status, "timeout", JSON.stringify(final.payload));
    else assert.ok(["AGENT_TIMEOUT", "UNAVAILABLE"].includes(final.error.code), JSON.stringify(final.error));
    const [call] = callsWith(primary, word);
    await primary.waitFor(() => call.clientClosedEarly, 2000);
    const history = await historyOf(c, `to-${word}`);
    const partial = history.messages.find((m: any) => m.role === "assistant");
    assert.ok(partial && partial.content[0].text.startsWith("echo"), "the text streamed before the timeout is kept");
  });

  test("an unknown agent id is refused before anything runs", async () => {
    const c = await client(gw.url);
    const res = await c.request("agent", { message: "hi", idempotencyKey: randomUUID(), agentId: "nobody" });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });
});

describe("agent: retries and failover", () => {
  test("a 500ing primary fails over to the fallback model", async () => {
    const word = tag();
    primary.failNext(3, 500);
    const before = primary.requests.length;
    const { c, final } = await agentRun({ message: `failover ${word}`, idempotencyKey: randomUUID(), sessionKey: `fo-${word}` });
    assert.equal(final.ok, true, JSON.stringify(final.error));
    assert.equal(final.payload.result.payloads[0].text, `echo: failover ${word}`);
    assert.equal(final.payload.result.meta.agentMeta.provider, "mock2");
    assert.ok(primary.requests.length - before >= 2, "the primary was tried (and retried) first");
    assert.equal(callsWith(secondary, word).length, 1, "the fallback answered once");
    const model = eventsOf(c, "agent").find((e) => e.payload.runId === final.payload.runId && e.payload.data?.phase === "model");
    assert.equal(model?.payload.data.provider, "mock2");
    const history = await historyOf(c, `fo-${word}`);
    const reply = history.messages.find((m: any) => m.role === "assistant");
    assert.equal(reply.provider, "mock2");
  });

  test("a 429 with retry-after is waited out on the same model", async () => {
    const word = tag();
    const started = Date.now();
    const { final } = await agentRun({ message: `MARK:429 limited ${word}`, idempotencyKey: randomUUID(), sessionKey: `rl-${word}` });
    assert.equal(final.ok, true, JSON.stringify(final.error));
    assert.equal(final.payload.result.meta.agentMeta.provider, "mock");
    assert.equal(callsWith(primary, word).length, 2, "one refused call, one answered");
    assert.equal(callsWith(secondary, word).length, 0, "no failover for a short retry-after");
    assert.ok(Date.now() - started >= 900, "retry-after: 1 was honoured");
  });
});

describe("agent: no model configured", () => {
  test("the final error says what to configure; chat gets an error event; the message is kept", async () => {
    const bare = await startTestGateway({ extraConfig: { models: { mode: "replace" } } });
    const c = await client(bare.url);
    const id = c.sendRequest("agent", { message: "anyone there?", idempotencyKey: randomUUID() });
    const final = await finalResponse(c, id);
    assert.equal(final.ok, false, "the final res is an error");
    assert.equal(final.error.code, "UNAVAILABLE");
    assert.match(final.error.message, /OPENAI_API_KEY/);
    assert.match(final.error.message, /models\.providers/);

    const { runId } = await sendChat(c, "webchat-nomodel", "hello from chat");
    const end = await chatEnd(c, runId);
    assert.equal(end.payload.state, "error");
    assert.match(end.payload.errorMessage, /OPENAI_API_KEY/);
    assert.match(end.payload.errorMessage, /models\.providers/);
    const lifecycle = eventsOf(c, "agent", runId).map((e) => e.payload.data?.phase);
    assert.ok(lifecycle.includes("error"), `lifecycle error emitted: ${lifecycle}`);

    const history = await historyOf(c, "webchat-nomodel");
    assert.deepEqual(
      history.messages.filter((m: any) => m.role === "user").map((m: any) => m.content),
      ["hello from chat"],
      "the user message is in the transcript",
    );
    await bare.stop();
  });
});

describe("agent: secrets", () => {
  test("a provider's API key never appears in any frame", async () => {
    const SECRET = "sk-test-SECRET123";
    const locked = await startStandIn({ apiKey: "the-right-key" });
    const sgw = await startTestGateway({
      extraConfig: {
        agents: { defaults: { model: { primary: "locked/echo" } } },
        models: { providers: { locked: providerFor(locked, [{ id: "echo", contextWindow: 32000 }], SECRET) } },
      },
    });
    const c = await client(sgw.url, ADMIN_SCOPES);
    await c.call("sessions.subscribe", {});
    await c.call("sessions.messages.subscribe", { key: "agent:main:main" });
    const id = c.sendRequest("agent", { message: "let me in", idempotencyKey: randomUUID() });
    const final = await finalResponse(c, id);
    assert.equal(final.ok, false, "a 401 ends the run with an error");
    assert.ok(locked.requests.length >= 1, "the provider was called");
    assert.ok(JSON.stringify(locked.requests[0].headers).includes(SECRET), "the key was really sent upstream");

    const { runId } = await sendChat(c, "main", "let me in too");
    const end = await chatEnd(c, runId);
    assert.equal(end.payload.state, "error");
    assert.match(end.payload.errorMessage, /401/, "the error still says what went wrong");
    for (const [method, params] of [
      ["chat.history", { sessionKey: "main" }],
      ["sessions.list", {}],
      ["sessions.describe", { key: "main" }],
      ["models.list", { includeDetails: true }],
      ["models.authStatus", {}],
      ["agents.list", {}],
      ["config.get", {}],
      ["status", {}],
      ["health", { probe: true }],
      ["logs.tail", {}],
    ] as const) {
      const res = await c.request(method, params);
      assert.equal(res.ok, true, `${method}: ${JSON.stringify(res.error)}`);
    }
    const leaks = c.frames.filter((f) => JSON.stringify(f).includes("SECRET123"));
    assert.deepEqual(leaks.map((f) => `${f.type} ${f.event ?? f.id}: ${JSON.stringify(f).slice(0, 200)}`), [], "no frame carries the API key");
    await sgw.stop();
  });
});
