/**
 * The official OpenClaw 2026.9.6 node host (`openclaw node run`, via /work/shared/tools/openclaw-peer)
 * against this gateway: it connects with its signed device, waits for capability approval, is
 * approved with our CLI, and answers `nodes invoke --command system.which`. Skipped when the peer
 * is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, dump, runOpenclaw, waitUntil } from "./process-harness.js";
import { ADMIN_SCOPES, TEST_TOKEN, connectParams, openClient, sendConnect, startFileGateway } from "./harness.js";

const PEER = "/work/shared/tools/openclaw-peer";
const peerDir = existsSync(PEER) ? spawnSync(PEER, ["--path"], { encoding: "utf8" }).stdout.trim() : "";
const installed = peerDir !== "" && existsSync(join(peerDir, "app/node_modules/.bin/openclaw"));

test("the official node host is approved with our CLI and answers system.which", { skip: installed ? false : "openclaw-peer not installed", timeout: 90_000 }, async () => {
  const gw = await startFileGateway();
  const home = mkdtempSync(join(tmpdir(), "oc-node-peer-"));
  const child = spawn(PEER, ["node", "run", "--host", "127.0.0.1", "--port", String(gw.port)], {
    env: { ...cleanEnv(), HOME: home, OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  try {
    const op = await openClient(gw.url);
    assert.equal((await sendConnect(op, connectParams({ scopes: [...ADMIN_SCOPES, "operator.pairing"] }))).ok, true);
    const request = await op.waitFor((f) => f.event === "node.pair.requested", { timeoutMs: 45_000 }).catch((err) => assert.fail(`${err.message}\n${output}`));
    assert.ok(request.payload.commands.includes("system.which"));
    const env = cleanEnv();
    const cli = (...args: string[]) => runOpenclaw([...args, "--url", gw.url, "--token", TEST_TOKEN], env);
    const approved = await cli("nodes", "approve", request.payload.requestId);
    assert.equal(approved.code, 0, dump(approved));
    await waitUntil(async () => (await op.call("node.describe", { nodeId: request.payload.nodeId })).approvalState === "approved", 5000, "approval");
    const invoked = await cli("nodes", "invoke", "--node", request.payload.nodeId, "--command", "system.which", "--params", '{"bins":["sh"]}', "--json");
    assert.equal(invoked.code, 0, dump(invoked) + output);
    const result = JSON.parse(invoked.stdout);
    assert.equal(result.ok, true);
    assert.match(result.payload.bins.sh, /\/sh$/);
    await op.close();
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {}
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    rmSync(home, { recursive: true, force: true });
  }
});
