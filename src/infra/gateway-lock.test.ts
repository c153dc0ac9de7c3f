import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { acquireGatewayLock, configLockPath, GatewayLockError } from "./gateway-lock.js";

function fresh() {
  const stateDir = mkdtempSync(join(tmpdir(), "ocgw-lock-"));
  return { stateDir, configPath: join(stateDir, "openclaw.json") };
}

test("the lock records pid and start time and is released", async () => {
  const opts = fresh();
  const lock = await acquireGatewayLock(opts);
  const payload = JSON.parse(readFileSync(lock.path, "utf8"));
  assert.equal(payload.pid, process.pid);
  assert.equal(payload.configPath, opts.configPath);
  assert.equal(typeof payload.startTime, "number");
  lock.release();
  assert.equal(existsSync(lock.path), false);
});

test("a live holder keeps the lock: the second acquire times out with the holder's pid", async () => {
  const opts = fresh();
  const lock = await acquireGatewayLock(opts);
  await assert.rejects(acquireGatewayLock(opts, 300), (err: Error) => err instanceof GatewayLockError && /gateway already running \(pid \d+\); lock timeout after 300ms/.test(err.message));
  lock.release();
});

test("a lock left by a dead process or a reused pid is reclaimed", async () => {
  for (const stale of [{ pid: 2 ** 22 + 12345 }, { pid: process.pid, startTime: 1 }]) {
    const opts = fresh();
    const path = configLockPath(opts.stateDir, opts.configPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ ...stale, createdAt: new Date().toISOString(), configPath: opts.configPath, stateDir: opts.stateDir }));
    const lock = await acquireGatewayLock(opts, 500);
    assert.equal(JSON.parse(readFileSync(lock.path, "utf8")).pid, process.pid);
    lock.release();
  }
});

test("different configs get different locks", () => {
  assert.notEqual(configLockPath("/s", "/a.json"), configLockPath("/s", "/b.json"));
});
