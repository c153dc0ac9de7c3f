/**
 * First run of `openclaw gateway` with no config: the config it writes, what it prints (and does
 * not print), and that CLI clients on the same machine authenticate with the generated token.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import {
  OPENCLAW_BIN,
  dump,
  getFreePort,
  hasScript,
  killAll,
  makeSandbox,
  removeProfileLogs,
  runOpenclaw,
  spawnProcess,
  startGateway,
  useProcessCleanup,
  type Sandbox,
} from "./process-harness.js";

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Without a config there is no logging.file, so the gateway writes the default daily file under
 * /tmp/openclaw. A unique profile name keeps that file ours (openclaw-<profile>-YYYY-MM-DD.log) so it
 * can be removed afterwards; the explicit OPENCLAW_STATE_DIR/OPENCLAW_CONFIG_PATH still win for paths.
 * A fresh sandbox without a config, with such a profile, and a free port.
 */
async function firstRunSandbox(): Promise<{ sb: Sandbox; profile: string; port: number }> {
  const sb = makeSandbox();
  const profile = `e2efr${randomBytes(4).toString("hex")}`;
  sb.env.OPENCLAW_PROFILE = profile;
  return { sb, profile, port: await getFreePort() };
}

useProcessCleanup();

test("first run creates a 0600 config with local mode and a random token, and clients use it", async () => {
  const { sb, profile, port } = await firstRunSandbox();
  assert.equal(existsSync(sb.configPath), false);
  const gw = await startGateway(sb.env, ["--port", String(port)], port);
  try {
    assert.ok(existsSync(sb.configPath), "config file was not created");
    assert.equal(statSync(sb.configPath).mode & 0o777, 0o600, "config must be mode 0600");
    const config = sb.readConfig() as { gateway?: { mode?: string; auth?: { mode?: string; token?: string } } };
    assert.equal(config.gateway?.mode, "local");
    const token = config.gateway?.auth?.token ?? "";
    assert.match(token, TOKEN_SHAPE, "token must be 32 random bytes as base64url (43 chars)");

    const out = gw.stdout();
    assert.ok(out.includes(sb.configPath), `notice must say where the config is:\n${out}`);
    assert.ok(out.includes("openclaw gateway auth-token --show"), `notice must mention auth-token --show:\n${out}`);
    assert.ok(out.includes(`http://127.0.0.1:${port}/#token=`), `notice must show a dashboard URL with #token=:\n${out}`);
    assert.ok(!gw.output().includes(token), "the full token must not be printed when stdout is not a TTY");

    const ok = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(ok.code, 0, dump(ok));
    assert.match(ok.stdout, /Gateway Health/);
    assert.match(ok.stdout, /^OK \(\d+ms\)/m);
    assert.ok(!ok.stdout.includes(token) && !ok.stderr.includes(token));

    const bad = await runOpenclaw(["health", "--port", String(port), "--token", "wrong"], sb.env);
    assert.notEqual(bad.code, 0, dump(bad));
    assert.match(bad.stderr, /token mismatch/, dump(bad));
  } finally {
    await gw.stop();
    removeProfileLogs(profile);
    sb.cleanup();
  }
});

test("a second start reuses the created config and does not print the first-run notice again", async () => {
  const { sb, profile, port } = await firstRunSandbox();
  try {
    const first = await startGateway(sb.env, ["--port", String(port)], port);
    await first.stop();
    assert.match(first.stdout(), /First run/);
    const token = (sb.readConfig() as { gateway: { auth: { token: string } } }).gateway.auth.token;
    const second = await startGateway(sb.env, ["--port", String(port)], port);
    assert.ok(!second.stdout().includes("First run"), second.stdout());
    assert.equal((sb.readConfig() as { gateway: { auth: { token: string } } }).gateway.auth.token, token, "the token must not change");
    const ok = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(ok.code, 0, dump(ok));
    await second.stop();
  } finally {
    await killAll();
    removeProfileLogs(profile);
    sb.cleanup();
  }
});

test("on a terminal the first-run notice includes the full token, and tokens differ between installs", { skip: !hasScript() && "script(1) not available" }, async () => {
  const { sb, profile, port } = await firstRunSandbox();
  const { sb: other, profile: otherProfile, port: otherPort } = await firstRunSandbox();
  try {
    // script(1) gives the gateway a pseudo-terminal; timeout(1) stops it with SIGTERM after a few seconds.
    const command = `timeout --preserve-status -s TERM -k 3 4 '${process.execPath}' '${OPENCLAW_BIN}' gateway --port ${port}`;
    const tty = spawnProcess("script", ["-qec", command, "/dev/null"], { env: sb.env });
    const exit = await tty.exited;
    assert.equal(exit.code, 0, dump(tty));
    const token = (sb.readConfig() as { gateway: { auth: { token: string } } }).gateway.auth.token;
    assert.match(token, TOKEN_SHAPE);
    assert.ok(tty.stdout().includes(`http://127.0.0.1:${port}/#token=${token}`), dump(tty));

    const gw2 = await startGateway(other.env, ["--port", String(otherPort)], otherPort);
    await gw2.stop();
    const token2 = (other.readConfig() as { gateway: { auth: { token: string } } }).gateway.auth.token;
    assert.match(token2, TOKEN_SHAPE);
    assert.notEqual(token2, token, "each first run must generate a fresh random token");
  } finally {
    await killAll();
    removeProfileLogs(profile);
    removeProfileLogs(otherProfile);
    sb.cleanup();
    other.cleanup();
  }
});

test("first run with OPENCLAW_GATEWAY_TOKEN set keeps the token out of the file and uses the env token", async () => {
  const { sb, profile, port } = await firstRunSandbox();
  const envToken = randomBytes(32).toString("base64url");
  sb.env.OPENCLAW_GATEWAY_TOKEN = envToken;
  const gw = await startGateway(sb.env, ["--port", String(port)], port);
  try {
    const raw = readFileSync(sb.configPath, "utf8");
    assert.ok(!raw.includes(envToken), "an externally supplied token must not be copied into the config");
    assert.equal((JSON.parse(raw) as { gateway: { mode: string } }).gateway.mode, "local");
    assert.ok(!gw.output().includes(envToken));
    const ok = await runOpenclaw(["health", "--port", String(port)], sb.env);
    assert.equal(ok.code, 0, dump(ok));
  } finally {
    await gw.stop();
    removeProfileLogs(profile);
    sb.cleanup();
  }
});
