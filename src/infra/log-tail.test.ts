import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tailLogFile } from "./log-tail.js";

const dir = mkdtempSync(join(tmpdir(), "ocgw-tail-"));

test("without a cursor the tail of the file is read and the cursor points at its end", async () => {
  const file = join(dir, "a.log");
  writeFileSync(file, "one\ntwo\nthree\n");
  const r = await tailLogFile(file, { limit: 500, maxBytes: 1000 });
  assert.deepEqual(r.lines, ["one", "two", "three"]);
  assert.equal(r.cursor, 14);
  assert.equal(r.size, 14);
  appendFileSync(file, "four\n");
  const next = await tailLogFile(file, { cursor: r.cursor, limit: 500, maxBytes: 1000 });
  assert.deepEqual(next.lines, ["four"]);
  assert.equal(next.reset, undefined);
});

test("a partial last line is left for the next read", async () => {
  const file = join(dir, "b.log");
  writeFileSync(file, "done\nhalf");
  const r = await tailLogFile(file, { limit: 500, maxBytes: 1000 });
  assert.deepEqual(r.lines, ["done"]);
  assert.equal(r.cursor, 5);
  appendFileSync(file, "-written\n");
  assert.deepEqual((await tailLogFile(file, { cursor: r.cursor, limit: 500, maxBytes: 1000 })).lines, ["half-written"]);
});

test("a cursor past the end means rotation: reset and read the tail", async () => {
  const file = join(dir, "c.log");
  writeFileSync(file, "fresh\n");
  const r = await tailLogFile(file, { cursor: 9999, limit: 500, maxBytes: 1000 });
  assert.equal(r.reset, true);
  assert.deepEqual(r.lines, ["fresh"]);
});

test("falling more than maxBytes behind skips ahead and says how much", async () => {
  const file = join(dir, "d.log");
  writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line-${String(i).padStart(3, "0")}`).join("\n") + "\n");
  const r = await tailLogFile(file, { cursor: 0, limit: 500, maxBytes: 30 });
  assert.equal(r.reset, true);
  assert.equal(r.truncated, true);
  assert.ok(r.skippedBytes! > 0);
  assert.ok(r.lines.length >= 2 && r.lines.every((l) => /^line-\d{3}$/.test(l)), String(r.lines));
  assert.equal(r.lines.at(-1), "line-099");
});

test("limit keeps the newest lines", async () => {
  const file = join(dir, "e.log");
  writeFileSync(file, "1\n2\n3\n4\n");
  const r = await tailLogFile(file, { limit: 2, maxBytes: 1000 });
  assert.deepEqual(r.lines, ["3", "4"]);
  assert.equal(r.truncated, true);
});

test("a missing daily file falls back to the newest file of its family", async () => {
  writeFileSync(join(dir, "openclaw-2026-01-01.log"), "old\n");
  writeFileSync(join(dir, "openclaw-2026-01-02.log"), "newer\n");
  const r = await tailLogFile(join(dir, "openclaw-2026-01-03.log"), { limit: 10, maxBytes: 1000 });
  assert.equal(r.file, join(dir, "openclaw-2026-01-02.log"));
  assert.deepEqual(r.lines, ["newer"]);
  const none = await tailLogFile(join(dir, "nothing.log"), { limit: 10, maxBytes: 1000 });
  assert.deepEqual(none.lines, []);
});
