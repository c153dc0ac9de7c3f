import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigWatcher } from "./watcher.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a burst of writes and a rename-over are reported once each, other files are ignored", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-watch-"));
  const file = join(dir, "openclaw.json");
  writeFileSync(file, "{}");
  let calls = 0;
  const watcher = new ConfigWatcher(() => calls++, 100);
  watcher.watchFiles([file]);
  try {
    for (let i = 0; i < 5; i++) writeFileSync(file, `{ "n": ${i} }`);
    await sleep(300);
    assert.equal(calls, 1);
    writeFileSync(join(dir, "other.txt"), "x");
    await sleep(300);
    assert.equal(calls, 1);
    writeFileSync(join(dir, ".tmp-new"), `{ "renamed": true }`);
    renameSync(join(dir, ".tmp-new"), file);
    await sleep(300);
    assert.equal(calls, 2);
  } finally {
    watcher.close();
  }
});
