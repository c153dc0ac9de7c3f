import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand, startCommand } from "./run-command.js";
import { processesMatching, tempWorkspace, uniqueSeconds, waitUntil } from "./test-context.js";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const base = { cwd: "/", env, timeoutMs: 10_000, killGraceMs: 300 };

test("a command runs through /bin/sh and reports its exit code", async () => {
  const ok = await runCommand({ ...base, command: "echo hi; echo err >&2" });
  assert.equal(ok.exitCode, 0);
  assert.equal(ok.signal, null);
  assert.equal(ok.stoppedBy, null);
  assert.match(ok.output, /hi\n/);
  assert.match(ok.output, /err\n/);
  assert.ok(ok.durationMs >= 0);
  const failed = await runCommand({ ...base, command: "exit 7" });
  assert.equal(failed.exitCode, 7);
});

test("argv is spawned without a shell: metacharacters stay literal", async () => {
  const dir = tempWorkspace();
  const marker = join(dir, "pwned");
  const out = await runCommand({ ...base, argv: ["/bin/echo", `a; touch ${marker}`, "$(id)", "`id`", "|", "&&", "*"] });
  assert.equal(out.output, `a; touch ${marker} $(id) \`id\` | && *\n`);
  assert.equal(existsSync(marker), false);
});

test("timeout kills the whole process group, children included", async () => {
  const secs = uniqueSeconds();
  const started = Date.now();
  const out = await runCommand({ ...base, command: `sleep ${secs} & sleep ${secs}; wait`, timeoutMs: 300 });
  assert.equal(out.stoppedBy, "timeout");
  assert.equal(out.signal, "SIGTERM");
  assert.ok(Date.now() - started < 3000);
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0), "a child sleep survived");
});

test("a group that ignores SIGTERM gets SIGKILL after the grace period", async () => {
  const out = await runCommand({ ...base, command: "trap '' TERM; sleep 30", timeoutMs: 200 });
  assert.equal(out.stoppedBy, "timeout");
  assert.equal(out.signal, "SIGKILL");
});

test("aborting the signal kills the group", async () => {
  const secs = uniqueSeconds();
  const abort = new AbortController();
  const command = startCommand({ ...base, command: `sleep ${secs} & sleep ${secs}; wait`, signal: abort.signal });
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 2));
  abort.abort();
  const out = await command.done;
  assert.equal(out.stoppedBy, "aborted");
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0), "a child sleep survived the abort");
});

test("an already aborted signal starts nothing", () => {
  const abort = new AbortController();
  abort.abort();
  assert.throws(() => startCommand({ ...base, command: "true", signal: abort.signal }), /aborted/);
});

test("children left behind with & are stopped when the command exits", async () => {
  const secs = uniqueSeconds();
  const out = await runCommand({ ...base, command: `sleep ${secs} & echo started` });
  assert.equal(out.exitCode, 0);
  assert.match(out.output, /started/);
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0), "the background child survived");
});

test("long output keeps its head and tail with a marker", async () => {
  const out = await runCommand({ ...base, command: "echo START; head -c 300000 /dev/zero | tr '\\0' x; echo; echo END", headBytes: 1024, tailBytes: 1024 });
  assert.equal(out.truncated, true);
  assert.ok(out.totalBytes > 300000);
  assert.ok(out.output.startsWith("START\n"));
  assert.ok(out.output.endsWith("END\n"));
  assert.match(out.output, /\[\.\.\. \d+ bytes of output cut \.\.\.\]/);
  assert.ok(out.output.length < 3000);
});

test("stdin is /dev/null unless kept open, and can be written when it is", async () => {
  const closed = await runCommand({ ...base, command: "cat; echo done" });
  assert.equal(closed.output, "done\n");
  const command = startCommand({ ...base, command: "read line; echo got:$line", keepStdinOpen: true });
  await command.writeStdin("hello\n");
  const out = await command.done;
  assert.equal(out.output, "got:hello\n");
  assert.equal(command.stdinWritable, false);
});

test("the environment is exactly what was given", async () => {
  const out = await runCommand({ ...base, argv: ["/usr/bin/env"], env: { ONLY: "this" } });
  assert.equal(out.output, "ONLY=this\n");
});

test("a program that does not exist rejects with the OS error", async () => {
  await assert.rejects(runCommand({ ...base, argv: ["/nonexistent/program"] }), /could not start .*ENOENT/);
});
