/**
 * Port already in use: the gateway retries (~10 s), then exits 1 with the documented message;
 * `--force` stops whatever process listens on the port and then starts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import {
  cleanupAll,
  cleanEnv,
  dump,
  getFreePort,
  healthzOk,
  killAll,
  within,
  makeSandbox,
  runCli,
  spawnCli,
  spawnProcess,
  startGateway,
  waitFor,
} from "./process-harness.js";
import { configLockPath } from "../../src/infra/gateway-lock.js";

after(async () => {
  await killAll();
  cleanupAll();
});

test("a port held by another process: exit 1 after retrying, with the port-in-use message", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "port-in-use-token" } } });
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen({ port, host: "127.0.0.1", exclusive: true }, resolve));
  try {
    const started = Date.now();
    const r = await runCli(["gateway", "--port", String(port)], sb.env, { timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    assert.equal(r.code, 1, dump(r));
    assert.ok(r.stderr.includes(`another gateway instance is already listening on ws://127.0.0.1:${port}`), dump(r));
    assert.ok(elapsed >= 5000, `the bind must be retried for a while (TIME_WAIT) before giving up; gave up after ${elapsed}ms`);
    assert.ok(!r.stdout.includes("gateway ready"));
    assert.equal(existsSync(configLockPath(sb.stateDir, sb.configPath)), false, "a failed start must release the config lock");
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    sb.cleanup();
  }
});

test("a port freed during the retry window is taken over", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "port-retry-token" } } });
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen({ port, host: "127.0.0.1", exclusive: true }, resolve));
  const gw = spawnCli(["gateway", "--port", String(port)], sb.env);
  try {
    await waitFor(() => existsSync(configLockPath(sb.stateDir, sb.configPath)), 5000, "lock acquired");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(gw.exitInfo(), null, `gateway gave up too early:\n${dump(gw)}`);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await gw.waitForOutput("gateway ready", 5000);
    assert.equal(await healthzOk(port), true);
  } finally {
    await gw.stop();
    blocker.close();
    sb.cleanup();
  }
});

test("--force kills the process listening on the port and starts", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "force-test-token" } } });
  const squatter = spawnProcess(
    process.execPath,
    ["-e", `require("node:net").createServer().listen({ port: ${port}, host: "127.0.0.1" }, () => console.log("squatting"))`],
    { env: cleanEnv() },
  );
  try {
    await squatter.waitForOutput("squatting", 5000);
    const gw = await startGateway(sb.env, ["--port", String(port), "--force"], port, { timeoutMs: 15_000 });
    try {
      const exit = await within(squatter.exited, 3000);
      assert.ok(exit, "the process holding the port must have been stopped");
      assert.ok(exit.signal === "SIGTERM" || exit.signal === "SIGKILL", `squatter exit: ${JSON.stringify(exit)}`);
      assert.match(gw.output(), new RegExp(`force: killed pid ${squatter.pid}\\b`));
      const health = await runCli(["health", "--port", String(port)], sb.env);
      assert.equal(health.code, 0, dump(health));
    } finally {
      await gw.stop();
    }
  } finally {
    await squatter.stop("SIGKILL");
    sb.cleanup();
  }
});

test("--force on a free port simply starts", async () => {
  const sb = makeSandbox();
  const port = await getFreePort();
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "force-free-token" } } });
  const gw = await startGateway(sb.env, ["--port", String(port), "--force"], port);
  try {
    assert.doesNotMatch(gw.output(), /force: killed/);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});
