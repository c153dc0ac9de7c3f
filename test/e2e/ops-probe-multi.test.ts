import { test, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { baseConfig, cleanupAllSandboxes, getFreePorts, killAllProcs, makeOpsSandbox, randomToken, runOpenclaw, startGatewayProc, dumpResult } from "./ops-harness.js";

after(async () => {
  await killAllProcs();
  cleanupAllSandboxes();
});

test("gateway probe reports each reachable gateway and warns when more than one identity answers", async () => {
  const [portA, portB] = await getFreePorts(2);
  const token = randomToken();
  const a = makeOpsSandbox();
  const b = makeOpsSandbox();
  writeFileSync(a.configPath, JSON.stringify(baseConfig(portA, token, a.logFile)), { mode: 0o600 });
  writeFileSync(b.configPath, JSON.stringify(baseConfig(portB, token, b.logFile)), { mode: 0o600 });
  await Promise.all([startGatewayProc(a.env), startGatewayProc(b.env)]);

  const single = await runOpenclaw(["gateway", "probe", "--json"], a.env);
  assert.equal(single.code, 0, dumpResult(single));
  assert.deepEqual(JSON.parse(single.stdout).warnings, []);

  const both = await runOpenclaw(["gateway", "probe", "--json", "--url", `ws://127.0.0.1:${portB}`, "--token", token], a.env);
  assert.equal(both.code, 0, dumpResult(both));
  const report = JSON.parse(both.stdout);
  assert.deepEqual(report.targets.map((t: { connect: { ok: boolean } }) => t.connect.ok), [true, true]);
  assert.ok(report.warnings.some((w: { code: string }) => w.code === "multiple_gateways"), both.stdout);

  const human = await runOpenclaw(["gateway", "probe", "--url", `ws://127.0.0.1:${portB}`, "--token", token], a.env);
  assert.match(human.stdout, /Warning \(multiple_gateways\): multiple reachable gateway identities detected/);
  assert.equal((human.stdout.match(/Reachable: yes/g) ?? []).length, 2);
});
