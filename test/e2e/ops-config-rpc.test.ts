/**
 * Config write RPCs against a real gateway process (operations.md §2.2 "Write RPC", §3): optimistic
 * concurrency with baseHash, the reload report, a restart-requiring config.patch moving the gateway to
 * a new port, and the file mode staying 0600.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import JSON5 from "json5";
import {
  ADMIN,
  baseConfig,
  connectOperator,
  connectWithRetry,
  fileMode,
  getFreePort,
  isListening,
  logCount,
  startSandboxGateway,
  useProcessCleanup,
  waitForLog,
  waitUntil,
} from "./process-harness.js";

useProcessCleanup({ eachTest: true });

const STALE = "sha256:" + "0".repeat(64);

describe("config.set / config.patch (real gateway process)", () => {
  test("baseHash guards writes; a hot config.set applies live; config.patch of gateway.port restarts on the new port", async () => {
    const { sb, port, token, proc, configText } = await startSandboxGateway();
    assert.equal(fileMode(sb.configPath), 0o600);
    const client = await connectOperator(port, token, { scopes: ADMIN });
    const h0 = (await client.call("config.get")).hash as string;

    // 1. config.set with a stale baseHash: refused, file untouched.
    const nextRaw = JSON.stringify(baseConfig(port, token, sb.logFile, { controlUi: { allowedOrigins: ["https://rpc.example.test"] } }), null, 2) + "\n";
    const stale = await client.request("config.set", { raw: nextRaw, baseHash: STALE });
    assert.equal(stale.ok, false, JSON.stringify(stale));
    assert.equal(stale.error?.code, "INVALID_REQUEST");
    assert.equal(stale.error?.details?.code, "STALE_HASH", JSON.stringify(stale.error));
    assert.equal(readFileSync(sb.configPath, "utf8"), configText, "a refused config.set leaves the file unchanged");
    assert.equal((await client.call("config.get")).appliedConfigHash, h0);

    // 2. With the fresh hash from config.get it succeeds and applies hot.
    let mark = logCount(sb.logFile);
    const set = await client.call("config.set", { raw: nextRaw, baseHash: h0 });
    assert.equal(set.changed, true);
    assert.ok(Array.isArray(set.changedPaths) && set.changedPaths.some((p: string) => p.startsWith("gateway.controlUi")), JSON.stringify(set));
    assert.equal(set.restartRequired, false);
    assert.equal(set.hint, "Change will apply without restarting the gateway.");
    assert.equal(set.reload?.status, "applied", JSON.stringify(set.reload));
    assert.equal(set.reload?.mode, "hot");
    assert.equal(readFileSync(sb.configPath, "utf8"), nextRaw);
    assert.equal(fileMode(sb.configPath), 0o600, "config.set keeps mode 0600");
    const afterSet = await client.call("config.get");
    assert.equal(afterSet.appliedConfigHash, set.hash);
    assert.equal(afterSet.hash, set.hash);
    assert.notEqual(set.hash, h0);
    await waitForLog(sb.logFile, /config hot reload applied/, 3000, mark);
    assert.equal(client.isOpen, true, "a hot config.set keeps the caller connected");

    // The old hash is stale now.
    const staleAgain = await client.request("config.set", { raw: configText, baseHash: h0 });
    assert.equal(staleAgain.error?.details?.code, "STALE_HASH");
    assert.equal(readFileSync(sb.configPath, "utf8"), nextRaw);

    // 3. config.patch without baseHash on an existing file: refused.
    const newPort = await getFreePort(port);
    const noHash = await client.request("config.patch", { raw: JSON.stringify({ gateway: { port: newPort } }) });
    assert.equal(noHash.ok, false);
    assert.equal(noHash.error?.details?.code, "BASE_HASH_REQUIRED", JSON.stringify(noHash.error));
    assert.equal(readFileSync(sb.configPath, "utf8"), nextRaw, "a refused config.patch leaves the file unchanged");
    const stalePatch = await client.request("config.patch", { raw: JSON.stringify({ gateway: { port: newPort } }), baseHash: h0 });
    assert.equal(stalePatch.error?.details?.code, "STALE_HASH");

    // 4. config.patch (JSON5 merge patch) that moves the port: restartRequired, then the gateway moves.
    mark = logCount(sb.logFile);
    const patch = await client.call("config.patch", { raw: `{ gateway: { port: ${newPort} } }`, baseHash: set.hash }, 8000);
    assert.equal(patch.changed, true);
    assert.deepEqual(patch.changedPaths, ["gateway.port"]);
    assert.equal(patch.restartRequired, true);
    assert.equal(patch.hint, "Restart the gateway to apply.");
    assert.equal(patch.reload?.mode, "restart", JSON.stringify(patch.reload));
    const onDisk = JSON5.parse(readFileSync(sb.configPath, "utf8"));
    assert.equal(onDisk.gateway.port, newPort);
    assert.deepEqual(onDisk.gateway.controlUi.allowedOrigins, ["https://rpc.example.test"], "the merge patch keeps the other keys");
    assert.equal(onDisk.gateway.auth.token, token);
    assert.equal(fileMode(sb.configPath), 0o600, "config.patch keeps mode 0600");

    const shutdown = await client.waitForEvent("shutdown", 8000);
    assert.equal(typeof shutdown.payload?.restartExpectedMs, "number");
    const close = await client.waitForClose(5000);
    assert.equal(close.code, 1012);
    const moved = await connectWithRetry(newPort, token, { scopes: ADMIN, intervalMs: 20, timeoutMs: 10_000 });
    assert.equal((await moved.call("health")).ok, true);
    const cfg = await moved.call("config.get");
    assert.equal(cfg.appliedConfigHash, patch.hash);
    await waitUntil(async () => !(await isListening(port)), 3000, "old port to close");
    await waitForLog(sb.logFile, /config change requires gateway restart \(gateway\.port\)/, 3000, mark);
    assert.equal(proc.exitInfo(), null);
  });
});
