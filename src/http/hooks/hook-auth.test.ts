import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { authenticateHook, createHookLimiter, hookTokenMatches, presentedHookToken } from "./hook-auth.js";

function request(headers: Record<string, string>, ip = "127.0.0.1"): IncomingMessage {
  return { headers, socket: { remoteAddress: ip } } as unknown as IncomingMessage;
}

test("Bearer wins over X-OpenClaw-Token; either works alone", () => {
  assert.equal(presentedHookToken(request({ authorization: "Bearer a", "x-openclaw-token": "b" })), "a");
  assert.equal(presentedHookToken(request({ "x-openclaw-token": " b " })), "b");
  assert.equal(presentedHookToken(request({ authorization: "Basic xyz" })), undefined);
  assert.equal(hookTokenMatches("secret", "secret"), true);
  assert.equal(hookTokenMatches("secret-but-longer", "secret"), false);
  assert.equal(hookTokenMatches(undefined, "secret"), false);
});

test("20 failures in a minute lock the client out for a minute, loopback included", () => {
  const limiter = createHookLimiter();
  const now = 1_000_000;
  const bad = request({ authorization: "Bearer wrong" });
  for (let i = 0; i < 20; i++) assert.deepEqual(authenticateHook(bad, "right", limiter, now + i), { ok: false, status: 401 }, `failure ${i + 1}`);
  assert.deepEqual(authenticateHook(bad, "right", limiter, now + 100), { ok: false, status: 429, retryAfterSeconds: 60 });
  assert.deepEqual(authenticateHook(request({}), "right", limiter, now + 200), { ok: false, status: 429, retryAfterSeconds: 60 }, "a missing token is a failure too");
  assert.deepEqual(authenticateHook(request({}, "10.0.0.9"), "right", limiter, now + 200), { ok: false, status: 401 }, "other clients are not affected");
  assert.deepEqual(authenticateHook(bad, "right", limiter, now + 61_000), { ok: false, status: 401 }, "the lockout ends after 60 s");
});

test("the right token passes even while locked out, and resets the count", () => {
  const limiter = createHookLimiter();
  const bad = request({ authorization: "Bearer wrong" });
  for (let i = 0; i < 21; i++) authenticateHook(bad, "right", limiter);
  assert.deepEqual(authenticateHook(request({ "x-openclaw-token": "right" }), "right", limiter), { ok: true });
  for (let i = 0; i < 19; i++) assert.equal((authenticateHook(bad, "right", limiter) as { status: number }).status, 401);
});
