/**
 * Start-up refusals of `openclaw gateway`: invalid config (exit 78), the gateway.mode guard,
 * --allow-unconfigured, bad flags (exit 1) and the auth guards for non-loopback binds and password mode.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dump,
  healthzOk,
  isListening,
  makeConfiguredSandbox,
  runOpenclaw,
  startGateway,
  startSandboxGateway,
  useProcessCleanup,
  type CliResult,
} from "./process-harness.js";

useProcessCleanup();

/** Runs `openclaw gateway --port P ...extra` and expects it to exit on its own (it must not start). */
async function refusedStart(config: Record<string, unknown> | string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult & { port: number; configPath: string }> {
  const { sb, port } = await makeConfiguredSandbox({ config, env });
  try {
    const result = await runOpenclaw(["gateway", "--port", String(port), ...extra], sb.env, { timeoutMs: 15_000 });
    assert.notEqual(result.signal, "SIGKILL", `gateway did not exit by itself:\n${dump(result)}`);
    assert.equal(await isListening(port), false, "nothing may listen on the port after a refused start");
    assert.ok(!/gateway ready|listening on ws:/.test(result.stdout), `gateway must not have started:\n${dump(result)}`);
    return { ...result, port, configPath: sb.configPath };
  } finally {
    sb.cleanup();
  }
}

test("schema errors exit 78 and list every problem by dotted path", async () => {
  const r = await refusedStart({ gateway: { mode: "local", port: "abc", bind: "moon", bogus: 1 } });
  assert.equal(r.code, 78, dump(r));
  assert.ok(r.stderr.includes(`Invalid config at ${r.configPath}`), dump(r));
  const lines = r.stderr.split("\n");
  assert.ok(lines.some((l) => /gateway\.port\b/.test(l)), `gateway.port missing:\n${r.stderr}`);
  assert.ok(lines.some((l) => /gateway\.bind\b/.test(l)), `gateway.bind missing:\n${r.stderr}`);
  assert.ok(lines.some((l) => /gateway(\.bogus)?\b.*(bogus|[Uu]nexpected|unknown|additional)/.test(l)), `gateway.bogus missing:\n${r.stderr}`);
  // Each problem is on its own line.
  const problemLines = lines.filter((l) => /gateway\.(port|bind|bogus)/.test(l));
  assert.ok(problemLines.length >= 3, `expected one line per problem:\n${r.stderr}`);
});

test("a configured port out of range exits 78 naming gateway.port", async () => {
  const r = await refusedStart({ gateway: { mode: "local", port: 70000 } }, []);
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /gateway\.port/);
});

test("an unknown top-level key exits 78", async () => {
  const r = await refusedStart({ gateway: { mode: "local" }, notASection: true });
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /notASection/);
});

test("a JSON5 syntax error exits 78", async () => {
  const r = await refusedStart('{ gateway: { mode: "local", ');
  assert.equal(r.code, 78, dump(r));
  assert.ok(r.stderr.includes(r.configPath), dump(r));
  assert.match(r.stderr, /JSON5|parse|syntax|invalid/i);
});

test("JSON5 comments and trailing commas are accepted", async () => {
  const { sb, port } = await makeConfiguredSandbox({
    config: (p, _token, logFile) => `// comment\n{\n  gateway: { mode: "local", port: ${p}, /* inline */ },\n  logging: { file: ${JSON.stringify(logFile)}, },\n}\n`,
  });
  const gw = await startGateway(sb.env, [], port);
  try {
    assert.ok(await healthzOk(port));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("an existing config without gateway.mode exits 78 with 'missing gateway.mode'", async () => {
  const r = await refusedStart({ gateway: { auth: { mode: "token", token: "t-123456" } } });
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /missing gateway\.mode/);
  assert.match(r.stderr, /--allow-unconfigured/);
});

test("gateway.mode remote exits 78", async () => {
  const r = await refusedStart({ gateway: { mode: "remote" } });
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /gateway\.mode=local \(current: remote\)/);
});

test("--allow-unconfigured starts without gateway.mode and leaves the config untouched", async () => {
  const { sb, port } = await makeConfiguredSandbox({ config: { gateway: { auth: { mode: "token", token: "allow-unconfigured-token" } } } });
  const before = JSON.stringify(sb.readConfig());
  const gw = await startGateway(sb.env, ["--port", String(port), "--allow-unconfigured"], port);
  try {
    assert.equal(JSON.stringify(sb.readConfig()), before, "--allow-unconfigured must not write or repair config");
    const health = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(health.code, 0, dump(health));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("--allow-unconfigured also lets a remote-mode config start", async () => {
  const { sb, proc: gw } = await startSandboxGateway({ config: { gateway: { mode: "remote", auth: { token: "remote-mode-token" } } }, portFlag: true, args: ["--allow-unconfigured"] });
  await gw.stop();
  sb.cleanup();
});

test("invalid --port and --bind flags exit 1", async () => {
  const badPort = await refusedStart({ gateway: { mode: "local" } }, ["--port", "notaport"]);
  assert.equal(badPort.code, 1, dump(badPort));
  assert.match(badPort.stderr, /--port/);
  const badBind = await refusedStart({ gateway: { mode: "local" } }, ["--bind", "moon"]);
  assert.equal(badBind.code, 1, dump(badBind));
  assert.ok(badBind.stderr.includes('Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".'), dump(badBind));
  const badAuth = await refusedStart({ gateway: { mode: "local" } }, ["--auth", "magic"]);
  assert.equal(badAuth.code, 1, dump(badAuth));
  assert.match(badAuth.stderr, /Invalid --auth/);
});

test("a non-loopback bind without auth is refused with exit 78", async () => {
  const r = await refusedStart({ gateway: { mode: "local", auth: { mode: "none" } } }, ["--bind", "lan"]);
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /Refusing to bind gateway/);
  assert.equal(await isListening(r.port, "0.0.0.0"), false);
});

test("a non-loopback bind with a token is allowed", async () => {
  const { sb, port, proc: gw } = await startSandboxGateway({
    config: { gateway: { mode: "local", auth: { mode: "token", token: "lan-bind-token-0123456789" } } },
    portFlag: true,
    args: ["--bind", "lan"],
  });
  try {
    assert.match(gw.stdout(), new RegExp(`listening on ws://0\\.0\\.0\\.0:${port}`));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("auth mode none on loopback starts, with a warning", async () => {
  const { sb, port, proc: gw } = await startSandboxGateway({ config: { gateway: { mode: "local", auth: { mode: "none" } } }, portFlag: true });
  try {
    assert.match(gw.output(), /auth mode=none/);
    const health = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(health.code, 0, dump(health));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("password mode without a password exits 78", async () => {
  const r = await refusedStart({ gateway: { mode: "local", auth: { mode: "password" } } });
  assert.equal(r.code, 78, dump(r));
  assert.match(r.stderr, /password, but no password is configured/);
});

test("password mode with OPENCLAW_GATEWAY_PASSWORD starts and clients authenticate with it", async () => {
  const { sb, port, proc: gw } = await startSandboxGateway({
    config: { gateway: { mode: "local", auth: { mode: "password" } } },
    env: { OPENCLAW_GATEWAY_PASSWORD: "correct horse battery staple" },
    portFlag: true,
  });
  try {
    const ok = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(ok.code, 0, dump(ok));
    const bad = await runOpenclaw(["health", "--port", String(port), "--password", "nope"], sb.env);
    assert.notEqual(bad.code, 0, dump(bad));
    assert.match(bad.stderr, /password mismatch/);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});
