import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootHistory, CRASH_LOOP_WINDOW_MS } from "./boot-history.js";

const DEAD = 999_999_999;

test("three crashed boots inside the window trip the breaker, which recovers when the window drains", () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-boot-"));
  let now = 1_000_000;
  const history = () => new BootHistory(dir, () => now, (pid) => pid !== DEAD);
  for (let i = 0; i < 3; i++) {
    history().recordBoot(`crash-${i}`, DEAD);
    now += 10_000;
  }
  const current = history();
  current.recordBoot("current", process.pid);
  assert.deepEqual(current.breaker("current"), { tripped: true, uncleanBoots: 3, windowMs: CRASH_LOOP_WINDOW_MS, threshold: 3 });
  now += CRASH_LOOP_WINDOW_MS;
  assert.equal(current.breaker("current").tripped, false);
  assert.equal(statSync(join(dir, "state", "boot-history.json")).mode & 0o777, 0o600);
});

test("clean stops and boots whose process still runs are not crashes", () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-boot-"));
  let now = 5_000_000;
  const make = () => new BootHistory(dir, () => now, (pid) => pid !== DEAD);
  for (let i = 0; i < 3; i++) {
    const h = make();
    h.recordBoot(`clean-${i}`, DEAD);
    h.markEnded(`clean-${i}`, "clean_stop");
    now += 1000;
  }
  make().recordBoot("still-running", process.pid);
  const current = make();
  current.recordBoot("current");
  assert.equal(current.breaker("current").uncleanBoots, 0);
  const saved = JSON.parse(readFileSync(join(dir, "state", "boot-history.json"), "utf8"));
  assert.equal(saved.filter((r: { outcome?: string }) => r.outcome === "clean_stop").length, 3);
});

test("an unwritable state dir fails open", () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-boot-"));
  writeFileSync(join(dir, "state"), "a file where the state folder should be");
  const h = new BootHistory(dir);
  h.recordBoot("x");
  assert.equal(h.breaker("x").tripped, false);
});
