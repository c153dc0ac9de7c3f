/**
 * Crash-loop breaker against real gateway processes (operations.md §4.7): three unclean boots
 * (SIGKILL after "gateway ready") within five minutes put the next start in safe mode — the control
 * plane still serves, health and loopback /readyz carry `safeMode` — while clean SIGTERM stops are
 * recorded as clean and never trip it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ADMIN,
  connectOperator,
  dump,
  httpGet,
  makeConfiguredSandbox,
  readLog,
  startGateway,
  useProcessCleanup,
  waitForLog,
  type Sandbox,
} from "./process-harness.js";

useProcessCleanup({ eachTest: true });

type BootRecord = { bootId: string; pid: number; startedAtMs: number; completedAtMs?: number; outcome?: string };

function bootHistory(sb: Sandbox): BootRecord[] {
  return JSON.parse(readFileSync(join(sb.stateDir, "state", "boot-history.json"), "utf8")) as BootRecord[];
}

/** Health RPC plus loopback /readyz of the gateway on `port`. */
async function probe(port: number, token: string): Promise<{ health: any; readyz: any }> {
  const client = await connectOperator(port, token);
  try {
    const health = await client.call("health");
    assert.equal(health.ok, true);
    const ready = await httpGet(port, "/readyz");
    assert.ok(ready, "/readyz answers");
    return { health, readyz: ready.json };
  } finally {
    await client.close();
  }
}

describe("crash-loop breaker (real gateway processes)", () => {
  test("three SIGKILLed boots within the window put the fourth start in safe mode; the control plane still serves", async () => {
    const { sb, port, token } = await makeConfiguredSandbox();
    for (let i = 0; i < 3; i++) {
      const proc = await startGateway(sb.env);
      const { health, readyz } = await probe(port, token);
      assert.equal(health.safeMode, undefined, `start #${i + 1} after ${i} unclean boot(s) must not be in safe mode`);
      assert.equal(readyz.safeMode, undefined);
      const exit = await proc.stop("SIGKILL");
      assert.equal(exit.signal, "SIGKILL");
    }
    const history = bootHistory(sb);
    assert.equal(history.length, 3);
    assert.ok(history.every((r) => r.completedAtMs === undefined), `killed boots stay unfinished: ${JSON.stringify(history)}`);

    const fourth = await startGateway(sb.env);
    const client = await connectOperator(port, token, { scopes: ADMIN });

    // Loopback /readyz computes its body per request.
    const ready = await httpGet(port, "/readyz");
    assert.ok(ready);
    assert.equal(ready.status, 200, ready.body);
    assert.equal(ready.json.ready, true);
    assert.ok(ready.json.safeMode, `/readyz from loopback must carry safeMode: ${ready.body}`);
    assert.match(ready.json.safeMode.reason, /restart-loop breaker tripped/);

    const line = await waitForLog(sb.logFile, "restart-loop breaker tripped", 3000);
    assert.equal(line.level, "warn");
    assert.match(line.message!, /3 unclean boot\(s\) within 300000ms/);

    // The rest of the control plane answers.
    assert.equal(typeof (await client.call("config.get")).appliedConfigHash, "string");
    assert.equal((await client.call("status")).pid, fourth.pid);

    // A fresh health snapshot (probe:true) carries safeMode.
    const probed = await client.call("health", { probe: true });
    assert.equal(probed.ok, true, "health still works in safe mode");
    assert.ok(probed.safeMode, `health {probe:true} must carry safeMode: ${JSON.stringify(probed).slice(0, 300)}`);
    assert.match(probed.safeMode.reason, /restart-loop breaker tripped/);
    assert.equal(probed.safeMode.uncleanBoots, 3);

    // So must the plain (cached) health RPC of a freshly started gateway, which is what
    // `openclaw health` and monitors call. Checked on a new start so no probe:true refreshed it.
    await client.close();
    assert.equal((await fourth.stop("SIGKILL")).signal, "SIGKILL"); // a 4th unclean boot
    const fifth = await startGateway(sb.env);
    const again = await connectOperator(port, token);
    const cached = await again.call("health");
    assert.equal(cached.ok, true);
    assert.ok(
      cached.safeMode,
      "plain `health` right after a safe-mode start must carry safeMode (the cached snapshot is built before the breaker is checked): " +
        JSON.stringify(cached).slice(0, 200),
    );
    assert.match(cached.safeMode.reason, /restart-loop breaker tripped/);
    await again.close();
    const exit = await fifth.stop("SIGTERM");
    assert.equal(exit.code, 0, dump(fifth));
  });

  test("clean SIGTERM stops are recorded as clean: after three start/stop cycles the next start is not in safe mode", async () => {
    const { sb, port, token } = await makeConfiguredSandbox();
    for (let i = 0; i < 3; i++) {
      const proc = await startGateway(sb.env);
      await probe(port, token);
      const exit = await proc.stop("SIGTERM");
      assert.equal(exit.code, 0, `clean stop exits 0\n${dump(proc)}`);
    }
    const history = bootHistory(sb);
    assert.equal(history.length, 3);
    for (const record of history) {
      assert.equal(record.outcome, "clean_stop", JSON.stringify(record));
      assert.equal(typeof record.completedAtMs, "number");
    }

    const proc = await startGateway(sb.env);
    const { health, readyz } = await probe(port, token);
    assert.equal(health.safeMode, undefined, `no safe mode after clean stops: ${JSON.stringify(health.safeMode)}`);
    assert.equal(readyz.ready, true);
    assert.equal(readyz.safeMode, undefined);
    assert.equal(
      readLog(sb.logFile).some((l) => (l.message ?? "").includes("restart-loop breaker tripped")),
      false,
      "the breaker never tripped",
    );
    await proc.stop("SIGTERM");
  });
});
