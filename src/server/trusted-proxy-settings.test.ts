import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshotFromText } from "../config/snapshot.js";
import { EXIT_CONFIG, GatewaySetupError, resolveSettings } from "./settings.js";

for (const name of ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"]) delete process.env[name];

const PROXY_AUTH = { mode: "trusted-proxy", trustedProxy: { userHeader: "x-forwarded-user" } };

function settingsFor(gateway: Record<string, unknown>) {
  const snapshot = snapshotFromText("/tmp/openclaw-test.json", JSON.stringify({ gateway: { mode: "local", ...gateway } }));
  assert.equal(snapshot.valid, true, JSON.stringify(snapshot.issues));
  return resolveSettings(snapshot, {});
}

function refusal(gateway: Record<string, unknown>): string {
  try {
    settingsFor(gateway);
  } catch (err) {
    assert.ok(err instanceof GatewaySetupError, String(err));
    assert.equal(err.exitCode, EXIT_CONFIG);
    return err.message;
  }
  assert.fail("the settings were accepted");
}

test("trusted-proxy with a user header and a proxy starts, also on a non-loopback bind", () => {
  assert.equal(settingsFor({ trustedProxies: ["10.0.0.5"], auth: PROXY_AUTH }).auth.mode, "trusted-proxy");
  assert.equal(settingsFor({ bind: "lan", trustedProxies: ["10.0.0.0/24"], auth: PROXY_AUTH }).bindHost, "0.0.0.0");
  assert.equal(settingsFor({ trustedProxies: ["10.0.0.5"], auth: { ...PROXY_AUTH, password: "local-callers" } }).auth.password, "local-callers", "a password for same-host callers may sit next to it");
});

test("trusted-proxy without a user header or without proxies is refused with exit 78", () => {
  assert.match(refusal({ trustedProxies: ["10.0.0.5"], auth: { mode: "trusted-proxy" } }), /gateway\.auth\.trustedProxy\.userHeader is not set/);
  assert.match(refusal({ auth: PROXY_AUTH }), /gateway\.trustedProxies is empty/);
  assert.match(refusal({ trustedProxies: [], auth: PROXY_AUTH }), /gateway\.trustedProxies is empty/);
});

test("trusted-proxy and a shared token exclude each other (config or environment)", () => {
  assert.match(refusal({ trustedProxies: ["10.0.0.5"], auth: { ...PROXY_AUTH, token: "t0ken" } }), /trusted-proxy, but a shared token is also configured.*mutually exclusive/);
  process.env.OPENCLAW_GATEWAY_TOKEN = "from-env";
  try {
    assert.match(refusal({ trustedProxies: ["10.0.0.5"], auth: PROXY_AUTH }), /OPENCLAW_GATEWAY_TOKEN/);
  } finally {
    delete process.env.OPENCLAW_GATEWAY_TOKEN;
  }
});

test("malformed gateway.trustedProxies entries are a config error in every auth mode", () => {
  const message = refusal({ trustedProxies: ["10.0.0.5", "10.0.0.0/33", "proxy.internal"], auth: PROXY_AUTH });
  assert.match(message, /neither an IP address nor a CIDR range: "10\.0\.0\.0\/33", "proxy\.internal"/);
  assert.match(refusal({ trustedProxies: ["nginx"], auth: { mode: "token", token: "t0ken" } }), /"nginx"/);
});
