import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import Sqlite from "better-sqlite3";
import { openAgentStore } from "./agent-store.js";
import { migrations, SchemaTooNewError } from "./migrations.js";
import { message, tempStorePath } from "./test-helpers.js";

const mode = (path: string) => statSync(path).mode & 0o777;

test("the driver is loaded only when a store is opened", () => {
  const storeModule = new URL("./agent-store.js", import.meta.url).href;
  const script = `
    import { createRequire } from "node:module";
    const require = createRequire(import.meta.url);
    const loaded = () => Object.keys(require.cache).some((p) => p.includes("better-sqlite3"));
    const { openAgentStore } = await import(${JSON.stringify(storeModule)});
    const before = loaded();
    (await openAgentStore(${JSON.stringify(tempStorePath())})).close();
    console.log(JSON.stringify({ before, after: loaded() }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { before: false, after: true });
});

test("a new store is private, in WAL mode and at the newest schema", async () => {
  const path = tempStorePath();
  const store = await openAgentStore(path);
  store.appendEntry("agent:main:main", message("user", "hi"));
  assert.equal(mode(dirname(path)), 0o700);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(file), 0o600, file);
  const db = new Sqlite(path, { readonly: true });
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  assert.equal(db.pragma("user_version", { simple: true }), migrations.length);
  db.close();
  store.close();
  const reopened = await openAgentStore(path);
  assert.equal(reopened.countSessions(), 1);
  reopened.close();
});

test("sessions: ensure, get, patch, list and count", async () => {
  const store = await openAgentStore(tempStorePath());
  assert.equal(store.getSession("agent:main:a"), null);
  const a = store.ensureSession("agent:main:a", { channel: "webchat" });
  assert.equal(a.channel, "webchat");
  assert.equal(a.messageCount, 0);
  assert.equal(a.status, null);
  assert.equal(a.abortedLastRun, false);
  assert.deepEqual(store.ensureSession("agent:main:a", { channel: "irc" }), a);
  store.ensureSession("agent:main:b_1");
  store.ensureSession("agent:main:c%");

  const patched = store.patchSession("agent:main:a", { label: "Work", thinkingLevel: "high" })!;
  assert.equal(patched.label, "Work");
  assert.equal(patched.thinkingLevel, "high");
  assert.equal(patched.channel, "webchat");
  const cleared = store.patchSession("agent:main:a", { thinkingLevel: null, modelOverride: "openai/gpt-5" })!;
  assert.equal(cleared.thinkingLevel, null);
  assert.equal(cleared.label, "Work");
  assert.equal(cleared.modelOverride, "openai/gpt-5");
  assert.equal(store.patchSession("agent:main:none", { label: "x" }), null);

  assert.equal(store.countSessions(), 3);
  const all = store.listSessions({ limit: 2, offset: 0 });
  assert.equal(all.total, 3);
  assert.equal(all.rows.length, 2);
  assert.equal(all.rows[0].key, "agent:main:a", "most recently updated first");
  assert.equal(store.listSessions({ limit: 10, offset: 2 }).rows.length, 1);
  assert.deepEqual(store.listSessions({ limit: 10, offset: 0, label: "Work" }).rows.map((r) => r.key), ["agent:main:a"]);
  assert.deepEqual(store.listSessions({ limit: 10, offset: 0, search: "work" }).rows.map((r) => r.key), ["agent:main:a"]);
  assert.deepEqual(store.listSessions({ limit: 10, offset: 0, search: "_" }).rows.map((r) => r.key), ["agent:main:b_1"], "LIKE wildcards are literal");
  assert.deepEqual(store.listSessions({ limit: 10, offset: 0, search: "%" }).rows.map((r) => r.key), ["agent:main:c%"]);
  assert.equal(store.listSessions({ limit: 10, offset: 0, activeSinceMs: Date.now() + 60_000 }).total, 0);
  assert.equal(store.listSessions({ limit: 10, offset: 0, activeSinceMs: Date.now() - 60_000 }).total, 3);
  store.close();
});

test("appendEntry chains seq and parent and keeps the session counters", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:main";
  const first = store.appendEntry(key, message("user", "  hello\n\n  there  "));
  const session = store.getSession(key)!;
  assert.equal(first.sessionId, session.sessionId, "appending creates the session");
  assert.equal(first.seq, 1);
  assert.equal(first.parentId, null);
  const compaction = store.appendEntry(key, { type: "compaction", role: null, text: "summary so far", data: { summary: "summary so far" }, runId: null, idempotencyKey: null });
  const long = store.appendEntry(key, message("assistant", "x".repeat(500), { timestamp: 1234 }));
  const tool = store.appendEntry(key, message("toolResult", "tool output", { data: { toolCallId: "t1" } }));
  assert.deepEqual([compaction.seq, long.seq, tool.seq], [2, 3, 4]);
  assert.deepEqual([compaction.parentId, long.parentId, tool.parentId], [first.id, compaction.id, long.id]);
  assert.equal(long.timestamp, 1234);

  const after = store.getSession(key)!;
  assert.equal(after.messageCount, 3, "compaction markers are not messages");
  assert.equal(after.lastMessagePreview, "x".repeat(120), "previews come from user and assistant text");
  assert.ok(after.updatedAt >= session.updatedAt);
  assert.equal(store.getSession(key)!.lastMessagePreview?.length, 120);
  assert.deepEqual(store.getEntry(session.sessionId, tool.id), tool);
  assert.equal(store.getEntry("other", tool.id), null);
  assert.deepEqual(store.lastCompaction(session.sessionId), compaction);
  assert.equal(store.lastCompaction("other"), null);
  assert.deepEqual(store.entriesAfter(session.sessionId, 2, 10).map((e) => e.seq), [3, 4]);
  assert.deepEqual(store.entriesAfter(session.sessionId, 0, 1).map((e) => e.seq), [1]);

  const keyed = store.appendEntry(key, message("user", "again", { idempotencyKey: "idem-1" }));
  store.appendEntry(key, message("assistant", "reply", { idempotencyKey: "idem-1" }));
  assert.equal(store.findEntryByIdempotencyKey(session.sessionId, "idem-1")?.id, keyed.id, "the first entry with the key");
  assert.equal(store.findEntryByIdempotencyKey(session.sessionId, "idem-2"), null);
  assert.equal(store.getSession(key)!.lastMessagePreview, "reply");
  store.close();
});

test("reset starts a new transcript and keeps the old one; delete removes it when asked", async () => {
  const path = tempStorePath();
  const store = await openAgentStore(path);
  const key = "agent:main:main";
  const old = store.ensureSession(key);
  store.patchSession(key, { label: "kept" });
  store.appendEntry(key, message("user", "zebra crossing"));
  const run = store.insertRun({ runId: "r1", sessionKey: key, status: "running", source: "chat", request: {} });
  store.startRun(run.runId, null);
  store.finishRun(run.runId, { status: "ok", entries: [message("assistant", "zebra reply")], usage: { input: 1, output: 2, cacheRead: 3, total: 6 } });

  const reset = store.resetSession(key)!;
  assert.notEqual(reset.sessionId, old.sessionId);
  assert.equal(reset.label, "kept");
  assert.equal(reset.messageCount, 0);
  assert.equal(reset.totalTokens, 0);
  assert.equal(reset.lastMessagePreview, null);
  assert.equal(reset.status, null);
  assert.equal(store.history(old.sessionId, { limit: 10 }).total, 2, "old entries stay");
  assert.equal(store.search("zebra", { limit: 10 }).length, 0, "search covers current transcripts only");
  const fresh = store.appendEntry(key, message("user", "zebra again"));
  assert.equal(fresh.seq, 1);
  assert.equal(fresh.parentId, null);
  assert.equal(store.search("zebra", { limit: 10 }).length, 1);
  assert.equal(store.resetSession("agent:main:none"), null);

  store.insertRun({ runId: "queued-1", sessionKey: key, status: "queued", source: "chat", request: {} });
  assert.equal(store.deleteSession(key, false), true);
  assert.equal(store.getSession(key), null);
  assert.equal(store.getRun("queued-1")?.status, "aborted", "queued turns of a deleted session never run");
  assert.equal(store.history(reset.sessionId, { limit: 10 }).total, 1, "entries stay without deleteTranscript");

  store.ensureSession(key);
  store.appendEntry(key, message("user", "zebra third"));
  assert.equal(store.deleteSession(key, true), true);
  assert.equal(store.deleteSession(key, true), false);
  for (const id of [old.sessionId, reset.sessionId]) assert.equal(store.history(id, { limit: 10 }).total, 0);
  assert.equal(store.getRun("r1"), null);
  store.close();

  const db = new Sqlite(path);
  assert.equal((db.prepare("SELECT count(*) AS n FROM entries").get() as { n: number }).n, 0);
  assert.equal((db.prepare("SELECT count(*) AS n FROM entries_fts WHERE entries_fts MATCH 'zebra'").get() as { n: number }).n, 0, "FTS rows are gone");
  assert.equal((db.prepare("SELECT count(*) AS n FROM transcripts").get() as { n: number }).n, 0);
  assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
  db.prepare("INSERT INTO entries_fts (entries_fts) VALUES ('integrity-check')").run();
  db.close();
});

test("search: snippets, scores, roles, session filter and hostile query text", async () => {
  const store = await openAgentStore(tempStorePath());
  store.appendEntry("agent:main:a", message("user", "How do I deploy the gateway behind traefik?"));
  store.appendEntry("agent:main:a", message("assistant", "To deploy it, put traefik in front and proxy the WebSocket upgrade."));
  store.appendEntry("agent:main:a", message("toolResult", "deploy log: traefik restarted"));
  store.appendEntry("agent:main:a", { type: "compaction", role: null, text: "deploy traefik summary", data: {}, runId: null, idempotencyKey: null });
  store.appendEntry("agent:main:b", message("user", "traefik deploy on the other box, foo or bar near here"));

  const hits = store.search("deploy traefik", { limit: 10 });
  assert.equal(hits.length, 3, "only user and assistant messages");
  assert.ok(hits.every((h) => h.role === "user" || h.role === "assistant"));
  assert.ok(hits.every((h) => h.snippet.includes("traefik") && typeof h.score === "number" && typeof h.timestamp === "number"));
  assert.ok(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score, "best first");
  assert.equal(store.search("deploying", { limit: 10 }).length, 3, "stemmed");
  assert.equal(store.search("deploy", { limit: 1 }).length, 1);
  const onlyB = store.search("deploy", { sessionKeys: ["agent:main:b"], limit: 10 });
  assert.deepEqual(onlyB.map((h) => h.sessionKey), ["agent:main:b"]);
  assert.equal(onlyB[0].sessionId, store.getSession("agent:main:b")!.sessionId);
  assert.equal(store.search("deploy", { sessionKeys: [], limit: 10 }).length, 0);

  for (const hostile of [`"foo" OR (* NEAR`, `"`, `***`, `NEAR(`, `foo"bar`, `a:b`, `-x`, `^`, `{col}: x`, `AND OR NOT`, `(`, "", "   "]) {
    assert.doesNotThrow(() => store.search(hostile, { limit: 5 }), hostile);
  }
  assert.equal(store.search(`"foo" OR (* NEAR`, { limit: 5 }).length, 1, "operators are plain words");
  assert.equal(store.search("NOT", { limit: 5 }).length, 0);
  assert.equal(store.search(`(*`, { limit: 5 }).length, 0);
  store.close();
});

test("runs: queue order, start, partial text, finish and cancel", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:main";
  const ids = Array.from({ length: 20 }, (_, i) => `run-${String(19 - i).padStart(2, "0")}`);
  for (const runId of ids) store.insertRun({ runId, sessionKey: key, status: "queued", source: "chat", request: { message: runId } });
  assert.deepEqual(store.queuedRuns().map((r) => r.runId), ids, "creation order even within one millisecond");
  const queued = store.getRun(ids[0])!;
  assert.equal(queued.status, "queued");
  assert.equal(queued.sessionId, null);
  assert.deepEqual(queued.request, { message: ids[0] });
  assert.equal(store.getRun("missing"), null);

  const started = store.startRun(ids[0], message("user", "first question", { idempotencyKey: "idem" }));
  assert.equal(started.run.status, "running");
  assert.ok(started.run.startedAt !== null);
  assert.equal(started.run.sessionId, started.session.sessionId);
  assert.equal(started.userEntry?.runId, ids[0]);
  assert.equal(started.userEntry?.seq, 1);
  assert.equal(started.session.status, "running");
  assert.equal(started.session.lastRunId, ids[0]);
  assert.equal(started.session.lastInteractionAt, started.run.startedAt);
  assert.equal(started.session.startedAt, started.run.startedAt);
  assert.equal(started.session.messageCount, 1);
  assert.throws(() => store.startRun(ids[0], null), /cannot start/);

  store.savePartialText(ids[0], "Thinking");
  store.savePartialText(ids[0], "Thinking about it");
  assert.equal(store.getRun(ids[0])!.partialText, "Thinking about it");

  const usage = { input: 10, output: 5, cacheRead: 2, total: 17 };
  const finished = store.finishRun(ids[0], {
    status: "ok",
    result: { text: "answer" },
    entries: [message("toolResult", "ls output"), message("assistant", "the answer", { data: { stopReason: "stop" } })],
    usage,
    modelProvider: "openai",
    model: "gpt-5",
  });
  assert.equal(finished.run.status, "ok");
  assert.deepEqual(finished.run.result, { text: "answer" });
  assert.ok(finished.run.endedAt !== null);
  assert.deepEqual(finished.entries.map((e) => [e.seq, e.parentId, e.runId]), [
    [2, started.userEntry!.id, ids[0]],
    [3, finished.entries[0].id, ids[0]],
  ]);
  const done = store.getSession(key)!;
  assert.equal(done.status, "done");
  assert.equal(done.endedAt, finished.run.endedAt);
  assert.deepEqual([done.inputTokens, done.outputTokens, done.cacheReadTokens, done.totalTokens], [10, 5, 2, 17]);
  assert.deepEqual([done.modelProvider, done.model], ["openai", "gpt-5"]);
  assert.equal(done.messageCount, 3);
  assert.equal(done.lastMessagePreview, "the answer");
  assert.throws(() => store.finishRun(ids[0], { status: "ok", entries: [] }), /already finished/);

  const outcomes = [
    ["error", "failed", "boom"],
    ["aborted", "aborted", null],
    ["timeout", "timeout", "took too long"],
  ] as const;
  for (const [index, [status, sessionStatus, error]] of outcomes.entries()) {
    const runId = ids[index + 1];
    store.startRun(runId, message("user", `turn ${index}`));
    store.finishRun(runId, { status, error, entries: [], usage });
    const session = store.getSession(key)!;
    assert.equal(session.status, sessionStatus);
    assert.equal(session.lastRunError, error);
    assert.equal(session.abortedLastRun, status === "aborted");
    assert.equal(store.getRun(runId)!.error, error);
  }
  const totals = store.getSession(key)!;
  assert.equal(totals.totalTokens, 17 * 4, "usage adds up");
  assert.deepEqual([totals.modelProvider, totals.model], ["openai", "gpt-5"], "kept when a run reports none");

  const cancelled = store.cancelQueued(key);
  assert.equal(cancelled.length, 16);
  assert.deepEqual(store.queuedRuns(), []);
  assert.equal(store.getRun(cancelled[0])!.status, "aborted");
  assert.throws(() => store.startRun(cancelled[0], null), /cannot start/);
  assert.throws(() => store.startRun("missing", null), /Unknown run/);
  store.close();
});

test("startRun and finishRun are all-or-nothing", async () => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:main";
  store.insertRun({ runId: "r", sessionKey: key, status: "queued", source: "chat", request: {} });
  const unserializable = message("user", "hi", { data: { n: 1n } });
  assert.throws(() => store.startRun("r", unserializable));
  assert.equal(store.getRun("r")!.status, "queued");
  assert.equal(store.getRun("r")!.startedAt, null);
  assert.equal(store.getSession(key), null, "the session created inside the failed transaction is gone too");

  const { session } = store.startRun("r", message("user", "hi"));
  assert.throws(() => store.finishRun("r", { status: "ok", entries: [message("assistant", "a"), unserializable], usage: { input: 1, output: 1, cacheRead: 0, total: 2 } }));
  assert.equal(store.getRun("r")!.status, "running");
  assert.equal(store.history(session.sessionId, { limit: 10 }).total, 1, "no entry of the failed finish");
  assert.equal(store.getSession(key)!.totalTokens, 0);
  store.close();
});

test("recoverInterrupted keeps partial text and marks runs and sessions interrupted", async () => {
  const path = tempStorePath();
  const store = await openAgentStore(path);
  store.insertRun({ runId: "with-text", sessionKey: "agent:main:a", status: "queued", source: "chat", request: {} });
  store.insertRun({ runId: "silent", sessionKey: "agent:main:b", status: "running", source: "agent", request: {} });
  store.insertRun({ runId: "waiting", sessionKey: "agent:main:a", status: "queued", source: "chat", request: {} });
  store.startRun("with-text", message("user", "write a poem"));
  store.startRun("silent", message("user", "think hard"));
  store.savePartialText("with-text", "Roses are red");
  store.close();

  const reopened = await openAgentStore(path);
  const recovered = reopened.recoverInterrupted();
  assert.deepEqual(recovered.map((r) => [r.runId, r.status]), [
    ["with-text", "interrupted"],
    ["silent", "interrupted"],
  ]);
  assert.ok(recovered.every((r) => r.endedAt !== null));
  const a = reopened.getSession("agent:main:a")!;
  const b = reopened.getSession("agent:main:b")!;
  assert.equal(a.status, "interrupted");
  assert.equal(b.status, "interrupted");
  const [, partial] = reopened.history(a.sessionId, { limit: 10 }).entries;
  assert.equal(partial.type, "message");
  assert.equal(partial.role, "assistant");
  assert.equal(partial.text, "Roses are red");
  assert.deepEqual(partial.data, { stopReason: "interrupted", interrupted: true });
  assert.equal(partial.runId, "with-text");
  const [, marker] = reopened.history(b.sessionId, { limit: 10 }).entries;
  assert.equal(marker.type, "abort");
  assert.match(marker.text, /interrupted/);
  assert.deepEqual(reopened.queuedRuns().map((r) => r.runId), ["waiting"], "queued turns survive to be replayed");
  assert.deepEqual(reopened.recoverInterrupted(), []);
  reopened.close();
});

test("history pages by limit and by bytes on a 10,000-entry transcript", async (t) => {
  const store = await openAgentStore(tempStorePath());
  const key = "agent:main:big";
  const count = 10_000;
  const appendStart = process.hrtime.bigint();
  for (let i = 1; i <= count; i++) {
    store.appendEntry(key, message(i % 2 ? "user" : "assistant", `message ${i} ` + "lorem ipsum ".repeat(i % 50)));
  }
  const appendMicros = Number(process.hrtime.bigint() - appendStart) / 1000 / count;
  const { sessionId } = store.getSession(key)!;

  const last = store.history(sessionId, { limit: 50 });
  assert.equal(last.total, count);
  assert.equal(last.hasMore, true);
  assert.deepEqual([last.entries[0].seq, last.entries.at(-1)!.seq], [count - 49, count]);

  const seen: number[] = [];
  let before: number | undefined;
  for (;;) {
    const page = store.history(sessionId, { beforeSeq: before, limit: 700 });
    seen.unshift(...page.entries.map((e) => e.seq));
    if (!page.hasMore) break;
    before = page.entries[0].seq;
  }
  assert.equal(seen.length, count);
  assert.ok(seen.every((seq, i) => seq === i + 1), "paging walks every entry once, in order");

  const bytes = store.history(sessionId, { limit: 1000, maxBytes: 20_000 });
  assert.ok(bytes.entries.length > 1 && bytes.entries.length < 1000);
  assert.ok(Buffer.byteLength(JSON.stringify(bytes.entries)) <= 20_000);
  assert.equal(bytes.entries.at(-1)!.seq, count, "the newest entries are kept");
  const oneMore = store.history(sessionId, { limit: bytes.entries.length + 1 });
  assert.ok(Buffer.byteLength(JSON.stringify(oneMore.entries)) > 20_000, "the cut is as large as fits");
  const tiny = store.history(sessionId, { limit: 10, maxBytes: 1 });
  assert.equal(tiny.entries.length, 1, "at least one entry");
  assert.deepEqual(store.history(sessionId, { beforeSeq: 1, limit: 10 }), { entries: [], hasMore: false, total: count });
  assert.deepEqual(store.history(sessionId, { limit: 0 }), { entries: [], hasMore: true, total: count });
  assert.deepEqual(store.history("unknown", { limit: 10 }), { entries: [], hasMore: false, total: 0 });

  const pages = 200;
  const historyStart = process.hrtime.bigint();
  for (let i = 0; i < pages; i++) store.history(sessionId, { beforeSeq: 1 + Math.floor(Math.random() * count), limit: 100, maxBytes: 64 * 1024 });
  const pageMs = Number(process.hrtime.bigint() - historyStart) / 1e6 / pages;
  t.diagnostic(`appendEntry ${appendMicros.toFixed(1)} µs; history page of 100 on ${count} entries ${pageMs.toFixed(3)} ms`);
  assert.ok(pageMs < 25, `history page took ${pageMs} ms (a sanity bound, not a benchmark)`);
  store.close();
});

test("startRun + finishRun cost well under a millisecond", async (t) => {
  const store = await openAgentStore(tempStorePath());
  const turns = 500;
  for (let i = 0; i < turns; i++) store.insertRun({ runId: `run-${i}`, sessionKey: "agent:main:main", status: "queued", source: "chat", request: { message: "hi" } });
  const start = process.hrtime.bigint();
  for (let i = 0; i < turns; i++) {
    store.startRun(`run-${i}`, message("user", `question ${i}`));
    store.finishRun(`run-${i}`, { status: "ok", entries: [message("assistant", `answer ${i}`)], usage: { input: 1, output: 1, cacheRead: 0, total: 2 } });
  }
  const micros = Number(process.hrtime.bigint() - start) / 1000 / turns;
  t.diagnostic(`startRun+finishRun ${micros.toFixed(1)} µs`);
  assert.ok(micros < 10_000, "a sanity bound, not a benchmark");
  assert.equal(store.getSession("agent:main:main")!.messageCount, 2 * turns);
  store.close();
});

test("a store written by a newer gateway is refused", async () => {
  const path = tempStorePath();
  (await openAgentStore(path)).close();
  const db = new Sqlite(path);
  db.pragma(`user_version = ${migrations.length + 1}`);
  db.close();
  await assert.rejects(openAgentStore(path), (err: Error) => {
    assert.ok(err instanceof SchemaTooNewError);
    assert.match(err.message, new RegExp(`schema version ${migrations.length + 1}.*up to ${migrations.length}`));
    return true;
  });
});
