import { test } from "node:test";
import assert from "node:assert/strict";
import { utimesSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connectWithRetry, makeConfiguredSandbox, sleep, spawnProcess, useProcessCleanup, waitUntil } from "./process-harness.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

useProcessCleanup();

test("gateway:watch restarts the gateway on the same port when a source file changes", async () => {
  const { sb, port, token } = await makeConfiguredSandbox();
  const watcher = spawnProcess(process.execPath, [join(repoRoot, "scripts", "watch.mjs")], { cwd: repoRoot, env: sb.env });
  const readyCount = () => watcher.output().split("gateway ready").length - 1;
  try {
    await waitUntil(() => readyCount() >= 1, 30_000, "first gateway ready");
    const first = await connectWithRetry(port, token, { scopes: ["operator.read"] });
    const firstPid = ((await first.call("status")) as { pid: number }).pid;
    first.close();

    const source = join(repoRoot, "src", "protocol", "constants.ts");
    const now = new Date();
    utimesSync(source, now, now);
    await waitUntil(() => readyCount() >= 2, 30_000, "gateway ready after the change");
    const second = await connectWithRetry(port, token, { scopes: ["operator.read"] });
    const secondPid = ((await second.call("status")) as { pid: number }).pid;
    second.close();
    assert.notEqual(secondPid, firstPid, "a new gateway process serves the same port");
    assert.match(watcher.output(), /changed src\/protocol\/constants\.ts: rebuilding/);
  } finally {
    await watcher.stop("SIGTERM");
    await sleep(50);
  }
});
