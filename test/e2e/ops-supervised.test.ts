/**
 * A gateway started by our service unit (its environment markers) behaves as a supervised process:
 * a restart hands over to the manager by exiting cleanly, and a duplicate start next to a healthy
 * gateway exits 78 so systemd's RestartPreventExitStatus stops the restart loop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dump, makeConfiguredSandbox, startGateway, spawnOpenclaw, useProcessCleanup, waitForLog } from "./process-harness.js";

useProcessCleanup({ eachTest: true });

const SYSTEMD_MARKERS = { OPENCLAW_SERVICE_MARKER: "openclaw", OPENCLAW_SERVICE_KIND: "gateway", OPENCLAW_SYSTEMD_UNIT: "openclaw-gateway" };

test("a supervised gateway restarts by exiting 0 for the manager, and records a planned restart", async () => {
  const { sb, port } = await makeConfiguredSandbox({ env: SYSTEMD_MARKERS });
  const proc = await startGateway(sb.env, [], port);
  proc.child.kill("SIGUSR2");
  const exit = await proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, dump(proc));
  await waitForLog(sb.logFile, "restart mode: full process restart");
  const boots = JSON.parse(readFileSync(join(sb.stateDir, "state", "boot-history.json"), "utf8")) as Array<{ outcome?: string }>;
  assert.equal(boots.at(-1)?.outcome, "planned_restart");
});

test("under systemd a second gateway next to a healthy one exits 78; in the foreground it exits 1", async () => {
  const { sb, port } = await makeConfiguredSandbox();
  await startGateway(sb.env, [], port);

  const foreground = spawnOpenclaw(["gateway", "--port", String(port)], sb.env);
  assert.equal((await foreground.exited).code, 1, dump(foreground));

  const supervised = spawnOpenclaw(["gateway", "--port", String(port)], { ...sb.env, ...SYSTEMD_MARKERS });
  const exit = await supervised.exited;
  assert.equal(exit.code, 78, dump(supervised));
  assert.match(supervised.stderr(), /gateway already running under systemd; existing gateway is healthy, exiting with code 78/);
});
