/**
 * Graceful stop of a real gateway process: connected clients get the `shutdown` event, then close
 * code 1012 "service restart"; the process exits 0, releases the port and removes its lock file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connectOperator, dump, httpGet, isListening, startSandboxGateway, useProcessCleanup, waitUntil, within } from "./process-harness.js";
import { configLockPath } from "../../src/infra/gateway-lock.js";

const TOKEN = "shutdown-test-token-0123456789";

useProcessCleanup();

/** A gateway started with --port in a fresh sandbox, token auth with TOKEN. */
const startShutdownGateway = () => startSandboxGateway({ config: { gateway: { mode: "local", auth: { mode: "token", token: TOKEN } } }, portFlag: true });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal}: clients get 'shutdown' then close 1012, the process exits 0 and removes its lock`, async () => {
    const { sb, port, proc: gw } = await startShutdownGateway();
    try {
      const lockPath = configLockPath(sb.stateDir, sb.configPath);
      assert.ok(existsSync(lockPath), "lock file must exist while running");

      const client = await connectOperator(port, TOKEN);
      assert.equal(client.hello.type, "hello-ok");
      const events = (client.hello.features as { events?: string[] } | undefined)?.events ?? [];
      assert.ok(events.includes("shutdown"), `hello-ok must advertise the shutdown event: ${JSON.stringify(events)}`);
      // The connection is live: a request round-trips before the signal.
      const health = await client.request("health", {});
      assert.equal(health.ok, true, JSON.stringify(health));

      gw.child.kill(signal);
      const close = await within(client.closed, 8000);
      assert.ok(close, "the client socket was not closed");
      assert.equal(close.code, 1012, `close code: ${JSON.stringify(close)}`);
      assert.equal(close.reason, "service restart");

      const shutdownIndex = client.frames.findIndex((f) => f.type === "event" && f.event === "shutdown");
      assert.ok(shutdownIndex >= 0, `no shutdown event before close; frames: ${JSON.stringify(client.frames)}`);
      assert.ok(shutdownIndex < (client.closeInfo?.order ?? 0), "the shutdown event must arrive before the close");
      const payload = client.frames[shutdownIndex].payload as { reason?: unknown };
      assert.equal(typeof payload.reason, "string");
      assert.ok((payload.reason as string).length > 0);

      const exit = await within(gw.exited, 10_000);
      assert.ok(exit, `gateway did not exit after ${signal}:\n${dump(gw)}`);
      assert.equal(exit.code, 0, dump(gw));
      assert.match(gw.stdout(), new RegExp(`received ${signal}; shutting down`));
      assert.equal(existsSync(lockPath), false, "the lock file must be removed on a clean stop");
      assert.equal(await isListening(port), false, "the port must be released");
      assert.equal(await httpGet(port, "/healthz"), null);
    } finally {
      await gw.stop("SIGKILL");
      sb.cleanup();
    }
  });
}

test("a second signal during shutdown does not start a second shutdown", async () => {
  const { sb, port, proc: gw } = await startShutdownGateway();
  try {
    const client = await connectOperator(port, TOKEN);
    gw.child.kill("SIGTERM");
    gw.child.kill("SIGTERM");
    await client.closed;
    const exit = await within(gw.exited, 10_000);
    assert.ok(exit, dump(gw));
    assert.equal(exit.code, 0, dump(gw));
    await waitUntil(() => !!gw.exitInfo(), 1000, "exit");
    assert.equal((gw.stdout().match(/shutting down/g) ?? []).length, 1, `only one shutdown may run:\n${gw.stdout()}`);
  } finally {
    await gw.stop("SIGKILL");
    sb.cleanup();
  }
});
