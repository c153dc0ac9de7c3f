import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GatewayConfig } from "../../../config/schema.js";
import { compileSchema } from "../../../protocol/validate.js";
import { ToolError, type ToolDefinition } from "../types.js";
import { resolveBwrap } from "./find-bwrap.js";
import { ExecParameters } from "./exec-tool.js";
import { execTools } from "./index.js";
import { RecordingGate, processesMatching, toolContext, uniqueSeconds, waitUntil } from "./test-context.js";

const kit = execTools({ killGraceMs: 300 });
after(() => kit.shutdown());
const exec = kit.tools.find((t) => t.name === "exec") as ToolDefinition;

const isToolError = (kind: string) => (e: unknown) => e instanceof ToolError && e.kind === kind;

test("runs a command in the workspace and reports output, exit code and details", async () => {
  const ctx = toolContext();
  const result = await exec.execute({ command: "pwd; echo out; exit 3" }, ctx);
  assert.equal(result.content, `${ctx.workspace}\nout\n\n[exit code 3]`);
  assert.equal(result.details?.exitCode, 3);
  assert.equal(result.details?.status, "failed");
  assert.equal(result.details?.sandboxed, false);
  assert.equal(result.details?.truncated, false);
  assert.equal(typeof result.details?.durationMs, "number");
  const ok = await exec.execute({ command: "true" }, ctx);
  assert.equal(ok.content, "(no output)\n\n[exit code 0]");
  assert.equal(ok.details?.status, "completed");
});

test("the gate sees the command before it runs", async () => {
  const ctx = toolContext();
  await exec.execute({ command: "ls -la", workdir: "." }, ctx);
  assert.equal(ctx.gate.requests.length, 1);
  const request = ctx.gate.requests[0];
  assert.equal(request.commandText, "ls -la");
  assert.deepEqual(request.argv, ["ls", "-la"]);
  assert.equal(request.cwd, ctx.workspace);
  assert.equal(request.sandboxed, false);
  assert.equal(request.agentId, "main");
  assert.equal(request.toolCallId, "call-1");
});

test("a refusal from the gate means nothing runs", async () => {
  const gate = new RecordingGate({ allowed: false, via: "denied", message: "The owner denied this command." });
  const ctx = toolContext({ gate });
  const marker = join(ctx.workspace, "should-not-exist");
  await assert.rejects(exec.execute({ command: `touch ${marker}` }, ctx), (e: unknown) => isToolError("blocked")(e) && (e as Error).message === "The owner denied this command.");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(existsSync(marker), false);
});

test("workdir is confined to the workspace", async () => {
  const ctx = toolContext();
  mkdirSync(join(ctx.workspace, "sub"));
  const inside = await exec.execute({ command: "pwd", workdir: "sub" }, ctx);
  assert.match(inside.content, new RegExp(`^${join(ctx.workspace, "sub")}\n`));
  await assert.rejects(exec.execute({ command: "pwd", workdir: "/" }, ctx), isToolError("invalid_arguments"));
  await assert.rejects(exec.execute({ command: "pwd", workdir: "../.." }, ctx), isToolError("invalid_arguments"));
  assert.equal(ctx.gate.requests.length, 1, "a refused workdir never reached the gate");
});

test("secret-looking gateway variables are not passed; env overrides and passEnv are", async () => {
  const ctx = toolContext({
    env: { PATH: process.env.PATH, OPENAI_API_KEY: "sk-secret", GITHUB_TOKEN: "gh-secret", NPM_TOKEN: "npm-ok", PLAIN: "visible" },
    config: { tools: { exec: { passEnv: ["NPM_TOKEN"] } } } as GatewayConfig,
  });
  const result = await exec.execute({ command: "env", env: { EXTRA: "given" } }, ctx);
  assert.ok(!result.content.includes("sk-secret"));
  assert.ok(!result.content.includes("gh-secret"));
  assert.match(result.content, /NPM_TOKEN=npm-ok/);
  assert.match(result.content, /PLAIN=visible/);
  assert.match(result.content, /EXTRA=given/);
  assert.match(result.content, /OPENCLAW_SHELL=exec/);
  await assert.rejects(exec.execute({ command: "true", env: { LD_PRELOAD: "/x.so" } }, ctx), isToolError("invalid_arguments"));
});

test("unsupported options are refused before anything runs", async () => {
  const ctx = toolContext();
  await assert.rejects(exec.execute({ command: "true", pty: true }, ctx), (e: unknown) => isToolError("invalid_arguments")(e) && /pty/.test((e as Error).message));
  await assert.rejects(exec.execute({ command: "true", elevated: true }, ctx), isToolError("blocked"));
  await assert.rejects(exec.execute({ command: "true", host: "node" }, ctx), isToolError("unavailable"));
  await assert.rejects(exec.execute({ command: "true", host: "sandbox" }, ctx), isToolError("unavailable"));
  await assert.rejects(exec.execute({ command: "true", host: "gateway" }, toolContext({ sandboxed: true })), isToolError("blocked"));
  assert.equal(ctx.gate.requests.length, 0);
  const auto = await exec.execute({ command: "true", host: "auto", pty: false }, ctx);
  assert.equal(auto.details?.exitCode, 0);
});

test("timeoutSeconds stops the command and its children", async () => {
  const ctx = toolContext();
  const secs = uniqueSeconds();
  const result = await exec.execute({ command: `echo before; sleep ${secs} & sleep ${secs}`, timeoutSeconds: 0.3 }, ctx);
  assert.match(result.content, /^before\n\n\[command timed out after 0.3 s/);
  assert.equal(result.details?.status, "failed");
  assert.equal(result.details?.stoppedBy, "timeout");
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0));
});

test("the configured tools.exec.timeoutSeconds is the default", async () => {
  const ctx = toolContext({ config: { tools: { exec: { timeoutSeconds: 0.2 } } } as GatewayConfig });
  const result = await exec.execute({ command: "sleep 5" }, ctx);
  assert.equal(result.details?.stoppedBy, "timeout");
});

test("aborting the run kills a foreground command", async () => {
  const ctx = toolContext();
  const secs = uniqueSeconds();
  const running = exec.execute({ command: `sleep ${secs}` }, ctx);
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 1));
  ctx.abort.abort();
  const result = await running;
  assert.equal(result.details?.stoppedBy, "aborted");
  assert.ok(await waitUntil(() => processesMatching(`sleep\0${secs}`).length === 0));
});

test("partial output streams through update, at most every ~250 ms", async () => {
  const ctx = toolContext();
  const stamps: number[] = [];
  ctx.update = (progress) => {
    stamps.push(Date.now());
    ctx.updates.push(progress);
  };
  await exec.execute({ command: "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; sleep 0.1; done" }, ctx);
  assert.ok(ctx.updates.length >= 2, `only ${ctx.updates.length} updates`);
  assert.ok(ctx.updates.length <= 6, `${ctx.updates.length} updates is more than one per 250 ms`);
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] - stamps[i - 1] >= 230, `updates ${stamps[i] - stamps[i - 1]} ms apart`);
  const streamed = ctx.updates.map((u) => u.text).join("");
  assert.match(streamed, /line1\n/);
});

test("large output is cut in the middle", async () => {
  const ctx = toolContext();
  const result = await exec.execute({ command: "echo FIRST; head -c 1000000 /dev/zero | tr '\\0' y; echo; echo LAST" }, ctx);
  assert.equal(result.details?.truncated, true);
  assert.ok(result.content.startsWith("FIRST\n"));
  assert.match(result.content, /bytes of output cut/);
  assert.match(result.content, /LAST\n\n\[exit code 0\]$/);
  assert.ok(result.content.length < 140 * 1024);
});

test("sandboxed without a working bubblewrap: unavailable, never run unsandboxed, gate not asked", async () => {
  const broken = execTools({ bwrapPath: "/nonexistent/bwrap" });
  try {
    const ctx = toolContext({ sandboxed: true });
    const marker = join(ctx.workspace, "ran");
    const brokenExec = broken.tools.find((t) => t.name === "exec")!;
    await assert.rejects(brokenExec.execute({ command: `touch ${marker}` }, ctx), (e: unknown) => {
      assert.ok(isToolError("unavailable")(e));
      assert.match((e as Error).message, /not run/);
      assert.match((e as Error).message, /apt-get install bubblewrap/);
      return true;
    });
    assert.equal(existsSync(marker), false);
    assert.equal(ctx.gate.requests.length, 0);
  } finally {
    broken.shutdown();
  }
});

test("sandboxed exec runs inside bubblewrap", async (t) => {
  const status = await resolveBwrap();
  if (!status.ok) return t.skip(`bubblewrap cannot run here (${status.reason})`);
  const ctx = toolContext({ sandboxed: true, env: { PATH: process.env.PATH, SECRET_TOKEN: "leak", LANG: "C.UTF-8" } });
  const result = await exec.execute({ command: "echo hi > f.txt; cat /etc/passwd; env", env: { GIVEN: "1" } }, ctx);
  assert.equal(result.details?.sandboxed, true);
  assert.match(result.content, /\/etc\/passwd: No such file/);
  assert.match(result.content, new RegExp(`HOME=${ctx.workspace}`));
  assert.match(result.content, /GIVEN=1/);
  assert.ok(!result.content.includes("leak"));
  assert.equal(readFileSync(join(ctx.workspace, "f.txt"), "utf8"), "hi\n");
  assert.equal(ctx.gate.requests[0].sandboxed, true);
});

test("sandboxed exec reports the CPU-time cap", async (t) => {
  const status = await resolveBwrap();
  if (!status.ok) return t.skip(`bubblewrap cannot run here (${status.reason})`);
  const ctx = toolContext({ sandboxed: true, config: { agents: { defaults: { sandbox: { cpuSeconds: 1 } } } } as GatewayConfig });
  const result = await exec.execute({ command: "while :; do :; done" }, ctx);
  assert.match(result.content, /CPU-time limit of 1 s was reached/);
  assert.equal(result.details?.status, "failed");
});

test("the schema takes OpenClaw's argument names and rejects hostname-like hosts", async () => {
  const { compileSchema } = await import("../../../protocol/validate.js");
  const validator = compileSchema(exec.parameters);
  assert.ok(validator.check({ command: "ls", workdir: "src", env: { A: "1" }, yieldMs: 500, background: false, timeoutSeconds: 10, pty: false, host: "auto", ask: "on-miss", elevated: false }));
  assert.ok(!validator.check({ command: "ls", host: "example.com" }));
  assert.ok(!validator.check({ workdir: "." }));
  assert.ok(!validator.check({ command: "ls", env: { A: 1 } }));
});

test("a refused env variable on the host says which and why, and nothing runs", async () => {
  const ctx = toolContext();
  const marker = join(ctx.workspace, "ran");
  for (const env of [{ NODE_OPTIONS: "--require ./evil.js" }, { GIT_CONFIG_COUNT: "1" }, { HOME: ctx.workspace }, { BASH_ENV: "./evil.sh" }]) {
    const name = Object.keys(env)[0]!;
    await assert.rejects(exec.execute({ command: `touch ${marker}`, env }, ctx), (e: unknown) => isToolError("invalid_arguments")(e) && (e as Error).message.startsWith(`env.${name} is refused`));
  }
  assert.equal(ctx.gate.requests.length, 0, "the gate was never asked");
  assert.equal(existsSync(marker), false);
});

test("the owner is asked about the command with its env overrides in front", async () => {
  const ctx = toolContext();
  await exec.execute({ command: "git status", env: { CI: "1", MESSAGE: "two words", EMPTY: "" } }, ctx);
  assert.equal(ctx.gate.requests[0]!.commandText, "CI=1 MESSAGE='two words' EMPTY='' git status");
  assert.deepEqual(ctx.gate.requests[0]!.argv, ["git", "status"]);
});

test("empty and relative PATH entries are dropped, so a program the model wrote in the workspace is not found through them", async () => {
  const ctx = toolContext({ env: { PATH: `:.:bin:${process.env.PATH}`, HOME: process.env.HOME } });
  mkdirSync(join(ctx.workspace, "bin"));
  for (const file of ["mytool", join("bin", "mytool")]) {
    writeFileSync(join(ctx.workspace, file), "#!/bin/sh\necho hijacked\n");
    chmodSync(join(ctx.workspace, file), 0o755);
  }
  const result = await exec.execute({ command: 'echo "$PATH"; mytool' }, ctx);
  assert.ok(!result.content.includes("hijacked"), result.content);
  const path = result.content.split("\n")[0]!;
  assert.ok(path.split(":").every((dir) => dir.startsWith("/")), path);
});

test("timeouts and yields beyond what a timer can wait are capped, not turned into 1 ms", async () => {
  const ctx = toolContext();
  const slow = "sleep 0.3; echo done";
  const yielded = await exec.execute({ command: slow, yieldMs: 2 ** 31 }, ctx);
  assert.equal(yielded.details?.status, "completed", "it was not moved to the background after 1 ms");
  const long = await exec.execute({ command: slow, timeoutSeconds: 3e6 }, ctx);
  assert.equal(long.details?.status, "completed", "it was not killed after 1 ms");
  assert.equal((await exec.execute({ command: slow, timeout: 3e6 }, ctx)).details?.status, "completed");
});

test("the model's timeoutSeconds, timeout and yieldMs have schema maximums (7 days, 1 hour)", () => {
  const check = (args: Record<string, unknown>) => compileSchema(ExecParameters).check({ command: "true", ...args });
  assert.ok(check({ timeoutSeconds: 7 * 24 * 3600, yieldMs: 3600_000 }));
  assert.ok(!check({ timeoutSeconds: 7 * 24 * 3600 + 1 }));
  assert.ok(!check({ timeout: 1e9 }));
  assert.ok(!check({ yieldMs: 3600_001 }));
});
