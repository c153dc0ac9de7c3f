/**
 * CLI client commands against a real gateway process: `gateway call`, `gateway status`,
 * `gateway probe`, `gateway health`, `status`, `gateway auth-token`, and the --json failure envelope.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  OPENCLAW_BIN,
  dump,
  getFreePort,
  hasScript,
  runOpenclaw,
  spawnProcess,
  startSandboxGateway,
  useProcessCleanup,
  type CliResult,
  type Proc,
  type Sandbox,
} from "./process-harness.js";

const TOKEN = randomBytes(32).toString("base64url");
let sb: Sandbox;
let port: number;
let stoppedPort: number;
let gw: Proc;

before(async () => {
  ({ sb, port, proc: gw } = await startSandboxGateway({ config: { gateway: { mode: "local", auth: { mode: "token", token: TOKEN } } }, portFlag: true }));
  stoppedPort = await getFreePort(port);
});

useProcessCleanup();

const cli = (...args: string[]) => runOpenclaw(args, sb.env);

function parseJson<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${dump(r)}`);
  }
}

function assertEnvelope(r: CliResult, message?: RegExp): void {
  assert.notEqual(r.code, 0, dump(r));
  const body = parseJson<{ ok: unknown; error: { type: unknown; message: unknown } }>(r);
  assert.equal(body.ok, false);
  assert.equal(body.error.type, "cli_error");
  assert.equal(typeof body.error.message, "string");
  assert.ok((body.error.message as string).length > 0);
  if (message) assert.match(body.error.message as string, message);
}

test("gateway call status --params '{}' prints the status JSON", async () => {
  const r = await cli("gateway", "call", "status", "--params", "{}", "--port", String(port));
  assert.equal(r.code, 0, dump(r));
  const status = parseJson<{ runtimeVersion: string; pid: number }>(r);
  assert.equal(status.runtimeVersion, "2026.9.6");
  assert.equal(status.pid, gw.pid, "the answer must come from the spawned gateway");
});

test("gateway call with params that are not a JSON object fails clearly", async () => {
  for (const params of ["[1]", "1", '"x"', "null"]) {
    const r = await cli("gateway", "call", "health", "--params", params, "--port", String(port));
    assert.equal(r.code, 1, `${params}:\n${dump(r)}`);
    assert.match(r.stderr, /--params must be a JSON object/, dump(r));
    assert.equal(r.stdout, "");
  }
  const broken = await cli("gateway", "call", "health", "--params", "{bad", "--port", String(port));
  assert.equal(broken.code, 1, dump(broken));
  assert.match(broken.stderr, /--params must be JSON/);
});

test("gateway call reports a gateway-side error (unknown method, bad params) with exit 1", async () => {
  const unknown = await cli("gateway", "call", "no.such.method", "--port", String(port));
  assert.equal(unknown.code, 1, dump(unknown));
  assert.match(unknown.stderr, /unknown method: no\.such\.method/);
  const badParams = await cli("gateway", "call", "status", "--params", '{"bogus":1}', "--port", String(port));
  assert.equal(badParams.code, 1, dump(badParams));
  assert.match(badParams.stderr, /bogus/);
});

test("gateway status --json has rpc.ok true, a capability and the running pid", async () => {
  const r = await cli("gateway", "status", "--json", "--port", String(port));
  assert.equal(r.code, 0, dump(r));
  const report = parseJson<{
    rpc: { ok: boolean; capability: string; url: string };
    gateway: { port: number; version?: string };
    service: { runtime: { status: string; pid?: number } };
    config: { cli: { path: string; valid: boolean } };
  }>(r);
  assert.equal(report.rpc.ok, true);
  assert.ok(["read_only", "write_capable", "admin_capable"].includes(report.rpc.capability), report.rpc.capability);
  assert.equal(report.rpc.url, `ws://127.0.0.1:${port}`);
  assert.equal(report.gateway.port, port);
  assert.equal(report.service.runtime.status, "running");
  assert.equal(report.service.runtime.pid, gw.pid);
  assert.equal(report.config.cli.path, sb.configPath);
  assert.equal(report.config.cli.valid, true);
});

test("gateway status (human) shows the probe result and capability", async () => {
  const r = await cli("gateway", "status", "--port", String(port));
  assert.equal(r.code, 0, dump(r));
  assert.match(r.stdout, /Connectivity probe: ok/);
  assert.match(r.stdout, /Capability: (read-only|write-capable|admin-capable)/);
  assert.match(r.stdout, new RegExp(`pid ${gw.pid}`));
});

test("gateway status --require-rpc: exit 0 against a running gateway, 1 against a stopped one", async () => {
  const ok = await cli("gateway", "status", "--require-rpc", "--port", String(port));
  assert.equal(ok.code, 0, dump(ok));
  assert.match(ok.stdout, /Read probe: ok/);

  const down = await cli("gateway", "status", "--require-rpc", "--port", String(stoppedPort));
  assert.equal(down.code, 1, dump(down));
  const downJson = await cli("gateway", "status", "--require-rpc", "--json", "--port", String(stoppedPort));
  assert.equal(downJson.code, 1, dump(downJson));
  assert.equal(parseJson<{ rpc: { ok: boolean } }>(downJson).rpc.ok, false);

  // Without --require-rpc a stopped gateway is reported, not an error exit.
  const plain = await cli("gateway", "status", "--json", "--port", String(stoppedPort));
  assert.equal(plain.code, 0, dump(plain));
  assert.equal(parseJson<{ rpc: { ok: boolean } }>(plain).rpc.ok, false);

  const conflict = await cli("gateway", "status", "--require-rpc", "--no-probe", "--port", String(port));
  assert.notEqual(conflict.code, 0, dump(conflict));
  assert.match(conflict.stderr, /--require-rpc/);
});

test("gateway probe --json reports ok with a reachable local gateway, and fails when none answers", async () => {
  const r = await cli("gateway", "probe", "--json", "--port", String(port));
  assert.equal(r.code, 0, dump(r));
  const probe = parseJson<{ ok: boolean; capability: string; targets: Array<{ connect: { ok: boolean }; url: string }> }>(r);
  assert.equal(probe.ok, true);
  assert.notEqual(probe.capability, "unknown");
  assert.ok(probe.targets.some((t) => t.connect.ok && t.url === `ws://127.0.0.1:${port}`), r.stdout);

  const human = await cli("gateway", "probe", "--port", String(port));
  assert.equal(human.code, 0, dump(human));
  assert.match(human.stdout, /Reachable: yes/);
  assert.match(human.stdout, /Read probe: ok/);

  const down = await cli("gateway", "probe", "--json", "--port", String(stoppedPort));
  assert.notEqual(down.code, 0, dump(down));
  assert.equal(parseJson<{ ok: boolean }>(down).ok, false);
});

test("gateway health and status print human summaries", async () => {
  const health = await cli("gateway", "health", "--port", String(port));
  assert.equal(health.code, 0, dump(health));
  assert.match(health.stdout, /Gateway Health/);
  assert.match(health.stdout, /^OK \(\d+ms\)/m);
  const healthJson = await cli("health", "--json", "--port", String(port));
  assert.equal(healthJson.code, 0, dump(healthJson));
  assert.equal(parseJson<{ ok: boolean }>(healthJson).ok, true);
  const status = await cli("status", "--port", String(port));
  assert.equal(status.code, 0, dump(status));
  assert.match(status.stdout, new RegExp(`pid ${gw.pid}`));
});

test("gateway auth-token refuses without --show and refuses a non-TTY stdout", async () => {
  const noShow = await cli("gateway", "auth-token");
  assert.notEqual(noShow.code, 0, dump(noShow));
  assert.ok(!noShow.stdout.includes(TOKEN) && !noShow.stderr.includes(TOKEN));
  assert.match(noShow.stderr, /--show/);

  const piped = await cli("gateway", "auth-token", "--show");
  assert.notEqual(piped.code, 0, dump(piped));
  assert.ok(!piped.stdout.includes(TOKEN) && !piped.stderr.includes(TOKEN), "the token must not reach a pipe");
  assert.match(piped.stderr, /terminal|TTY|tty/);
});

test("gateway auth-token --show prints the token on a terminal", { skip: !hasScript() && "script(1) not available" }, async () => {
  const tty = spawnProcess("script", ["-qec", `'${process.execPath}' '${OPENCLAW_BIN}' gateway auth-token --show`, "/dev/null"], { env: sb.env });
  const exit = await tty.exited;
  assert.equal(exit.code, 0, dump(tty));
  assert.equal(tty.stdout().trim(), TOKEN);
});

test("--json failures print the cli_error envelope on stdout", async () => {
  assertEnvelope(await cli("gateway", "call", "status", "--json", "--token", "wrong", "--port", String(port)), /token mismatch/);
  assertEnvelope(await cli("health", "--json", "--port", String(stoppedPort)));
  assertEnvelope(await cli("gateway", "call", "health", "--json", "--params", "[1]", "--port", String(port)), /--params must be a JSON object/);
  assertEnvelope(await cli("gateway", "call", "no.such.method", "--json", "--port", String(port)), /unknown method/);
  assertEnvelope(await cli("--profile", "bad name", "gateway", "status", "--json"), /Invalid --profile/);
});

test("a client with --url does not use config credentials", async () => {
  const r = await cli("health", "--url", `ws://127.0.0.1:${port}`);
  assert.notEqual(r.code, 0, dump(r));
  assert.match(r.stderr, /token missing|unauthorized/);
  const withToken = await cli("health", "--url", `ws://127.0.0.1:${port}`, "--token", TOKEN);
  assert.equal(withToken.code, 0, dump(withToken));
  const both = await cli("health", "--url", `ws://127.0.0.1:${port}`, "--port", String(port));
  assert.notEqual(both.code, 0, dump(both));
});
