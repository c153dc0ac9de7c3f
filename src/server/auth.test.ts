import { test } from "node:test";
import assert from "node:assert/strict";
import { authFailureError, checkSharedSecret, hasSharedSecret, resolveServerAuth, secretsEqual } from "./auth.js";

test("secrets compare equal only when identical, whatever their lengths", () => {
  assert.equal(secretsEqual("abc", "abc"), true);
  assert.equal(secretsEqual("abc", "abd"), false);
  assert.equal(secretsEqual("abc", "abcd"), false);
  assert.equal(secretsEqual("", "x"), false);
});

test("token mode checks auth.token and ignores auth.password", () => {
  const auth = { mode: "token" as const, token: "t0k" };
  assert.deepEqual(checkSharedSecret(auth, { token: "t0k", password: "garbage" }), { ok: true, method: "token" });
  assert.deepEqual(checkSharedSecret(auth, { password: "t0k" }), { ok: false, reason: "token_missing" });
  assert.deepEqual(checkSharedSecret(auth, { token: "nope" }), { ok: false, reason: "token_mismatch" });
  assert.deepEqual(checkSharedSecret({ mode: "token" }, { token: "x" }), { ok: false, reason: "token_missing_config" });
});

test("password and none modes", () => {
  const auth = { mode: "password" as const, password: "pw" };
  assert.deepEqual(checkSharedSecret(auth, { password: "pw" }), { ok: true, method: "password" });
  assert.deepEqual(checkSharedSecret(auth, { password: "no" }), { ok: false, reason: "password_mismatch" });
  assert.deepEqual(checkSharedSecret(auth, undefined), { ok: false, reason: "password_missing" });
  assert.deepEqual(checkSharedSecret({ mode: "none" }, undefined), { ok: true, method: "none" });
});

test("auth resolution: flags beat config, config beats env; mode defaults to password when one is set", () => {
  const env = { OPENCLAW_GATEWAY_TOKEN: "env-token" };
  assert.equal(resolveServerAuth({ gateway: { auth: { token: "cfg" } } }, {}, env).token, "cfg");
  assert.equal(resolveServerAuth({ gateway: { auth: { token: "cfg" } } }, { token: "flag" }, env).token, "flag");
  assert.equal(resolveServerAuth({}, {}, env).token, "env-token");
  assert.equal(resolveServerAuth({ gateway: { auth: { password: "p" } } }, {}, {}).mode, "password");
  assert.equal(resolveServerAuth({}, {}, {}).mode, "token");
  assert.equal(hasSharedSecret({ mode: "token" }), false);
  assert.equal(hasSharedSecret({ mode: "token", token: "x" }), true);
  assert.equal(hasSharedSecret({ mode: "none" }), false);
});

test("failure errors carry the documented codes and substrings", () => {
  const mismatch = authFailureError("token_mismatch");
  assert.equal(mismatch.code, "INVALID_REQUEST");
  assert.match(mismatch.message, /^unauthorized: gateway token mismatch/);
  assert.deepEqual(mismatch.details, { code: "AUTH_TOKEN_MISMATCH", authReason: "token_mismatch", canRetryWithDeviceToken: false, recommendedNextStep: "update_auth_credentials" });
  const limited = authFailureError("rate_limited", 1234);
  assert.equal(limited.retryable, true);
  assert.equal(limited.retryAfterMs, 1234);
  assert.match(limited.message, /too many failed authentication attempts/);
});
