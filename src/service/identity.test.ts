import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveServiceIdentity } from "./identity.js";

test("systemd identity per profile (spec §5.1)", () => {
  const def = resolveServiceIdentity(undefined, { HOME: "/h" }, "linux");
  assert.equal(def.kind, "systemd");
  assert.equal(def.systemdUnit, "openclaw-gateway.service");
  assert.equal(def.file, "/h/.config/systemd/user/openclaw-gateway.service");
  assert.equal(def.description, "OpenClaw Gateway");
  const rescue = resolveServiceIdentity("rescue", { HOME: "/h" }, "linux");
  assert.equal(rescue.systemdUnit, "openclaw-gateway-rescue.service");
  assert.equal(rescue.label, "openclaw-gateway-rescue.service");
  assert.equal(rescue.file, "/h/.config/systemd/user/openclaw-gateway-rescue.service");
  assert.equal(rescue.description, "OpenClaw Gateway (profile: rescue)");
});

test("launchd identity per profile: lowercase label, reserved names refused", () => {
  const def = resolveServiceIdentity(undefined, { HOME: "/Users/a" }, "darwin");
  assert.equal(def.kind, "launchd");
  assert.equal(def.label, "ai.openclaw.gateway");
  assert.equal(def.file, "/Users/a/Library/LaunchAgents/ai.openclaw.gateway.plist");
  assert.equal(def.launchdLogPath, "/Users/a/Library/Logs/openclaw/gateway.log");
  const work = resolveServiceIdentity("Work", { HOME: "/Users/a" }, "darwin");
  assert.equal(work.label, "ai.openclaw.work");
  assert.equal(work.launchdLogPath, "/Users/a/Library/Logs/openclaw/gateway-Work.log");
  assert.deepEqual(work.problems, []);
  assert.equal(resolveServiceIdentity("node", { HOME: "/Users/a" }, "darwin").problems.length, 1);
  assert.equal(resolveServiceIdentity(undefined, { HOME: "/Users/a", OPENCLAW_LAUNCHD_LABEL: "com.me.gw" }, "darwin").label, "com.me.gw");
});

test("service files live under HOME, not OPENCLAW_HOME", () => {
  const id = resolveServiceIdentity(undefined, { HOME: "/h", OPENCLAW_HOME: "/elsewhere" }, "linux");
  assert.equal(id.file, "/h/.config/systemd/user/openclaw-gateway.service");
  assert.equal(resolveServiceIdentity(undefined, { HOME: "/h" }, "win32").kind, "unsupported");
});
