/**
 * `openclaw --help`, `openclaw gateway --help` and the version flags.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dump, makeSandbox, runOpenclaw, useProcessCleanup } from "./process-harness.js";

useProcessCleanup();

test("openclaw --help exits 0 and lists the commands and root flags", async () => {
  const sb = makeSandbox();
  const r = await runOpenclaw(["--help"], sb.env);
  assert.equal(r.code, 0, dump(r));
  assert.match(r.stdout, /Usage: openclaw/);
  for (const command of ["gateway", "health", "status", "logs"]) assert.match(r.stdout, new RegExp(`^\\s+${command}\\b`, "m"), `missing command ${command}:\n${r.stdout}`);
  assert.match(r.stdout, /--dev/);
  assert.match(r.stdout, /--profile/);
  assert.match(r.stdout, /--version/);
  assert.deepEqual(readdirSync(sb.home), [], "--help must not create any files");
  sb.cleanup();
});

test("openclaw gateway --help exits 0 and describes the run options and subcommands", async () => {
  const sb = makeSandbox();
  const r = await runOpenclaw(["gateway", "--help"], sb.env);
  assert.equal(r.code, 0, dump(r));
  for (const option of ["--port <port>", "--bind <mode>", "--auth <mode>", "--token <token>", "--password <password>", "--password-file <path>", "--force", "--allow-unconfigured", "--verbose", "--ws-log <style>", "--compact", "--dev"]) {
    assert.ok(r.stdout.includes(option), `missing ${option}:\n${r.stdout}`);
  }
  assert.match(r.stdout, /--port <port>\s+\S.*/, "options must have descriptions");
  assert.match(r.stdout, /loopback/);
  for (const sub of ["run", "call", "health", "status", "probe", "auth-token"]) assert.match(r.stdout, new RegExp(`^\\s+${sub}\\b`, "m"), `missing subcommand ${sub}:\n${r.stdout}`);
  assert.ok(!r.stdout.includes("gateway ready"), "--help must not start a gateway");
  sb.cleanup();
});

test("subcommand help describes its options", async () => {
  const sb = makeSandbox();
  const call = await runOpenclaw(["gateway", "call", "--help"], sb.env);
  assert.equal(call.code, 0, dump(call));
  assert.match(call.stdout, /--params <json>/);
  assert.match(call.stdout, /--json/);
  const logs = await runOpenclaw(["logs", "--help"], sb.env);
  assert.equal(logs.code, 0, dump(logs));
  for (const option of ["--limit <n>", "--follow", "--json", "--plain"]) assert.ok(logs.stdout.includes(option), `logs --help missing ${option}`);
  const status = await runOpenclaw(["gateway", "status", "--help"], sb.env);
  assert.equal(status.code, 0, dump(status));
  for (const option of ["--require-rpc", "--no-probe", "--deep", "--json"]) assert.ok(status.stdout.includes(option), `gateway status --help missing ${option}`);
  sb.cleanup();
});

test("--version and -V print the version", async () => {
  const sb = makeSandbox();
  for (const flag of ["--version", "-V"]) {
    const r = await runOpenclaw([flag], sb.env);
    assert.equal(r.code, 0, dump(r));
    assert.equal(r.stdout.trim(), "2026.9.6");
  }
  sb.cleanup();
});

test("-v prints the version too (operations.md §1.1)", async () => {
  const sb = makeSandbox();
  const r = await runOpenclaw(["-v"], sb.env);
  assert.equal(r.code, 0, dump(r));
  assert.equal(r.stdout.trim(), "2026.9.6");
  sb.cleanup();
});

test("an unknown command or option fails with exit 1 and a usage hint", async () => {
  const sb = makeSandbox();
  const r = await runOpenclaw(["gateway", "--no-such-flag"], sb.env);
  assert.notEqual(r.code, 0, dump(r));
  assert.match(r.stderr, /unknown option/);
  sb.cleanup();
});
