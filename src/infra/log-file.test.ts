import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveLogFilePath, RotatingLogFile } from "./log-file.js";

test("daily file names carry the local date and the profile", () => {
  const day = new Date(2026, 8, 6, 12);
  assert.match(resolveLogFilePath({}, day), /\/openclaw-2026-09-06\.log$/);
  assert.match(resolveLogFilePath({ profile: "work" }, day), /\/openclaw-work-2026-09-06\.log$/);
  assert.equal(resolveLogFilePath({ file: "/x/y.log" }, day), "/x/y.log");
});

test("the active file rotates at the size cap into numbered archives, mode 0600", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-rot-"));
  const path = join(dir, "gw.log");
  const file = new RotatingLogFile(() => path, 100);
  for (let i = 0; i < 12; i++) {
    file.append(`${"x".repeat(30)}-${i}\n`);
    await file.drained();
  }
  assert.ok(existsSync(`${path}.1`));
  assert.ok(statSync(path).size <= 100);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const all = [path, `${path}.1`, `${path}.2`, `${path}.3`].filter(existsSync).map((p) => readFileSync(p, "utf8")).join("");
  assert.ok(all.includes("-11\n"));
  assert.ok(!existsSync(`${path}.6`));
});

test("flushSync writes what is still queued", () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-sync-"));
  const path = join(dir, "gw.log");
  const file = new RotatingLogFile(() => path);
  file.append("last words\n");
  file.flushSync();
  assert.equal(readFileSync(path, "utf8"), "last words\n");
});
