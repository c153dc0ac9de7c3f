import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { utimesSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { baseConfig, cleanupAllSandboxes, connectWithRetry, getFreePort, makeOpsSandbox, randomToken, sleep, waitUntil } from "./ops-harness.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

after(() => cleanupAllSandboxes());

test("gateway:watch restarts the gateway on the same port when a source file changes", async () => {
  const sb = makeOpsSandbox();
  const port = await getFreePort();
  const token = randomToken();
  writeFileSync(sb.configPath, JSON.stringify(baseConfig(port, token, sb.logFile)), { mode: 0o600 });
  const watcher = spawn(process.execPath, [join(repoRoot, "scripts", "watch.mjs")], { cwd: repoRoot, env: sb.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  watcher.stdout!.on("data", (d) => (output += d));
  watcher.stderr!.on("data", (d) => (output += d));
  const readyCount = () => output.split("gateway ready").length - 1;
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
    assert.match(output, /changed src\/protocol\/constants\.ts: rebuilding/);
  } finally {
    watcher.kill("SIGTERM");
    await new Promise((r) => watcher.once("exit", r));
    await sleep(50);
  }
});
