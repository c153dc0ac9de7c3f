import { test } from "node:test";
import assert from "node:assert/strict";
import { ToolError, type ToolDefinition } from "../types.js";
import { execTools } from "./index.js";
import { processesMatching, toolContext, uniqueSeconds, waitUntil } from "./test-context.js";

function kit() {
  const tools = execTools({ killGraceMs: 300 });
  const byName = (name: string) => tools.tools.find((t) => t.name === name) as ToolDefinition;
  return { exec: byName("exec"), process: byName("process"), shutdown: tools.shutdown };
}

const invalid = (e: unknown) => e instanceof ToolError && e.kind === "invalid_arguments";

test("background: start, poll, write stdin, poll the exit", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const ctx = toolContext();
    const started = await exec.execute({ command: "echo ready; read name; echo hello $name; read rest; echo bye", background: true }, ctx);
    assert.equal(started.details?.status, "running");
    const sessionId = started.details?.sessionId as string;
    assert.match(started.content, new RegExp(`session ${sessionId}`));

    const first = await process.execute({ action: "poll", sessionId, timeout: 2000 }, ctx);
    assert.match(first.content, /^ready\n\n\[still running\]$/);
    assert.equal(first.details?.status, "running");

    const written = await process.execute({ action: "write", sessionId, data: "world\n" }, ctx);
    assert.match(written.content, /Wrote 6 bytes/);
    const second = await process.execute({ action: "poll", sessionId, timeout: 2000 }, ctx);
    assert.match(second.content, /^hello world\n/);

    await process.execute({ action: "write", sessionId, data: "", eof: true }, ctx);
    let last = await process.execute({ action: "poll", sessionId, timeout: 2000 }, ctx);
    for (let i = 0; i < 20 && last.details?.status === "running"; i++) last = await process.execute({ action: "poll", sessionId, timeout: 200 }, ctx);
    assert.equal(last.details?.status, "completed");
    assert.equal(last.details?.exitCode, 0);

    const log = await process.execute({ action: "log", sessionId }, ctx);
    assert.match(log.content, /^ready\nhello world\nbye\n\n\[lines 1-3 of 3\]/);
    const page = await process.execute({ action: "log", sessionId, offset: 1, limit: 1 }, ctx);
    assert.match(page.content, /^hello world\n\n\[lines 2-2 of 3; use offset and limit for others\]/);
  } finally {
    shutdown();
  }
});

test("a command outlasting yieldMs becomes a background session; kill stops its group", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const ctx = toolContext();
    const secs = uniqueSeconds();
    const started = await exec.execute({ command: `echo go; sleep ${secs} & sleep ${secs}`, yieldMs: 200 }, ctx);
    assert.equal(started.details?.status, "running");
    assert.match(started.content, /Output so far:\ngo/);
    const sessionId = started.details?.sessionId as string;

    const listed = await process.execute({ action: "list" }, ctx);
    assert.match(listed.content, new RegExp(`${sessionId}  running`));

    // The run ending does not stop a backgrounded command.
    ctx.abort.abort();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(processesMatching(`sleep\0${secs}`).length, 2);

    const killed = await process.execute({ action: "kill", sessionId }, toolContext());
    assert.match(killed.content, /Killed session/);
    assert.equal(killed.details?.status, "killed");
    assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0));

    await assert.rejects(process.execute({ action: "write", sessionId, data: "x" }, ctx), ToolError);
    const cleared = await process.execute({ action: "clear", sessionId }, ctx);
    assert.match(cleared.content, /Cleared/);
    await assert.rejects(process.execute({ action: "poll", sessionId }, ctx), invalid);
  } finally {
    shutdown();
  }
});

test("sessions are visible only to the agent that started them", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const mine = toolContext();
    const started = await exec.execute({ command: "sleep 30", background: true }, mine);
    const sessionId = started.details?.sessionId as string;
    const other = toolContext({ agentId: "other", sessionKey: "agent:other:main" });
    const listed = await process.execute({ action: "list" }, other);
    assert.equal(listed.content, "No background sessions.");
    await assert.rejects(process.execute({ action: "poll", sessionId }, other), invalid);
    await assert.rejects(process.execute({ action: "kill", sessionId }, other), invalid);
    const removed = await process.execute({ action: "remove", sessionId }, mine);
    assert.equal(removed.details?.wasRunning, true);
    assert.equal((await process.execute({ action: "list" }, mine)).content, "No background sessions.");
  } finally {
    shutdown();
  }
});

test("another chat session of the same agent cannot reach the commands (a sandboxed group chat and the owner's host session)", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const owner = toolContext();
    const secs = uniqueSeconds();
    const sessionId = (await exec.execute({ command: `sleep ${secs}`, background: true }, owner)).details?.sessionId as string;
    const group = toolContext({ sessionKey: "agent:main:telegram:group:-100123", sandboxed: true });
    assert.equal((await process.execute({ action: "list" }, group)).content, "No background sessions.");
    for (const action of ["poll", "log", "write", "kill", "clear", "remove"]) {
      await assert.rejects(process.execute({ action, sessionId, data: "x" }, group), invalid, action);
    }
    assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 1), "still running");
    assert.match((await process.execute({ action: "list" }, owner)).content, new RegExp(`${sessionId}  running`));
    await process.execute({ action: "remove", sessionId }, owner);
  } finally {
    shutdown();
  }
});

test("clear refuses a running session; PTY actions are refused with a pointer to write", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const ctx = toolContext();
    const sessionId = (await exec.execute({ command: "sleep 30", background: true }, ctx)).details?.sessionId as string;
    await assert.rejects(process.execute({ action: "clear", sessionId }, ctx), invalid);
    await assert.rejects(process.execute({ action: "send-keys", sessionId, keys: ["C-c"] }, ctx), (e: unknown) => invalid(e) && /write/.test((e as Error).message));
    await assert.rejects(process.execute({ action: "poll" }, ctx), invalid);
  } finally {
    shutdown();
  }
});

test("shutdown kills every background command", async () => {
  const { exec, shutdown } = kit();
  const ctx = toolContext();
  const secs = uniqueSeconds();
  await exec.execute({ command: `sleep ${secs}`, background: true }, ctx);
  await exec.execute({ command: `sleep ${secs}`, background: true }, ctx);
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 2));
  shutdown();
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0));
});

test("a background command still obeys its timeout", async () => {
  const { exec, process, shutdown } = kit();
  try {
    const ctx = toolContext();
    const sessionId = (await exec.execute({ command: "sleep 30", background: true, timeoutSeconds: 0.3 }, ctx)).details?.sessionId as string;
    const polled = await process.execute({ action: "poll", sessionId, timeout: 5000 }, ctx);
    assert.equal(polled.details?.status, "failed");
    assert.match(polled.content, /timed out after 0.3 s/);
  } finally {
    shutdown();
  }
});
