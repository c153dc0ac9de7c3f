/**
 * The gateway lock: a second gateway on the same config fails with "gateway already running (pid N)",
 * stale lock files (dead pid, reused pid) are reclaimed, and the lock is removed on a clean stop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  deadPid,
  dump,
  getFreePort,
  healthzOk,
  isListening,
  killAll,
  makeConfiguredSandbox,
  runOpenclaw,
  spawnOpenclaw,
  startGateway,
  startSandboxGateway,
  useProcessCleanup,
  type Sandbox,
} from "./process-harness.js";
import { configLockPath } from "../../src/infra/gateway-lock.js";

useProcessCleanup();

function writeLock(path: string, payload: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(payload), { mode: 0o600 });
}

function readLock(path: string): { pid: number; configPath: string; port?: number } {
  return JSON.parse(readFileSync(path, "utf8")) as { pid: number; configPath: string; port?: number };
}

const lockConfig = (token: string) => ({ config: { gateway: { mode: "local", auth: { token } } } });

/**
 * Writes a config with `token`, lets `plant` leave a lock file for it, starts a gateway with --port
 * (allowing `timeoutMs` to get ready) and checks that the lock now names the new gateway.
 */
async function assertLockReclaimed(
  token: string,
  timeoutMs: number,
  plant: (lockPath: string, sb: Sandbox, port: number) => void | Promise<void>,
  message?: string,
): Promise<void> {
  const { sb, port } = await makeConfiguredSandbox(lockConfig(token));
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
  await plant(lockPath, sb, port);
  const gw = await startGateway(sb.env, ["--port", String(port)], port, { timeoutMs });
  try {
    assert.equal(readLock(lockPath).pid, gw.pid, message);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
}

test("a second gateway on the same config fails with 'gateway already running (pid N)'", async () => {
  const { sb, port: port1, proc: first } = await startSandboxGateway({ ...lockConfig("lock-test-token"), portFlag: true });
  const port2 = await getFreePort(port1);
  try {
    const lockPath = configLockPath(sb.stateDir, sb.configPath);
    assert.ok(existsSync(lockPath), `lock file expected at ${lockPath}`);
    const lock = readLock(lockPath);
    assert.equal(lock.pid, first.pid);
    assert.equal(lock.configPath, sb.configPath);

    const second = await runOpenclaw(["gateway", "--port", String(port2)], sb.env, { timeoutMs: 20_000 });
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
  await assertLockReclaimed(
    "stale-lock-token",
    10_000,
    async (lockPath, sb, port) => {
      const pid = await deadPid();
      writeLock(lockPath, { pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir, port });
    },
    "the reclaimed lock must now name the new gateway",
  );
});

test("a lock whose pid is alive but belongs to a different process (start time differs) is reclaimed", async () => {
  await assertLockReclaimed("reused-pid-token", 10_000, (lockPath, sb) => {
    // This test process is alive, but it did not start at clock tick 1: a recycled pid.
    writeLock(lockPath, { pid: process.pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir, startTime: 1 });
  });
});

test("a clean stop removes the lock file and the next start acquires it at once", async () => {
  const { sb, port, proc: gw } = await startSandboxGateway({ ...lockConfig("lock-release-token"), portFlag: true });
  const lockPath = configLockPath(sb.stateDir, sb.configPath);
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
  await assertLockReclaimed("pidless-lock-token", 10_000, (lockPath, sb) => {
    const old = new Date(Date.now() - 120_000);
    writeLock(lockPath, { createdAt: old.toISOString(), configPath: sb.configPath });
    utimesSync(lockPath, old, old);
  });
});

test("a lock held by a live process whose command line is not a gateway is reclaimed (operations.md §4.2)", async () => {
  await assertLockReclaimed("non-gateway-holder", 15_000, (lockPath, sb) => {
    // No startTime recorded, pid alive (this test runner), command line `node --test ...`: not a gateway argv.
    writeLock(lockPath, { pid: process.pid, createdAt: new Date().toISOString(), configPath: sb.configPath, stateDir: sb.stateDir });
  });
});

test("two gateways sharing a state dir are refused even with different config files (state lock, operations.md §4.2/§8.1)", async () => {
  const { sb, port: port1 } = await makeConfiguredSandbox(lockConfig("state-lock-token"));
  const port2 = await getFreePort(port1);
  const otherConfig = join(sb.root, "other", "openclaw.json");
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "state-lock-token" } }, logging: { file: join(sb.root, "gw2.log") } }, otherConfig);
  const first = await startGateway(sb.env, ["--port", String(port1)], port1);
  try {
    const second = spawnOpenclaw(["gateway", "--port", String(port2)], { ...sb.env, OPENCLAW_CONFIG_PATH: otherConfig });
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
