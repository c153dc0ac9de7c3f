import { test } from "node:test";
import assert from "node:assert/strict";
import { dump, getFreePorts, makeConfiguredSandbox, randomToken, runOpenclaw, startGateway, useProcessCleanup } from "./process-harness.js";

useProcessCleanup();

test("gateway probe reports each reachable gateway and warns when more than one identity answers", async () => {
  const [portA, portB] = await getFreePorts(2);
  const token = randomToken();
  const { sb: a } = await makeConfiguredSandbox({ port: portA, token });
  const { sb: b } = await makeConfiguredSandbox({ port: portB, token });
  await Promise.all([startGateway(a.env), startGateway(b.env)]);

  const single = await runOpenclaw(["gateway", "probe", "--json"], a.env);
  assert.equal(single.code, 0, dump(single));
  assert.deepEqual(JSON.parse(single.stdout).warnings, []);

  const both = await runOpenclaw(["gateway", "probe", "--json", "--url", `ws://127.0.0.1:${portB}`, "--token", token], a.env);
  assert.equal(both.code, 0, dump(both));
  const report = JSON.parse(both.stdout);
  assert.deepEqual(report.targets.map((t: { connect: { ok: boolean } }) => t.connect.ok), [true, true]);
  assert.ok(report.warnings.some((w: { code: string }) => w.code === "multiple_gateways"), both.stdout);

  const human = await runOpenclaw(["gateway", "probe", "--url", `ws://127.0.0.1:${portB}`, "--token", token], a.env);
  assert.match(human.stdout, /Warning \(multiple_gateways\): multiple reachable gateway identities detected/);
  assert.equal((human.stdout.match(/Reachable: yes/g) ?? []).length, 2);
});
