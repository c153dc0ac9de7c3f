import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveCredentials } from "./credentials.js";

const gateway = {
  auth: { token: "auth-token", password: "auth-password" },
  remote: { token: "remote-token", password: "remote-password" },
};
const env = { OPENCLAW_GATEWAY_TOKEN: "env-token", OPENCLAW_GATEWAY_PASSWORD: "env-password" };

test("local mode: gateway.auth → env → gateway.remote, for token and password alike", () => {
  assert.deepEqual(resolveCredentials("local", gateway, {}, env), { token: "auth-token", password: "auth-password" });
  assert.deepEqual(resolveCredentials("local", { remote: gateway.remote }, {}, env), { token: "env-token", password: "env-password" });
  assert.deepEqual(resolveCredentials("local", { remote: gateway.remote }, {}, {}), { token: "remote-token", password: "remote-password" });
});

test("remote mode: token gateway.remote → env → gateway.auth; password env → gateway.remote → gateway.auth", () => {
  assert.deepEqual(resolveCredentials("remote", gateway, {}, env), { token: "remote-token", password: "env-password" });
  assert.deepEqual(resolveCredentials("remote", { auth: gateway.auth }, {}, env), { token: "env-token", password: "env-password" });
  assert.deepEqual(resolveCredentials("remote", gateway, {}, {}), { token: "remote-token", password: "remote-password" });
  assert.deepEqual(resolveCredentials("remote", { auth: gateway.auth }, {}, {}), { token: "auth-token", password: "auth-password" });
});

test("explicit --token/--password win and bring nothing implicit along", () => {
  for (const source of ["local", "remote", "env", "none"] as const) {
    assert.deepEqual(resolveCredentials(source, gateway, { token: "flag" }, env), { token: "flag", password: undefined });
    assert.deepEqual(resolveCredentials(source, gateway, { password: "flag-pw" }, env), { token: undefined, password: "flag-pw" });
  }
});

test("--url uses no implicit credentials; OPENCLAW_GATEWAY_URL only env ones; empty strings count as unset", () => {
  assert.deepEqual(resolveCredentials("none", gateway, {}, env), {});
  assert.deepEqual(resolveCredentials("env", gateway, {}, env), { token: "env-token", password: "env-password" });
  assert.deepEqual(resolveCredentials("env", gateway, {}, {}), { token: undefined, password: undefined });
  assert.deepEqual(resolveCredentials("local", { auth: { token: "" }, remote: { token: "remote-token" } }, { token: "" }, {}), { token: "remote-token", password: undefined });
});
