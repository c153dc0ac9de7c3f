/**
 * Logging of a real gateway process: the JSONL file log, redaction of the token everywhere,
 * `openclaw logs` (text and --json), --verbose WebSocket traffic on the console, and the default
 * daily file name for a named profile.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import {
  dump,
  getFreePort,
  killAll,
  localDate,
  makeSandbox,
  readJsonLines,
  removeProfileLogs,
  runOpenclaw,
  startGateway,
  startSandboxGateway,
  useProcessCleanup,
  waitUntil,
} from "./process-harness.js";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

useProcessCleanup();

function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** A gateway started with `--port <free port> ...args` in a fresh sandbox; `auth` defaults to a new token. */
function startLoggingGateway(args: string[] = [], auth: Record<string, unknown> = { token: newToken() }) {
  return startSandboxGateway({ config: { gateway: { mode: "local", auth } }, portFlag: true, args });
}

test("the file log is JSONL with time, level, subsystem and message", async () => {
  const { sb, port, proc: gw } = await startLoggingGateway();
  try {
    assert.ok((await runOpenclaw(["gateway", "call", "no.such.method", "--port", String(port)], sb.env)).code !== 0);
  } finally {
    await gw.stop();
  }
  assert.match(gw.stdout(), new RegExp(`log file: ${sb.logFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const entries = readJsonLines(sb.logFile);
  assert.ok(entries.length >= 4, `too few log lines: ${entries.length}`);
  for (const entry of entries) {
    assert.equal(typeof entry.time, "string", JSON.stringify(entry));
    assert.ok(!Number.isNaN(Date.parse(entry.time as string)), `time must be a parseable timestamp: ${JSON.stringify(entry)}`);
    assert.match(entry.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    assert.ok(LEVELS.has(entry.level as string), `level: ${JSON.stringify(entry)}`);
    assert.equal(typeof entry.subsystem, "string", JSON.stringify(entry));
    assert.equal(typeof entry.message, "string", JSON.stringify(entry));
  }
  assert.ok(entries.some((e) => e.message === "gateway ready" && e.subsystem === "gateway" && e.level === "info"), "gateway ready line");
  assert.ok(entries.some((e) => /shutting down/.test(e.message as string)), "the shutdown line must be flushed to the file");
  assert.ok(
    entries.some((e) => (e.message as string).includes("no.such.method") && (e.level === "info" || e.level === "warn" || e.level === "error")),
    "a failed call must be logged to the file",
  );
  sb.cleanup();
});

test("the token never reaches console or file, even after a failed auth and a failed call", async () => {
  const token = newToken();
  const lookalike = newToken();
  const { sb, port, proc: gw } = await startLoggingGateway([], { mode: "token", token });
  try {
    const badAuth = await runOpenclaw(["health", "--port", String(port), "--token", lookalike], sb.env);
    assert.notEqual(badAuth.code, 0, dump(badAuth));
    assert.match(badAuth.stderr, /token mismatch/);
    const badAuthPrefixed = await runOpenclaw(["health", "--port", String(port), "--token", `${token}x`], sb.env);
    assert.notEqual(badAuthPrefixed.code, 0, dump(badAuthPrefixed));
    // A call that fails, with the token in the method name and in the params.
    const badCall = await runOpenclaw(["gateway", "call", `x-${token}`, "--port", String(port)], sb.env);
    assert.notEqual(badCall.code, 0, dump(badCall));
    const badParams = await runOpenclaw(["gateway", "call", "status", "--port", String(port), "--params", JSON.stringify({ note: token })], sb.env);
    assert.notEqual(badParams.code, 0, dump(badParams));
    const logs = await runOpenclaw(["logs", "--port", String(port), "--limit", "200"], sb.env);
    assert.equal(logs.code, 0, dump(logs));
    assert.ok(!logs.stdout.includes(token), `openclaw logs printed the token:\n${logs.stdout}`);
  } finally {
    await gw.stop();
  }
  const fileText = readFileSync(sb.logFile, "utf8");
  assert.ok(!gw.output().includes(token), `token on the gateway console:\n${gw.output()}`);
  assert.ok(!fileText.includes(token), `token in the file log:\n${fileText}`);
  assert.ok(!gw.output().includes(lookalike) && !fileText.includes(lookalike), "a presented credential must not be logged either");
  // The failed call was logged (so redaction, not silence, kept the token out).
  assert.ok(fileText.includes(`x-${token.slice(0, 6)}`), `the failed call is missing from the file log:\n${fileText}`);
  sb.cleanup();
});

test("--verbose --ws-log full shows WebSocket traffic on the console, still without the token, and leaves the file at info", async () => {
  const token = newToken();
  const { sb, port, proc: gw } = await startLoggingGateway(["--verbose", "--ws-log", "full"], { mode: "token", token });
  try {
    assert.equal((await runOpenclaw(["gateway", "call", "status", "--port", String(port)], sb.env)).code, 0);
    assert.notEqual((await runOpenclaw(["gateway", "call", `x-${token}`, "--port", String(port)], sb.env)).code, 0);
    await waitUntil(() => /⇄ res ✗/.test(gw.output()), 3000, "the failed call on the console");
  } finally {
    await gw.stop();
  }
  assert.ok(!gw.output().includes(token), `token on the verbose console:\n${gw.output()}`);
  assert.ok(!readFileSync(sb.logFile, "utf8").includes(token));
  assert.ok(!readJsonLines(sb.logFile).some((e) => e.level === "debug" || e.level === "trace"), "--verbose must not change the file log level");
  sb.cleanup();
});

test("--verbose adds debug WebSocket traffic lines (⇄ res) to the console", async () => {
  const { sb, port, proc: verbose } = await startLoggingGateway(["--verbose"]);
  try {
    const ok = await runOpenclaw(["gateway", "call", "status", "--port", String(port)], sb.env);
    assert.equal(ok.code, 0, dump(ok));
    await waitUntil(() => /⇄ res ✓ status\b/.test(verbose.output()), 3000, "⇄ res ✓ status on the verbose console");
  } finally {
    await verbose.stop();
    sb.cleanup();
  }
});

test("--verbose does not drop failed calls from the file log (operations.md §6.1: --verbose does not affect the file)", async () => {
  const { sb, port, proc: gw } = await startLoggingGateway(["--verbose"]);
  try {
    assert.notEqual((await runOpenclaw(["gateway", "call", "no.such.method", "--port", String(port)], sb.env)).code, 0);
    await waitUntil(() => /⇄ res ✗ no\.such\.method/.test(gw.output()), 3000, "the failed call on the console");
  } finally {
    await gw.stop();
  }
  // The same call without --verbose is written to the file (first test); --verbose must not remove it.
  assert.ok(
    readJsonLines(sb.logFile).some((e) => (e.message as string).includes("no.such.method")),
    `failed call missing from the file log under --verbose:\n${readFileSync(sb.logFile, "utf8")}`,
  );
  sb.cleanup();
});

test("openclaw logs prints the last --limit lines of the file log", async () => {
  const { sb, port, proc: gw } = await startLoggingGateway();
  try {
    await waitUntil(() => existsSync(sb.logFile) && readJsonLines(sb.logFile).length >= 6, 3000, "six file log lines");
    const r = await runOpenclaw(["logs", "--port", String(port), "--limit", "5"], sb.env);
    assert.equal(r.code, 0, dump(r));
    const lines = r.stdout.split("\n").filter((l) => l.length > 0);
    assert.equal(lines.length, 5, `--limit 5 must print 5 lines:\n${r.stdout}`);
    for (const line of lines) assert.match(line, /^\d\d:\d\d:\d\d\s+\w+\s+\[[a-z][a-z/-]*\]\s+\S/, line);
    assert.ok(lines.some((l) => l.includes("gateway ready")), r.stdout);

    const plain = await runOpenclaw(["logs", "--port", String(port), "--limit", "2", "--plain"], sb.env);
    assert.equal(plain.code, 0, dump(plain));
    const raw = plain.stdout.split("\n").filter((l) => l.length > 0);
    assert.equal(raw.length, 2);
    for (const line of raw) assert.doesNotThrow(() => JSON.parse(line), `--plain must print raw JSONL: ${line}`);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("openclaw logs --json prints a meta record, then log records", async () => {
  const { sb, port, proc: gw } = await startLoggingGateway();
  try {
    const r = await runOpenclaw(["logs", "--port", String(port), "--json", "--limit", "4"], sb.env);
    assert.equal(r.code, 0, dump(r));
    const records = r.stdout.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(records.length >= 2, r.stdout);
    const [meta, ...rest] = records;
    assert.equal(meta.type, "meta");
    assert.equal(meta.file, sb.logFile);
    assert.equal(typeof meta.cursor, "number");
    assert.equal(typeof meta.size, "number");
    assert.ok(rest.length >= 1 && rest.length <= 4, r.stdout);
    for (const record of rest) {
      assert.equal(record.type, "log", JSON.stringify(record));
      assert.equal(typeof record.raw, "string");
      assert.equal(typeof record.message, "string");
      assert.equal(typeof record.level, "string");
      assert.equal(typeof record.subsystem, "string");
      assert.equal(typeof record.time, "string");
      assert.equal((JSON.parse(record.raw as string) as { message: string }).message, record.message);
    }
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("without logging.file a named profile logs to the daily file openclaw-<profile>-YYYY-MM-DD.log", async () => {
  const sb = makeSandbox({ stateEnv: false });
  const profile = `e2elog${randomBytes(4).toString("hex")}`;
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", port, auth: { token: newToken() } }, logging: { level: "info" } }, join(sb.home, `.openclaw-${profile}`, "openclaw.json"));
  try {
    const gw = await startGateway(sb.env, [], port, { rootArgs: ["--profile", profile] });
    const status = await runOpenclaw(["--profile", profile, "gateway", "status", "--json"], sb.env);
    await gw.stop();
    const match = /log file: (\S+)/.exec(gw.stdout());
    assert.ok(match, gw.stdout());
    const file = match[1];
    assert.equal(basename(file), `openclaw-${profile}-${localDate()}.log`);
    const uid = process.getuid?.();
    assert.ok(file.startsWith("/tmp/openclaw/") || file.startsWith(join(tmpdir(), `openclaw-${uid}`)), file);
    assert.ok(readJsonLines(file).some((e) => e.message === "gateway ready"));
    assert.equal(status.code, 0, dump(status));
    assert.equal((JSON.parse(status.stdout) as { logFile: string }).logFile, file, "gateway status must report the same file");
  } finally {
    await killAll();
    removeProfileLogs(profile);
    sb.cleanup();
  }
});
