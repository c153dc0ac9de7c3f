/**
 * sessions.* and the agent catalogue end to end over the WebSocket protocol: listing, describe,
 * preview, patch (and its dynamic scope), reset, delete, search, usage, compaction, the
 * sessions.changed / session.message subscriptions, session-scoped events, models.list,
 * agents.list, agent.identity.get and health after runs.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startFileGateway, type TestClient } from "./harness.js";
import {
  ADMIN_SCOPES,
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
} from "./agent-harness.js";

const standIn = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: {
      defaults: { model: { primary: "mock/echo" } },
      entries: { main: { identity: { name: "Testy McTest", emoji: "🧪" } }, helper: { name: "Helper" } },
    },
    models: {
      providers: {
        mock: providerFor(standIn, [
          { id: "echo", contextWindow: 32000 },
          { id: "alt", contextWindow: 16000, name: "Alternative" },
        ]),
      },
    },
  },
});

const admin = () => client(gw.url, ADMIN_SCOPES);

/** Top-level keys of sessions.list in the official chat-send trace (minus `owners`). */
const LIST_KEYS = ["count", "defaults", "hasMore", "limitApplied", "nextOffset", "path", "sessions", "totalCount", "ts"];

describe("sessions.list / describe / preview", () => {
  test("sessions.list has the official keys and a row per session", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:list-${word}`;
    await chatTurn(c, key, `list me ${word}`);
    const list = await c.call("sessions.list", {});
    for (const k of LIST_KEYS) assert.ok(k in list, `sessions.list has ${k}`);
    assert.equal(list.count, list.sessions.length);
    assert.ok(list.totalCount >= 1);
    assert.equal(list.defaults.modelProvider, "mock");
    assert.equal(list.defaults.model, "echo");
    const row = list.sessions.find((s: any) => s.key === key);
    assert.ok(row, "the session is listed");
    assert.equal(row.kind, "direct");
    assert.equal(row.agentId, "main");
    assert.equal(typeof row.sessionId, "string");
    assert.equal(typeof row.updatedAt, "number");
    assert.equal(row.hasActiveRun, false);
    assert.deepEqual(row.activeRunIds, []);
    assert.equal(row.modelProvider, "mock");
    assert.equal(row.model, "echo");
    assert.ok(row.totalTokens > 0);
    assert.equal(list.sessions[0].key, key, "most recently updated first");

    if (!list.hasMore) assert.equal(list.nextOffset, null, "no next page");
    const one = await c.call("sessions.list", { limit: 1 });
    assert.equal(one.sessions.length, 1);
    if (one.totalCount > 1) {
      assert.equal(one.hasMore, true);
      assert.equal(one.nextOffset, 1);
    }
    const found = await c.call("sessions.list", { search: word });
    assert.deepEqual(found.sessions.map((s: any) => s.key), [key], "search filters by key");
  });

  test("a running session shows hasActiveRun and its run id", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:busy-${word}`;
    const { runId } = await sendChat(c, key, `MARK:slow:80 busy ${word}`);
    await c.waitFor((f) => isEvent(f, "chat", runId) && f.payload.state === "delta", { label: "delta" });
    const list = await c.call("sessions.list", { search: word });
    assert.equal(list.sessions[0].hasActiveRun, true);
    assert.deepEqual(list.sessions[0].activeRunIds, [runId]);
    const described = await c.call("sessions.describe", { key });
    assert.equal(described.session.hasActiveRun, true);
    const live = await historyOf(c, key);
    assert.equal(live.inFlightRun?.runId, runId, "chat.history shows the run in flight");
    assert.ok(typeof live.inFlightRun.text === "string" && live.inFlightRun.text.startsWith("echo"), live.inFlightRun.text);
    await chatEnd(c, runId);
    const later = await c.call("sessions.describe", { key });
    assert.equal(later.session.hasActiveRun, false);
    assert.deepEqual(later.session.activeRunIds, []);
  });

  test("sessions.describe and sessions.preview", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:desc-${word}`;
    await chatTurn(c, key, `describe me ${word}`);
    const described = await c.call("sessions.describe", { key });
    assert.equal(described.key, key);
    assert.equal(described.session.key, key);
    assert.equal(described.session.messageCount, 2);
    const missing = await c.request("sessions.describe", { key: `agent:main:nope-${word}` });
    assert.equal(missing.ok, false);

    const preview = await c.call("sessions.preview", { keys: [key, `agent:main:nope-${word}`] });
    assert.equal(preview.previews.length, 2);
    assert.equal(preview.previews[0].key, key);
    assert.equal(preview.previews[0].status, "ok");
    assert.deepEqual(
      preview.previews[0].items.map((i: any) => [i.role, i.text]),
      [
        ["user", `describe me ${word}`],
        ["assistant", `echo: describe me ${word}`],
      ],
    );
    assert.equal(preview.previews[1].status, "missing");
  });
});

describe("sessions.patch", () => {
  test("label and model are applied; the next run uses the model", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:patch-${word}`;
    const res = await c.call("sessions.patch", { key, label: `Label ${word}`, model: "mock/alt" });
    assert.equal(res.ok, true);
    assert.equal(res.entry.label, `Label ${word}`);
    const byLabel = await c.call("sessions.list", { label: `Label ${word}` });
    assert.deepEqual(byLabel.sessions.map((s: any) => s.key), [key]);
    await chatTurn(c, key, `which model ${word}`);
    const [call] = callsWith(standIn, `which model ${word}`);
    assert.equal((call.body as { model?: string }).model, "alt");
    const history = await historyOf(c, key);
    assert.equal(history.messages[1].model, "alt");
    const cleared = await c.call("sessions.patch", { key, label: null });
    assert.equal(cleared.entry.label, undefined, "null clears the label");
  });

  test("a model that is not provider/model is refused", async () => {
    const c = await admin();
    const res = await c.request("sessions.patch", { key: `agent:main:bad-${tag()}`, model: "not a model" });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });

  test("a model of an unconfigured provider is refused", async () => {
    const c = await admin();
    const key = `agent:main:badprov-${tag()}`;
    const res = await c.request("sessions.patch", { key, model: "nosuchprovider/some-model" });
    assert.equal(res.ok, false, `sessions.patch accepted an unknown model: ${JSON.stringify(res.payload)}`);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });

  test("a non-write field needs operator.admin", async () => {
    const writer = await client(gw.url);
    const key = `agent:main:scope-${tag()}`;
    const ok = await writer.request("sessions.patch", { key, label: "fine" });
    assert.equal(ok.ok, true, "label is a write-level field");
    assertForbidden(await writer.request("sessions.patch", { key, verboseLevel: "on" }), "operator.admin");
    const c = await admin();
    const res = await c.request("sessions.patch", { key, verboseLevel: "on" });
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });

  test("retired execSecurity is refused", async () => {
    const c = await admin();
    const res = await c.request("sessions.patch", { key: `agent:main:exec-${tag()}`, execSecurity: "full" });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });
});

describe("sessions.reset / delete", () => {
  test("reset starts a new transcript under a new sessionId", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:reset-${word}`;
    await chatTurn(c, key, `before reset ${word}`);
    const before = await historyOf(c, key);
    assert.equal(before.messages.length, 2);
    assertForbidden(await (await client(gw.url)).request("sessions.reset", { key }), "operator.admin");
    const res = await c.call("sessions.reset", { key });
    assert.equal(res.ok, true);
    assert.notEqual(res.entry.sessionId, before.sessionId, "a new sessionId");
    const after = await historyOf(c, key);
    assert.equal(after.sessionId, res.entry.sessionId);
    assert.deepEqual(after.messages, [], "the old history is gone");
    await chatTurn(c, key, `after reset ${word}`);
    const [call] = callsWith(standIn, `after reset ${word}`);
    assert.ok(!conversationOf(call).some((m) => contentText(m.content).includes(`before reset ${word}`)), "the model no longer sees the old turn");
  });

  test("delete removes the session", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:del-${word}`;
    await chatTurn(c, key, `delete me ${word}`);
    await c.call("sessions.subscribe", {});
    const res = await c.call("sessions.delete", { key });
    assert.equal(res.ok, true);
    assert.equal(res.deleted, true);
    assert.deepEqual(res.archived, []);
    const list = await c.call("sessions.list", { search: word });
    assert.deepEqual(list.sessions, []);
    assert.equal((await c.request("sessions.describe", { key })).ok, false);
    const history = await historyOf(c, key);
    assert.deepEqual(history.messages, []);
    const gone = await c.waitFor((f) => isEvent(f, "sessions.changed") && f.payload.sessionKey === key && f.payload.reason === "delete", { label: "delete change" });
    assert.equal(gone.payload.deleted, true);
    const again = await c.call("sessions.delete", { key });
    assert.equal(again.deleted, false);
  });
});

describe("sessions.search / usage / compact", () => {
  test("search finds message text; hostile query text does not error", async () => {
    const c = await admin();
    const word = tag("zq");
    const key = `agent:main:search-${word}`;
    await chatTurn(c, key, `the secret word is ${word} today`);
    const res = await c.call("sessions.search", { query: word });
    assert.ok(res.results.length >= 1, "a hit");
    const hit = res.results.find((r: any) => r.sessionKey === key);
    assert.ok(hit, JSON.stringify(res.results));
    assert.ok(hit.snippet.includes(word), hit.snippet);
    assert.ok(["user", "assistant"].includes(hit.role));
    assert.equal(typeof hit.messageId, "string");
    for (const query of [`"${word}`, `${word} OR (`, "NEAR(a b", "*", "a AND OR NOT", "'; DROP TABLE entries; --", "\u0000\u0001", "^-:\"", "col:foo"]) {
      const r = await c.request("sessions.search", { query });
      assert.equal(r.ok, true, `${JSON.stringify(query)}: ${JSON.stringify(r.error)}`);
      assert.ok(Array.isArray(r.payload.results));
    }
    const scoped = await c.call("sessions.search", { query: word, sessionKeys: ["agent:main:elsewhere"] });
    assert.deepEqual(scoped.results, [], "sessionKeys limits the search");
  });

  test("usage adds up the tokens the provider reported", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:usage-${word}`;
    await chatTurn(c, key, `count one ${word}`);
    await chatTurn(c, key, `count two ${word}`);
    const history = await historyOf(c, key);
    const replies = history.messages.filter((m: any) => m.role === "assistant");
    const input = replies.reduce((n: number, m: any) => n + m.usage.input, 0);
    const output = replies.reduce((n: number, m: any) => n + m.usage.output, 0);
    assert.ok(input > 0 && output > 0);
    const usage = await c.call("sessions.usage", { key });
    assert.equal(usage.sessions.length, 1);
    assert.equal(usage.sessions[0].key, key);
    assert.equal(usage.sessions[0].inputTokens, input);
    assert.equal(usage.sessions[0].outputTokens, output);
    assert.equal(usage.sessions[0].totalTokens, input + output);
    assert.equal(usage.totals.total, input + output);
    const all = await c.call("sessions.usage", {});
    assert.ok(all.totals.total >= input + output, "the all-sessions total includes this session");
  });

  test("compact replaces older messages by a summary the next prompt carries", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:compact-${word}`;
    await chatTurn(c, key, `alpha ${word} the launch code is orange`);
    await chatTurn(c, key, `beta ${word} the meeting is on tuesday`);
    await chatTurn(c, key, `gamma ${word} keep this one`);
    assertForbidden(await (await client(gw.url)).request("sessions.compact", { key, maxLines: 2 }), "operator.admin");
    const res = await c.call("sessions.compact", { key, maxLines: 2 });
    assert.equal(res.ok, true);
    assert.equal(res.compacted, true);
    assert.equal(res.kept, 2);
    assert.equal(res.summarized, 4);

    await chatTurn(c, key, `delta ${word} what was the launch code`);
    const [call] = callsWith(standIn, `delta ${word}`);
    const conversation = conversationOf(call).map((m) => `${m.role}: ${contentText(m.content)}`);
    assert.deepEqual(conversation, [`user: gamma ${word} keep this one`, `assistant: echo: gamma ${word} keep this one`, `user: delta ${word} what was the launch code`], "only the kept messages and the new one");
    const system = systemPromptOf(call);
    assert.ok(system.includes("orange"), "the summary of the older turns is in the system prompt");
    assert.ok(system.includes("tuesday"));

    const history = await historyOf(c, key);
    assert.equal(history.messages.filter((m: any) => m.role === "user").length, 4, "history still shows every message");
  });
});

describe("subscriptions", () => {
  test("sessions.changed goes only to sessions.subscribe callers", async () => {
    const c = await admin();
    const watcher = await admin();
    const bystander = await admin();
    assert.deepEqual(await watcher.call("sessions.subscribe", {}), { subscribed: true });
    const word = tag();
    const key = `agent:main:changed-${word}`;
    const { runId } = await sendChat(c, key, `watch ${word}`);
    await chatEnd(c, runId);
    await watcher.waitFor((f) => isEvent(f, "sessions.changed") && f.payload.sessionKey === key && f.payload.reason === "agent.run.ended", { label: "sessions.changed end" });
    const changes = eventsOf(watcher, "sessions.changed").filter((f) => f.payload.sessionKey === key);
    assert.ok(changes.length >= 2, "start and end at least");
    const last = changes[changes.length - 1].payload;
    assert.equal(last.session.key, key);
    assert.equal(last.session.hasActiveRun, false);
    assert.equal(typeof last.ts, "number");
    await watcher.call("sessions.patch", { key, label: `L ${word}` });
    const patched = await watcher.waitFor((f) => isEvent(f, "sessions.changed") && f.payload.sessionKey === key && f.payload.session?.label === `L ${word}`, { label: "patch change" });
    assert.ok(patched);
    assert.equal(eventsOf(bystander, "sessions.changed").length, 0, "no sessions.changed without subscribing");
    assert.equal(eventsOf(c, "sessions.changed").length, 0);

    assert.deepEqual(await watcher.call("sessions.unsubscribe", {}), { subscribed: false });
    const count = eventsOf(watcher, "sessions.changed").length;
    const second = await sendChat(c, key, `unwatched ${word}`);
    await chatEnd(c, second.runId);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(eventsOf(watcher, "sessions.changed").length, count, "nothing after unsubscribing");
  });

  test("sessions.messages.subscribe delivers session.message for that session only", async () => {
    const c = await admin();
    const listener = await admin();
    const word = tag();
    const mine = `agent:main:msgs-${word}`;
    const other = `agent:main:msgs-other-${word}`;
    assert.deepEqual(await listener.call("sessions.messages.subscribe", { key: mine }), { subscribed: true, key: mine });
    await chatTurn(c, other, `other ${word}`);
    await chatTurn(c, mine, `mine ${word}`);
    await listener.waitFor((f) => isEvent(f, "session.message") && f.payload.message?.role === "assistant", { label: "assistant message" });
    const messages = eventsOf(listener, "session.message");
    assert.ok(messages.every((f) => f.payload.sessionKey === mine), "only the subscribed session");
    assert.deepEqual(messages.map((f) => [f.payload.message.role, contentText(f.payload.message.content)]), [
      ["user", `mine ${word}`],
      ["assistant", `echo: mine ${word}`],
    ]);
    assert.equal(messages[0].payload.agentId, "main");
    assert.equal(typeof messages[0].payload.messageId, "string");
    assert.equal(messages[0].payload.message.__openclaw.seq, 1);
    assert.equal(eventsOf(c, "session.message").length, 0, "not for clients that did not subscribe");

    await listener.call("sessions.messages.unsubscribe", { key: mine });
    await chatTurn(c, mine, `later ${word}`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(eventsOf(listener, "session.message").length, 2, "nothing after unsubscribing");
  });

  test('a client with caps ["session-scoped-events"] only gets agent/chat events of subscribed sessions', async () => {
    const c = await admin();
    const scoped = await client(gw.url, ADMIN_SCOPES, { caps: ["session-scoped-events"] });
    const everyone = await admin();
    const word = tag();
    const mine = `agent:main:scoped-${word}`;
    const other = `agent:main:scoped-other-${word}`;
    await scoped.call("sessions.messages.subscribe", { key: mine });
    const a = await chatTurn(c, other, `other ${word}`);
    const b = await chatTurn(c, mine, `mine ${word}`);
    await scoped.waitFor((f) => isEvent(f, "chat", b.runId) && f.payload.state === "final", { label: "scoped final" });
    await everyone.waitFor((f) => isEvent(f, "chat", b.runId) && f.payload.state === "final", { label: "unscoped final" });
    const runs = (cl: TestClient) => new Set(cl.frames.filter((f) => isEvent(f, "agent") || isEvent(f, "chat")).map((f) => f.payload.runId));
    assert.deepEqual([...runs(scoped)], [b.runId], "the scoped client sees only the subscribed session");
    assert.ok(runs(everyone).has(a.runId) && runs(everyone).has(b.runId), "without the cap every session is visible");
  });
});

describe("catalogue and health", () => {
  test("models.list lists the configured models", async () => {
    const c = await client(gw.url, ["operator.read"]);
    const res = await c.call("models.list", {});
    const mine = res.models.filter((m: any) => m.provider === "mock");
    assert.deepEqual(
      mine.map((m: any) => [m.id, m.contextWindow]).sort(),
      [
        ["alt", 16000],
        ["echo", 32000],
      ],
    );
    assert.equal(mine.find((m: any) => m.id === "alt").name, "Alternative");
    const filtered = await c.call("models.list", { provider: "mock" });
    assert.ok(filtered.models.every((m: any) => m.provider === "mock"));
  });

  test("agents.list and agent.identity.get report the configured identity", async () => {
    const c = await client(gw.url, ["operator.read"]);
    const list = await c.call("agents.list", {});
    assert.equal(list.defaultId, "main");
    assert.equal(list.mainKey, "main");
    assert.deepEqual(list.agents.map((a: any) => a.id), ["main", "helper"]);
    const main = list.agents[0];
    assert.equal(main.name, "Testy McTest");
    assert.equal(main.identity.name, "Testy McTest");
    assert.equal(main.identity.emoji, "🧪");
    assert.equal(main.model.primary, "mock/echo");
    assert.equal(list.agents[1].name, "Helper");

    const identity = await c.call("agent.identity.get", { agentId: "main" });
    assert.equal(identity.agentId, "main");
    assert.equal(identity.name, "Testy McTest");
    assert.equal(identity.emoji, "🧪");
    const bySession = await c.call("agent.identity.get", { sessionKey: "agent:helper:main" });
    assert.equal(bySession.agentId, "helper");
    assert.equal(bySession.name, "Helper");
  });

  test("the configured name is who the model is told it is", async () => {
    const c = await admin();
    const word = tag();
    await chatTurn(c, `agent:main:name-${word}`, `who are you ${word}`);
    const [call] = callsWith(standIn, `who are you ${word}`);
    assert.ok(systemPromptOf(call).includes("Testy McTest"));
  });

  test("health after a run reports the sessions", async () => {
    const c = await admin();
    const word = tag();
    const key = `agent:main:health-${word}`;
    await chatTurn(c, key, `health ${word}`);
    const health = await c.call("health", { probe: true });
    assert.ok(health.sessions.count >= 1);
    assert.equal(health.sessions.recent[0].key, key);
    const main = health.agents.find((a: any) => a.agentId === "main");
    assert.equal(main.sessions.recent[0].key, key);
  });

  test("a run of a second agent lands in that agent's sessions", async () => {
    const c = await admin();
    const word = tag();
    const { end } = await chatTurn(c, `agent:helper:${word}`, `helper ${word}`);
    assert.equal(end.state, "final");
    assert.equal(end.agentId, "helper");
    const list = await c.call("sessions.list", { agentId: "helper" });
    assert.ok(list.sessions.some((s: any) => s.key === `agent:helper:${word}` && s.agentId === "helper"));
    const mainList = await c.call("sessions.list", { agentId: "main", search: word });
    assert.deepEqual(mainList.sessions, []);
  });
});
