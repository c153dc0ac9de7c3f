/**
 * The gateway lock: a second gateway on the same config fails with "gateway already running (pid N)",
 * stale lock files (dead pid, reused pid) are reclaimed, and the lock is removed on a clean stop.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  cleanupAll,
  deadPid,
  dump,
  getFreePort,
  healthzOk,
  isListening,
  killAll,
  makeSandbox,
  runCli,
  spawnCli,
  startGateway,
} from "./process-harness.js";
import { configLockPath } from "../../src/infra/gateway-lock.js";

after(async () => {
  await killAll();
  cleanupAll();
});

function writeLock(path: string, payload: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(payload), { mode: 0o600 });
}

function readLock(path: string): { pid: number; configPath: string; port?: number } {
  return JSON.parse(readFileSync(path, "utf8")) as { pid: number; configPath: string; port?: number };
}

test("a second gateway on the same config fails with 'gateway already running (pid N)'", async () => {
  const sb = makeSandbox();
  const [port1, port2] = [await getFreePort(), await getFreePort()];
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "lock-test-token" } } });
  const first = await startGateway(sb.env, ["--port", String(port1)], port1);
  try {
    const lockPath = configLockPath(sb.stateDir, sb.configPath);
    assert.ok(existsSync(lockPath), `lock file expected at ${lockPath}`);
    const lock = readLock(lockPath);
    assert.equal(lock.pid, first.pid);
    assert.equal(lock.configPath, sb.configPath);

    const second = await runCli(["gateway", "--port", String(port2)], sb.env, { timeoutMs: 20_000 });
    assert.equal(second.code, 1, dump(second));
    assert.ok(second.stderr.includes(`gateway already running (pid ${first.pid})`), dump(second));
    assert.equal(await isListening(port2), false, "the second gateway must not have bound its port");
    assert.equal(await healthzOk(port1), true, "the first gateway must be unaffected");
    assert.equal(readLock(lockPath).pid, first.pid, "the loser must not remove the winner's lock");
  } finally {
    await first.stop();
    sb.cleanup();
  }
});

test("a stale lock left by a dead pid is reclaimed", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "stale-lock-token" } } });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  const pid = await deadPid();
  writeLock(lockPath, { pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir, port });
  const gw = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs: 10_000 });
  try {
    assert.equal(readLock(lockPath).pid, gw.pid, "the reclaimed lock must now name the new gateway");
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("a lock whose pid is alive but belongs to a different process (start time differs) is reclaimed", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "reused-pid-token" } } });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  // This test process is alive, but it did not start at clock tick 1: a recycled pid.
  writeLock(lockPath, { pid: process.pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir, startTime: 1 });
  const gw = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs: 10_000 });
  try {
    assert.equal(readLock(lockPath).pid, gw.pid);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("a clean stop removes the lock file and the next start acquires it at once", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "lock-release-token" } } });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  const gw = await startGateway(sb.env, ["--port", String(port)], port);
  assert.ok(existsSync(lockPath));
  const exit = await gw.stop("SIGTERM");
  assert.equal(exit.code, 0, dump(gw));
  assert.equal(existsSync(lockPath), false, "a clean stop must remove the lock file");
  // And the next start on the same config acquires it straight away.
  const again = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs: 4000 });
  await again.stop();
  sb.cleanup();
});

test("a lock file without a pid is reclaimed once it is older than 30 s", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "pidless-lock-token" } } });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  const old = new Date(Date.now() - 120_000);
  writeLock(lockPath, { createdAt: old.toISOString(), configPath: sb.configPath });
  utimesSync(lockPath, old, old);
  const gw = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs: 10_000 });
  try {
    assert.equal(readLock(lockPath).pid, gw.pid);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("a lock held by a live process whose command line is not a gateway is reclaimed (operations.md §4.2)", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "non-gateway-holder" } } });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  // No startTime recorded, pid alive (this test runner), command line `node --test ...`: not a gateway argv.
  writeLock(lockPath, { pid: process.pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir });
  const gw = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs: 15_000 });
  try {
    assert.equal(readLock(lockPath).pid, gw.pid);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("two gateways sharing a state dir are refused even with different config files (state lock, operations.md §4.2/§8.1)", async () => {
  const sb = makeSandbox();
  const [port1, port2] = [await getFreePort(), await getFreePort()];
  const otherConfig = join(sb.root, "other", "openclaw.json");
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "state-lock-token" } } });
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "state-lock-token" } }, logging: { file: join(sb.root, "gw2.log") } }, otherConfig);
  const first = await startGateway(sb.env, ["--port", String(port1)], port1);
  try {
    const second = spawnCli(["gateway", "--port", String(port2)], { ...sb.env, OPENCLAW_CONFIG_PATH: otherConfig });
    const outcome = await Promise.race([
      second.exited.then(() => "exited" as const),
      second.waitForOutput("gateway ready", 15_000).then(() => "started" as const, () => "exited" as const),
    ]);
    assert.equal(outcome, "exited", `a second gateway started on the same state dir:\n${dump(second)}`);
    const exit = await second.exited;
    assert.equal(exit.code, 1, dump(second));
    assert.match(second.stderr(), new RegExp(`pid ${first.pid}`), dump(second));
    assert.equal(await isListening(port2), false);
  } finally {
    await killAll();
    sb.cleanup();
  }
});
