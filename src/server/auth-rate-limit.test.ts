import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthRateLimiter } from "./auth-rate-limit.js";

test("remote clients are locked out after maxAttempts wrong credentials within the window", () => {
  const limiter = new AuthRateLimiter({ maxAttempts: 3, windowMs: 60_000, lockoutMs: 300_000, exemptLoopback: true });
  const now = 1_000_000;
  for (let i = 0; i < 2; i++) limiter.recordFailure("10.0.0.5", "shared-secret", now + i);
  assert.equal(limiter.lockedFor("10.0.0.5", "shared-secret", now + 2), 0);
  limiter.recordFailure("10.0.0.5", "shared-secret", now + 2);
  assert.equal(limiter.lockedFor("10.0.0.5", "shared-secret", now + 3), 300_000 - 1);
  assert.equal(limiter.lockedFor("10.0.0.6", "shared-secret", now + 3), 0, "other addresses are unaffected");
  assert.equal(limiter.lockedFor("10.0.0.5", "device-token", now + 3), 0, "other credential classes are unaffected");
  assert.equal(limiter.lockedFor("10.0.0.5", "shared-secret", now + 300_003), 0, "the lockout ends");
});

test("failures outside the window do not count", () => {
  const limiter = new AuthRateLimiter({ maxAttempts: 2, windowMs: 1000, lockoutMs: 5000, exemptLoopback: true });
  limiter.recordFailure("10.0.0.1", "c", 0);
  limiter.recordFailure("10.0.0.1", "c", 5000);
  assert.equal(limiter.lockedFor("10.0.0.1", "c", 5001), 0);
});

test("exempt loopback clients are slowed down, never locked out", () => {
  const limiter = new AuthRateLimiter({ maxAttempts: 2, windowMs: 60_000, lockoutMs: 300_000, exemptLoopback: true });
  const delays = Array.from({ length: 8 }, (_, i) => limiter.recordFailure("127.0.0.1", "c", i));
  assert.deepEqual(delays.slice(0, 4), [250, 500, 1000, 2000]);
  assert.equal(Math.max(...delays), 5000);
  assert.equal(limiter.lockedFor("127.0.0.1", "c", 10), 0);
});

test("loopback is not exempt when configured so, and success clears the count", () => {
  const limiter = new AuthRateLimiter({ maxAttempts: 2, windowMs: 60_000, lockoutMs: 1000, exemptLoopback: false });
  limiter.recordFailure("::1", "c", 0);
  limiter.recordSuccess("::1", "c");
  limiter.recordFailure("::1", "c", 1);
  assert.equal(limiter.lockedFor("::1", "c", 2), 0);
  limiter.recordFailure("::1", "c", 2);
  assert.ok(limiter.lockedFor("::1", "c", 3) > 0);
});
