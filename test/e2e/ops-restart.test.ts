/**
 * Restart-requiring reloads and signals against a real gateway process (operations.md §3.4, §4.6;
 * protocol.md §1.6/§8.3): `shutdown` event with restartExpectedMs then close 1012 "service
 * restart", rebind on the new port, SIGUSR2 in-process restart (same pid) with coalescing, and hot
 * token rotation closing old-secret clients with 4001 "gateway auth changed".
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  ConnectRejected,
  baseConfig,
  connectOperator,
  connectWithRetry,
  dump,
  getFreePort,
  isListening,
  logCount,
  randomToken,
  readLog,
  sleep,
  startSandboxGateway,
  useProcessCleanup,
  waitForLog,
  waitUntil,
  type OperatorClient,
} from "./process-harness.js";

useProcessCleanup({ eachTest: true });

/** Waits for the `shutdown` event and the 1012 close, in that order, and checks their content. */
async function expectRestartClose(client: OperatorClient): Promise<{ closedAt: number; restartExpectedMs: number }> {
  const shutdown = await client.waitForEvent("shutdown", 8000);
  assert.equal(typeof shutdown.payload?.reason, "string", JSON.stringify(shutdown));
  assert.equal(typeof shutdown.payload?.restartExpectedMs, "number", `shutdown payload ${JSON.stringify(shutdown.payload)}`);
  assert.ok(shutdown.payload.restartExpectedMs > 0);
  const close = await client.waitForClose(5000);
  assert.equal(close.code, 1012, `close ${JSON.stringify(close)}`);
  assert.equal(close.reason, "service restart");
  // The shutdown event was the last frame before the close.
  const idx = client.frames.indexOf(shutdown);
  assert.ok(idx >= 0);
  assert.deepEqual(
    client.frames.slice(idx + 1).filter((f) => f.type === "event" && f.event !== "tick" && f.event !== "health"),
    [],
    "no further events after shutdown",
  );
  return { closedAt: close.at, restartExpectedMs: shutdown.payload.restartExpectedMs };
}

describe("restart-requiring reloads and SIGUSR2 (real gateway process)", () => {
  test("gateway.port edit: shutdown + 1012, then the gateway serves on the new port only", async () => {
    const { sb, port, token, proc } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    const pid = (await client.call("status")).pid as number;
    assert.equal(pid, proc.pid);
    const bootBefore = client.hello.server.bootId as string;

    const newPort = await getFreePort(port);
    const mark = logCount(sb.logFile);
    writeFileSync(sb.configPath, JSON.stringify(baseConfig(newPort, token, sb.logFile), null, 2) + "\n");

    const { closedAt } = await expectRestartClose(client);
    const fresh = await connectWithRetry(newPort, token, { intervalMs: 20, timeoutMs: 10_000 });
    const downtime = Math.round(performance.now() - closedAt);
    console.log(`FIGURE restart-downtime-ms=${downtime}`);

    assert.equal(fresh.hello.type, "hello-ok");
    assert.notEqual(fresh.hello.server.bootId, bootBefore, "a new server instance answers");
    assert.equal((await fresh.call("health")).ok, true);
    const status = await fresh.call("status");
    assert.equal(status.pid, proc.pid, "in-process restart keeps the pid");
    assert.equal(proc.exitInfo(), null);
    await waitUntil(async () => !(await isListening(port)), 3000, `old port ${port} to stop listening`);
    await assert.rejects(connectOperator(port, token, { timeoutMs: 1500 }), "the old port no longer answers");

    const line = await waitForLog(sb.logFile, /config change requires gateway restart \(gateway\.port\)/, 3000, mark);
    assert.equal(line.subsystem, "gateway/reload");
    await waitForLog(sb.logFile, `listening on ws://127.0.0.1:${newPort} after restart`, 3000, mark);
  });

  test("SIGUSR2: in-process restart on the same port, same pid; two quick SIGUSR2 coalesce", async () => {
    const { sb, port, token, proc } = await startSandboxGateway();
    const client = await connectOperator(port, token);
    assert.equal((await client.call("status")).pid, proc.pid);
    const bootBefore = client.hello.server.bootId as string;

    let mark = logCount(sb.logFile);
    proc.child.kill("SIGUSR2");
    await expectRestartClose(client);
    const again = await connectWithRetry(port, token, { intervalMs: 20, timeoutMs: 10_000 });
    assert.notEqual(again.hello.server.bootId, bootBefore);
    assert.equal((await again.call("status")).pid, proc.pid, "same process after SIGUSR2");
    assert.equal(proc.exitInfo(), null);
    await waitForLog(sb.logFile, "received SIGUSR2; restarting", 3000, mark);
    await waitForLog(sb.logFile, /restart mode: in-process restart \(SIGUSR2\)/, 3000, mark);

    // Two signals back to back: no crash, at most one extra cycle, and it keeps serving.
    mark = logCount(sb.logFile);
    proc.child.kill("SIGUSR2");
    proc.child.kill("SIGUSR2");
    await expectRestartClose(again);
    await sleep(1500);
    const third = await connectWithRetry(port, token, { intervalMs: 20, timeoutMs: 10_000 });
    assert.equal((await third.call("health")).ok, true);
    await sleep(1000);
    assert.equal(proc.exitInfo(), null, `gateway must survive two quick SIGUSR2\n${dump(proc)}`);
    const last = third.isOpen ? third : await connectWithRetry(port, token, { intervalMs: 20, timeoutMs: 10_000 });
    assert.equal((await last.call("status")).pid, proc.pid);
    const restarts = readLog(sb.logFile)
      .slice(mark)
      .filter((l) => /restart mode: in-process restart/.test(l.message ?? "")).length;
    assert.ok(restarts >= 1 && restarts <= 2, `two quick SIGUSR2 must coalesce into at most 2 restart cycles, saw ${restarts}`);
    assert.equal(
      readLog(sb.logFile)
        .slice(mark)
        .filter((l) => l.level === "error" || l.level === "fatal").length,
      0,
      "no errors logged",
    );
  });
});

describe("gateway.reload.mode=off (real gateway process)", () => {
  test("edits are not applied live; a SIGUSR2 restart then starts from the edited config on disk", async () => {
    const { sb, port, token, proc } = await startSandboxGateway({ extraGateway: { reload: { mode: "off" } } });
    await waitForLog(sb.logFile, "config reload disabled (gateway.reload.mode=off)", 3000);
    const client = await connectOperator(port, token);
    const health = await client.call("health");
    assert.equal(health.configReload?.hotReloadStatus, "disabled");
    const h0 = (await client.call("config.get")).appliedConfigHash as string;

    const newPort = await getFreePort(port);
    writeFileSync(sb.configPath, JSON.stringify(baseConfig(newPort, token, sb.logFile, { reload: { mode: "off" } }), null, 2) + "\n");
    await sleep(1000);
    assert.equal(client.isOpen, true, "no reload, no restart");
    assert.deepEqual(client.events("shutdown"), []);
    assert.equal((await client.call("config.get")).appliedConfigHash, h0, "the edit is not applied while reload is off");
    assert.equal(await isListening(newPort), false);

    // The operator applies it with a restart (operations.md §4.6: an in-process restart resets the
    // runtime config snapshot, i.e. starts from the config file as it is now).
    proc.child.kill("SIGUSR2");
    await expectRestartClose(client);
    const moved = await connectWithRetry(newPort, token, { intervalMs: 20, timeoutMs: 8000 }).catch(async (err: Error) => {
      const oldPortAnswers = await isListening(port);
      throw new Error(`${err.message}; after SIGUSR2 the gateway ${oldPortAnswers ? `is still on the OLD port ${port}` : "is not listening on the old port either"}`);
    });
    const cfg = await moved.call("config.get");
    assert.equal(cfg.appliedConfigHash, cfg.hash, "after the restart the applied config is the file on disk");
    assert.equal((await moved.call("status")).pid, proc.pid);
  });
});

describe("shared-secret rotation (real gateway process)", () => {
  test("a token change closes old-token clients with 4001; the new token works, the old is refused", async () => {
    const { sb, port, token, proc } = await startSandboxGateway();
    const oldClient = await connectOperator(port, token);
    const h0 = (await oldClient.call("config.get")).appliedConfigHash as string;
    const newToken = randomToken();

    const mark = logCount(sb.logFile);
    writeFileSync(sb.configPath, JSON.stringify(baseConfig(port, newToken, sb.logFile), null, 2) + "\n");
    const close = await oldClient.waitForClose(5000);
    assert.equal(close.code, 4001, `close ${JSON.stringify(close)}`);
    assert.equal(close.reason, "gateway auth changed");
    assert.deepEqual(oldClient.events("shutdown"), [], "a rotation is not a restart");

    const fresh = await connectOperator(port, newToken);
    assert.equal((await fresh.call("health")).ok, true);
    const cfg = await fresh.call("config.get");
    assert.notEqual(cfg.appliedConfigHash, h0);
    assert.equal(cfg.appliedConfigHash, cfg.hash);

    const refused = await connectOperator(port, token).then(
      (c) => {
        void c.close();
        return null;
      },
      (err: unknown) => err,
    );
    assert.ok(refused instanceof ConnectRejected, `old token must be refused, got ${String(refused)}`);
    assert.match(refused.error?.message ?? "", /token mismatch/);

    await waitForLog(sb.logFile, /gateway auth rotated; disconnected 1 client/, 3000, mark);
    // The secret never reaches the file log.
    assert.equal(
      readLog(sb.logFile).some((l) => (l.message ?? "").includes(newToken) || (l.message ?? "").includes(token)),
      false,
      "tokens must not be logged",
    );
    assert.equal(fresh.isOpen, true);
    assert.equal(proc.exitInfo(), null);
  });
});
