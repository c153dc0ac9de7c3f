import { test } from "node:test";
import assert from "node:assert/strict";
import { describePlan, diffConfigPaths, planReload } from "./reload-plan.js";

test("diff reports dotted paths and compares arrays whole", () => {
  assert.deepEqual(diffConfigPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2], d: true } }), ["a.b", "a.d"]);
  assert.deepEqual(diffConfigPaths({ a: [1, 2] }, { a: [1, 3] }), ["a"]);
  assert.deepEqual(diffConfigPaths({ a: 1 }, { a: 1 }), []);
});

test("gateway.port, bind and unknown sections need a restart", () => {
  for (const next of [{ gateway: { port: 2 } }, { gateway: { bind: "lan" } }, { somethingNew: true }]) {
    const plan = planReload({ gateway: { port: 1 } }, next);
    assert.equal(plan.restartGateway, true, JSON.stringify(next));
    assert.equal(describePlan(plan), "Restart the gateway to apply.");
  }
});

test("hot paths apply live, with the subsystem actions they need", () => {
  const plan = planReload({}, { gateway: { controlUi: { allowedOrigins: ["x"] } }, hooks: { enabled: true }, cron: { enabled: true }, channels: { telegram: { enabled: true } } });
  assert.equal(plan.restartGateway, false);
  assert.deepEqual(plan.actions.sort(), ["reloadHooks", "restartChannel:telegram", "restartCron"]);
  assert.equal(describePlan(plan), "Change will apply without restarting the gateway.");
});

test("the most specific rule wins over its prefix", () => {
  assert.equal(planReload({}, { gateway: { auth: { rateLimit: { maxAttempts: 3 } } } }).restartGateway, false);
  assert.equal(planReload({}, { gateway: { auth: { allowTailscale: true } } }).restartGateway, false);
  assert.equal(planReload({}, { gateway: { tls: { enabled: true } } }).restartGateway, true);
});

test("dynamic-read paths are no-ops", () => {
  const plan = planReload({ logging: { level: "info" } }, { logging: { level: "debug" }, meta: { x: 1 } });
  assert.deepEqual(plan.noopPaths, ["logging.level", "meta.x"]);
  assert.equal(describePlan(plan), "No gateway restart needed.");
});

test("a token or password change is a live rotation unless the auth mode changes too", () => {
  const rotation = planReload({ gateway: { auth: { mode: "token", token: "a" } } }, { gateway: { auth: { mode: "token", token: "b" } } });
  assert.equal(rotation.authRotation, true);
  assert.equal(rotation.restartGateway, false);
  const modeSwitch = planReload({ gateway: { auth: { mode: "token", token: "a" } } }, { gateway: { auth: { mode: "password", password: "p" } } });
  assert.equal(modeSwitch.authRotation, false);
  assert.equal(modeSwitch.restartGateway, true);
});
