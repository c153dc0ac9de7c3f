import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../config/schema.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { GatewaySetupError, resolveSettings } from "./settings.js";
import { resolveTailscaleSettings } from "./tailscale-settings.js";

const snapshot = (config: GatewayConfig) => ({ config }) as ConfigSnapshot;

test("--tailscale beats gateway.tailscale.mode; reset on exit comes from the flag or the config", () => {
  assert.deepEqual(resolveTailscaleSettings({}, {}), { mode: "off", resetOnExit: false });
  assert.deepEqual(resolveTailscaleSettings({ gateway: { tailscale: { mode: "serve" } } }, {}), { mode: "serve", resetOnExit: false });
  assert.deepEqual(resolveTailscaleSettings({ gateway: { tailscale: { mode: "serve" } } }, { tailscale: "off" }).mode, "off");
  assert.equal(resolveTailscaleSettings({ gateway: { tailscale: { resetOnExit: true } } }, {}).resetOnExit, true);
  assert.equal(resolveTailscaleSettings({}, { tailscaleResetOnExit: true }).resetOnExit, true);
});

test("serve and funnel force a loopback bind, with a warning when the config asked for more", () => {
  const lan = resolveSettings(snapshot({ gateway: { bind: "lan", auth: { token: "t" }, tailscale: { mode: "serve" } } }), {});
  assert.equal(lan.bindMode, "loopback");
  assert.equal(lan.bindHost, "127.0.0.1");
  assert.ok(lan.warnings.some((w) => w.includes("gateway.bind=lan is ignored with Tailscale serve")), lan.warnings.join("\n"));
  const plain = resolveSettings(snapshot({ gateway: { bind: "lan", auth: { token: "t" } } }), {});
  assert.equal(plain.bindMode, "lan");
  assert.equal(resolveSettings(snapshot({ gateway: { auth: { token: "t" } } }), { tailscale: "serve" }).tailscale.mode, "serve");
});

test("funnel needs password auth; serve refuses auth none (exit 78)", () => {
  const refuses = (config: GatewayConfig, pattern: RegExp) =>
    assert.throws(
      () => resolveSettings(snapshot(config), {}),
      (err: Error) => err instanceof GatewaySetupError && err.exitCode === 78 && pattern.test(err.message),
    );
  refuses({ gateway: { auth: { token: "t" }, tailscale: { mode: "funnel" } } }, /Tailscale funnel requires gateway\.auth\.mode=password/);
  refuses({ gateway: { auth: { mode: "none" }, tailscale: { mode: "funnel" } } }, /requires gateway\.auth\.mode=password/);
  refuses({ gateway: { auth: { mode: "none" }, tailscale: { mode: "serve" } } }, /auth\.mode=none cannot be used with gateway\.tailscale\.mode=serve/);
  assert.equal(resolveSettings(snapshot({ gateway: { auth: { password: "pw" }, tailscale: { mode: "funnel" } } }), {}).tailscale.mode, "funnel");
});
