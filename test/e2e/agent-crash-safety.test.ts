/**
 * Crash safety of agent turns with real gateway processes (DESIGN.md "Nothing is lost"; USERS.md
 * "lost messages"): SIGKILL while a reply streams and turns are queued, SIGKILL right after a
 * chat.send ack, and SIGTERM while a reply streams. After each restart on the same state dir the
 * transcript holds every committed entry, the cut-off run is `interrupted` with the text streamed
 * before the stop, queued turns run exactly once and in order, and the session keeps working.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { agentStorePath } from "../../src/agents/agent-config.js";
import { openAgentStore } from "../../src/store/agent-store.js";
import type { RunRow } from "../../src/store/types.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { baseConfig, dump, makeConfiguredSandbox, sleep, startGateway, useProcessCleanup, waitUntil, type ConfiguredSandbox, type Proc } from "./process-harness.js";

useProcessCleanup();

const SESSION = "agent:main:main";
/** The stand-in's long answer starts like this; with MARK:slow:150 it takes about 7 s to stream. */
const LONG_HEAD = "Paragraph 1.";

type EventFrame = { event: string; payload?: any };

let standIn: ProviderStandIn;
const clients = new Set<GatewayClient>();

before(async () => {
  standIn = await startProviderStandIn();
});

after(async () => {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
  await standIn.close();
});

/** A sandbox whose only model is the stand-in (no provider key from the developer's env leaks in). */
function sandbox(): Promise<ConfiguredSandbox> {
  return makeConfiguredSandbox({
    config: (port, token, logFile) => ({
      ...baseConfig(port, token, logFile),
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `${standIn.url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
    }),
    beforeConfig: (sb) => {
      for (const key of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"]) delete sb.env[key];
    },
  });
}

const start = (c: ConfiguredSandbox): Promise<Proc> => startGateway(c.sb.env, [], c.port);

/** A write-scoped client that records every event it receives. */
async function connect(c: ConfiguredSandbox): Promise<{ client: GatewayClient; events: EventFrame[] }> {
  const client = await GatewayClient.connect({ url: `ws://127.0.0.1:${c.port}`, token: c.token, scopes: ["operator.read", "operator.write"], timeoutMs: 5000 });
  clients.add(client);
  const events: EventFrame[] = [];
  client.onEvent((e) => events.push(e));
  return { client, events };
}

type Ack = { runId: string; status: string; queued?: boolean };

function send(client: GatewayClient, message: string, runId = randomUUID()): Promise<Ack> {
  return client.request<Ack>("chat.send", { sessionKey: SESSION, message, idempotencyKey: runId });
}

const chatEvents = (events: EventFrame[], runId: string, state?: string) =>
  events.filter((e) => e.event === "chat" && e.payload?.runId === runId && (state === undefined || e.payload.state === state));

/** The assistant text a client has seen for a run, from its chat deltas (each carries the text so far). */
function seenText(events: EventFrame[], runId: string): string {
  const deltas = chatEvents(events, runId, "delta");
  return deltas.length > 0 ? String(deltas[deltas.length - 1].payload.message.content[0].text) : "";
}

const finalText = (frame: EventFrame) => String(frame.payload.message.content[0].text);

/** Provider requests whose last user message contains `needle`, with their index in standIn.requests. */
function requestsFor(needle: string, from = 0): number[] {
  const hits: number[] = [];
  standIn.requests.forEach((r, i) => {
    if (i < from) return;
    const messages = (r.body as { messages?: Array<{ role: string; content: unknown }> })?.messages ?? [];
    const lastUser = [...messages].reverse().find((m) => m.role === "user");
    const text = typeof lastUser?.content === "string" ? lastUser.content : JSON.stringify(lastUser?.content ?? "");
    if (text.includes(needle)) hits.push(i);
  });
  return hits;
}

/** Reads runs (and nothing else) from the agent database of a stopped gateway. */
async function runsOnDisk(c: ConfiguredSandbox, runIds: string[]): Promise<Map<string, RunRow | null>> {
  const store = await openAgentStore(agentStorePath(c.sb.stateDir, "main"));
  try {
    return new Map(runIds.map((id) => [id, store.getRun(id)]));
  } finally {
    store.close();
  }
}

type HistoryMessage = { role: string; content: unknown; stopReason?: string; interrupted?: boolean; __openclaw: { id: string; seq: number; runId?: string } };

async function history(client: GatewayClient): Promise<HistoryMessage[]> {
  const page = await client.request<{ messages: HistoryMessage[] }>("chat.history", { sessionKey: SESSION, limit: 1000 });
  return page.messages;
}

function textOf(message: HistoryMessage): string {
  if (typeof message.content === "string") return message.content;
  return (message.content as Array<{ type: string; text?: string }>).map((p) => p.text ?? "").join("");
}

const describeHistory = (messages: HistoryMessage[]) =>
  messages.map((m) => `${m.__openclaw.seq} ${m.role} run=${m.__openclaw.runId ?? "-"}${m.interrupted ? " interrupted" : ""}: ${textOf(m).slice(0, 60)}`).join("\n");

/**
 * A run the gateway cut off reads as finished through agent.wait: answered at once (not after the
 * wait's timeout, not as "timeout"), with an end time, and not as a normal completion.
 */
async function assertWaitSaysInterrupted(client: GatewayClient, runId: string): Promise<void> {
  const t0 = Date.now();
  const waited = await client.request<{ status: string; endedAt?: number; stopReason?: string }>("agent.wait", { runId, timeoutMs: 4000 }, 8000);
  assert.ok(Date.now() - t0 < 3000, `agent.wait on a run that already ended must answer at once (took ${Date.now() - t0} ms): ${JSON.stringify(waited)}`);
  assert.notEqual(waited.status, "timeout", `agent.wait must report the interrupted run as ended, not as still pending: ${JSON.stringify(waited)}`);
  assert.equal(typeof waited.endedAt, "number", `agent.wait on an interrupted run: ${JSON.stringify(waited)}`);
  assert.notEqual(waited.stopReason, "stop", `an interrupted run is not a normal completion: ${JSON.stringify(waited)}`);
}

describe("SIGKILL while a reply streams and two turns are queued", () => {
  let c: ConfiguredSandbox;
  const runA = randomUUID();
  const runB = randomUUID();
  const runC = randomUUID();
  const runD = randomUUID();
  let streamedBeforeSave = "";
  let streamedAtKill = "";
  let partialOnDisk = "";
  let restarted: GatewayClient | null = null;
  let second: Proc | null = null;

  test("after a restart: A is interrupted with its partial text, B and C run once in order, D works", async () => {
    c = await sandbox();
    const gw = await start(c);
    const { client, events } = await connect(c);

    const ackA = await send(client, "tell me a long story MARK:slow:150 MARK:long", runA);
    assert.deepEqual({ runId: ackA.runId, status: ackA.status, queued: ackA.queued }, { runId: runA, status: "started", queued: undefined });
    await waitUntil(() => chatEvents(events, runA, "delta").length > 0, 5000, "a first chat delta of run A");

    const ackB = await send(client, "second turn bravo", runB);
    const ackC = await send(client, "third turn charlie", runC);
    for (const [ack, id] of [[ackB, runB], [ackC, runC]] as const) {
      assert.equal(ack.runId, id);
      assert.equal(ack.status, "started", `chat.send acks a queued turn with status "started": ${JSON.stringify(ack)}`);
      assert.equal(ack.queued, true, `a turn sent while the session is busy waits: ${JSON.stringify(ack)}`);
    }

    // Everything seen now was streamed at least 600 ms before the kill; partial text is saved every 250 ms.
    await waitUntil(() => seenText(events, runA).length >= 2 * LONG_HEAD.length, 5000, "some text of run A");
    streamedBeforeSave = seenText(events, runA);
    await sleep(600);
    assert.equal(chatEvents(events, runA, "final").length, 0, "run A must still be streaming at the kill");
    streamedAtKill = seenText(events, runA);
    gw.child.kill("SIGKILL");
    const exit = await gw.exited;
    assert.equal(exit.signal, "SIGKILL", dump(gw));

    assert.deepEqual(chatEvents(events, runB), [], "turn B must not start while A runs");
    assert.deepEqual(chatEvents(events, runC), [], "turn C must not start while A runs");
    assert.deepEqual(requestsFor("bravo"), [], "the provider must not see B before the restart");
    assert.deepEqual(requestsFor("charlie"), [], "the provider must not see C before the restart");

    const onDisk = await runsOnDisk(c, [runA, runB, runC]);
    assert.equal(onDisk.get(runA)?.status, "running", "a killed process leaves its run `running` on disk");
    assert.equal(onDisk.get(runB)?.status, "queued");
    assert.equal(onDisk.get(runC)?.status, "queued");
    partialOnDisk = onDisk.get(runA)!.partialText;
    assert.ok(partialOnDisk.startsWith(streamedBeforeSave), `the partial text on disk (${partialOnDisk.length} chars) must hold what was streamed 600 ms before the kill (${streamedBeforeSave.length} chars)`);

    const restartMark = standIn.requests.length;
    second = await start(c);
    const { client: again, events: eventsAgain } = await connect(c);
    restarted = again;

    for (const id of [runB, runC]) {
      const waited = await again.request<{ status: string }>("agent.wait", { runId: id, timeoutMs: 8000 }, 10_000);
      assert.equal(waited.status, "ok", `queued turn ${id === runB ? "B" : "C"} runs after the restart: ${JSON.stringify(waited)}`);
    }
    const b = requestsFor("bravo", restartMark);
    const cc = requestsFor("charlie", restartMark);
    assert.equal(b.length, 1, "B reaches the provider exactly once");
    assert.equal(cc.length, 1, "C reaches the provider exactly once");
    assert.ok(b[0] < cc[0], "B runs before C (the order they were sent in)");
    assert.deepEqual(requestsFor("tell me a long story", restartMark), [], "the interrupted run is not silently re-run");

    const ackD = await send(again, "fourth turn delta", runD);
    assert.equal(ackD.status, "started");
    assert.equal(ackD.queued, undefined, `the session is free again: ${JSON.stringify(ackD)}`);
    await waitUntil(() => chatEvents(eventsAgain, runD, "final").length > 0, 8000, "the final of turn D");
    assert.equal(finalText(chatEvents(eventsAgain, runD, "final")[0]), "echo: fourth turn delta");

    const messages = await history(again);
    const shape = messages.map((m) => [m.role, m.__openclaw.runId]);
    assert.deepEqual(
      shape,
      [["user", runA], ["assistant", runA], ["user", runB], ["assistant", runB], ["user", runC], ["assistant", runC], ["user", runD], ["assistant", runD]],
      `transcript after the restart:\n${describeHistory(messages)}`,
    );
    const seqs = messages.map((m) => m.__openclaw.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "entries are in seq order");
    assert.equal(textOf(messages[0]), "tell me a long story MARK:slow:150 MARK:long", "A's message was committed before the model call");
    const interrupted = messages[1];
    assert.equal(interrupted.interrupted, true, `A's assistant entry is marked interrupted: ${JSON.stringify(interrupted).slice(0, 300)}`);
    assert.equal(interrupted.stopReason, "interrupted");
    const partial = textOf(interrupted);
    assert.equal(partial, partialOnDisk, "the transcript keeps the partial text saved before the kill");
    assert.ok(partial.startsWith(LONG_HEAD) && partial.startsWith(streamedBeforeSave), `partial text: ${partial.slice(0, 80)}`);
    assert.ok(partial.startsWith(streamedAtKill) || streamedAtKill.startsWith(partial), "the partial text is a prefix of the streamed answer");
    assert.ok(!/Paragraph 10\./.test(partial), "the partial text is not the whole answer");
    assert.equal(textOf(messages[3]), "echo: second turn bravo");
    assert.equal(textOf(messages[5]), "echo: third turn charlie");
    assert.equal(textOf(messages[7]), "echo: fourth turn delta");
  });

  test("agent.wait on the interrupted run answers that it ended (after the restart)", async () => {
    assert.ok(restarted, "the restart scenario ran");
    await assertWaitSaysInterrupted(restarted, runA);
  });

  test("the run rows on disk: A interrupted with its partial text, B, C and D ok", async () => {
    assert.ok(restarted && second, "the restart scenario ran");
    await restarted.close();
    assert.equal((await second.stop()).code, 0, dump(second));
    const onDisk = await runsOnDisk(c, [runA, runB, runC, runD]);
    assert.equal(onDisk.get(runA)?.status, "interrupted");
    assert.equal(onDisk.get(runA)?.partialText, partialOnDisk);
    assert.equal(typeof onDisk.get(runA)?.endedAt, "number");
    for (const id of [runB, runC, runD]) assert.equal(onDisk.get(id)?.status, "ok", `run ${id}`);
  });
});

describe("SIGKILL right after a chat.send ack", () => {
  test("the acknowledged turn is never lost: a started run ends interrupted, a queued one runs after the restart", async () => {
    const c = await sandbox();
    const gw = await start(c);
    const { client } = await connect(c);
    const runId = randomUUID();
    const text = "kill me right away MARK:slow:2000";
    const ack = await send(client, text, runId);
    gw.child.kill("SIGKILL");
    assert.equal(ack.status, "started");
    await gw.exited;

    const onDisk = await runsOnDisk(c, [runId]);
    assert.ok(onDisk.get(runId), "the run is a row on disk once chat.send was acknowledged");
    const statusAtKill = onDisk.get(runId)!.status;
    assert.ok(["queued", "running"].includes(statusAtKill), `status on disk: ${statusAtKill}`);

    const second = await start(c);
    const { client: again, events } = await connect(c);
    if (statusAtKill === "queued") {
      const resumed = await again.request<{ status: string }>("agent.wait", { runId, timeoutMs: 15_000 }, 20_000);
      assert.equal(resumed.status, "ok", "a turn still queued at the kill runs after the restart");
    }
    const messages = await history(again);
    const users = messages.filter((m) => m.role === "user" && textOf(m) === text);
    assert.equal(users.length, 1, `the acknowledged message is in the transcript exactly once:\n${describeHistory(messages)}`);
    assert.equal(users[0].__openclaw.runId, runId);

    const next = randomUUID();
    const ackNext = await send(again, "are you back", next);
    assert.equal(ackNext.queued, undefined, `the session is not stuck behind the killed run: ${JSON.stringify(ackNext)}`);
    await waitUntil(() => chatEvents(events, next, "final").length > 0, 8000, "the final of the next turn");
    assert.equal(finalText(chatEvents(events, next, "final")[0]), "echo: are you back");

    await again.close();
    await second.stop();
    const after = await runsOnDisk(c, [runId]);
    if (statusAtKill === "running") assert.equal(after.get(runId)?.status, "interrupted", "a slow reply cannot have completed before the kill");
    else assert.equal(after.get(runId)?.status, "ok");
  });
});

describe("SIGTERM while a reply streams and a turn is queued", () => {
  test("the gateway exits cleanly within seconds; the run is interrupted with its partial text and the queued turn runs on the next start", async () => {
    const c = await sandbox();
    const gw = await start(c);
    const { client, events } = await connect(c);
    const runA = randomUUID();
    const runB = randomUUID();
    await send(client, "a long one please MARK:slow:150 MARK:long", runA);
    await waitUntil(() => seenText(events, runA).length >= 2 * LONG_HEAD.length, 5000, "some text of run A");
    const ackB = await send(client, "waiting turn echo", runB);
    assert.equal(ackB.queued, true);
    const streamed = seenText(events, runA);

    const t0 = Date.now();
    gw.child.kill("SIGTERM");
    const exit = await gw.exited;
    const exitMs = Date.now() - t0;
    console.log(`FIGURE sigterm-exit-ms=${exitMs}`);
    assert.equal(exit.code, 0, `a SIGTERM ends the gateway cleanly\n${dump(gw)}`);
    assert.ok(exitMs < 7000, `the gateway must exit within a few seconds of SIGTERM (took ${exitMs} ms)`);
    assert.deepEqual(requestsFor("waiting turn echo"), [], "the queued turn did not start during shutdown");

    const onDisk = await runsOnDisk(c, [runA, runB]);
    assert.equal(onDisk.get(runA)?.status, "interrupted", "a stopping gateway records the run it cut off");
    assert.equal(onDisk.get(runB)?.status, "queued", "the queued turn stays queued for the next start");

    const mark = standIn.requests.length;
    await start(c);
    const { client: again } = await connect(c);
    const waited = await again.request<{ status: string }>("agent.wait", { runId: runB, timeoutMs: 8000 }, 10_000);
    assert.equal(waited.status, "ok", `the queued turn runs after the restart: ${JSON.stringify(waited)}`);
    assert.equal(requestsFor("waiting turn echo", mark).length, 1, "exactly once");
    assert.deepEqual(requestsFor("a long one please", mark), [], "the interrupted run is not re-run");

    const messages = await history(again);
    assert.deepEqual(
      messages.map((m) => [m.role, m.__openclaw.runId]),
      [["user", runA], ["assistant", runA], ["user", runB], ["assistant", runB]],
      `transcript after the restart:\n${describeHistory(messages)}`,
    );
    const partial = messages[1];
    assert.equal(partial.interrupted, true, `the cut-off reply is marked interrupted: ${JSON.stringify(partial).slice(0, 300)}`);
    assert.equal(partial.stopReason, "interrupted");
    assert.ok(textOf(partial).startsWith(streamed), "nothing streamed before the SIGTERM is dropped");
    assert.ok(!/Paragraph 10\./.test(textOf(partial)), "the reply was cut off");
    assert.equal(textOf(messages[3]), "echo: waiting turn echo");

    await assertWaitSaysInterrupted(again, runA);
  });
});

describe("SIGKILL while a tool runs", () => {
  test("the tool call is on disk, the run is interrupted, and the next turn sends the model a valid history", async () => {
    const c = await sandbox();
    const gw = await start(c);
    const { client } = await connect(c);
    const word = randomUUID().slice(0, 8);
    const marker = join(c.sb.stateDir, "workspace", `tool-started-${word}`);
    const runA = randomUUID();
    await send(client, `MARK:script ${JSON.stringify([{ name: "exec", args: { command: `touch ${marker}; sleep 30` } }])}`, runA);
    await waitUntil(() => existsSync(marker), 5000, "the command to start");
    gw.child.kill("SIGKILL");
    await gw.exited;
    const notes = readdirSync(join(c.sb.stateDir, "exec", "running"));
    assert.equal(notes.length, 1, "the running command is noted on disk");
    const { pid } = JSON.parse(readFileSync(join(c.sb.stateDir, "exec", "running", notes[0]), "utf8")) as { pid: number };
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(alive(), true, "a kill -9 of the gateway leaves its command group running");

    const onDisk = await runsOnDisk(c, [runA]);
    assert.equal(onDisk.get(runA)?.status, "running");
    await start(c);
    await waitUntil(() => !alive(), 5000, "the next start to stop the command the dead gateway left running");
    const { client: again } = await connect(c);
    await assertWaitSaysInterrupted(again, runA);
    const before = await history(again);
    assert.deepEqual(before.map((m) => m.role), ["user", "assistant"], `the model's tool call was committed before the tool ran:\n${describeHistory(before)}`);
    assert.equal((before[1] as unknown as { toolCalls: Array<{ name: string }> }).toolCalls[0].name, "exec");

    const mark = standIn.requests.length;
    const runB = randomUUID();
    await send(again, `after the crash ${word}`, runB);
    const waited = await again.request<{ status: string }>("agent.wait", { runId: runB, timeoutMs: 8000 }, 10_000);
    assert.equal(waited.status, "ok", JSON.stringify(waited));
    const [request] = requestsFor(`after the crash ${word}`, mark).map((i) => standIn.requests[i]);
    const messages = ((request.body as { messages: Array<{ role: string; tool_calls?: unknown[] }> }).messages).filter((m) => m.role !== "system");
    assert.deepEqual(messages.map((m) => m.role), ["user", "user"], "a tool call without a result is not sent to the model");
  });
});
