/**
 * Port already in use: the gateway retries (~10 s), then exits 1 with the documented message;
 * `--force` stops whatever process listens on the port and then starts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import {
  cleanEnv,
  dump,
  healthzOk,
  makeConfiguredSandbox,
  runOpenclaw,
  spawnOpenclaw,
  spawnProcess,
  startGateway,
  startSandboxGateway,
  useProcessCleanup,
  waitUntil,
  within,
  type Sandbox,
} from "./process-harness.js";
import { configLockPath } from "../../src/infra/gateway-lock.js";

useProcessCleanup();

const portConfig = (token: string) => ({ config: { gateway: { mode: "local", auth: { token } } } });

/** A fresh sandbox (config with `token`) and its free port, held by a TCP server until `release()`. */
async function sandboxWithBlockedPort(token: string): Promise<{ sb: Sandbox; port: number; release: () => Promise<void> }> {
  const { sb, port } = await makeConfiguredSandbox(portConfig(token));
  const blocker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => blocker.listen({ port, host: "127.0.0.1", exclusive: true }, resolve));
  return { sb, port, release: () => new Promise<void>((resolve) => blocker.close(() => resolve())) };
}

test("a port held by another process: exit 1 after retrying, with the port-in-use message", async () => {
  const { sb, port, release } = await sandboxWithBlockedPort("port-in-use-token");
  try {
    const started = Date.now();
    const r = await runOpenclaw(["gateway", "--port", String(port)], sb.env, { timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    assert.equal(r.code, 1, dump(r));
    assert.ok(r.stderr.includes(`another gateway instance is already listening on ws://127.0.0.1:${port}`), dump(r));
    assert.ok(elapsed >= 5000, `the bind must be retried for a while (TIME_WAIT) before giving up; gave up after ${elapsed}ms`);
    assert.ok(!r.stdout.includes("gateway ready"));
    assert.equal(existsSync(configLockPath(sb.stateDir, sb.configPath)), false, "a failed start must release the config lock");
  } finally {
    await release();
    sb.cleanup();
  }
});

test("a port freed during the retry window is taken over", async () => {
  const { sb, port, release } = await sandboxWithBlockedPort("port-retry-token");
  const gw = spawnOpenclaw(["gateway", "--port", String(port)], sb.env);
  try {
    await waitUntil(() => existsSync(configLockPath(sb.stateDir, sb.configPath)), 5000, "lock acquired");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(gw.exitInfo(), null, `gateway gave up too early:\n${dump(gw)}`);
    await release();
    await gw.waitForOutput("gateway ready", 5000);
    assert.equal(await healthzOk(port), true);
  } finally {
    await gw.stop();
    await release();
    sb.cleanup();
  }
});

test("--force kills the process listening on the port and starts", async () => {
  const { sb, port } = await makeConfiguredSandbox(portConfig("force-test-token"));
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
      const health = await runOpenclaw(["health", "--port", String(port)], sb.env);
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
  const { sb, port, proc: gw } = await startSandboxGateway({ ...portConfig("force-free-token"), portFlag: true, args: ["--force"] });
  try {
    assert.doesNotMatch(gw.output(), /force: killed/);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});
