import { test } from "node:test";
import assert from "node:assert/strict";
import { WriteRateLimiter } from "./write-rate-limit.js";

test("the 31st write within a minute waits until the oldest one leaves the window", () => {
  const limiter = new WriteRateLimiter(30, 60_000);
  for (let i = 0; i < 30; i++) assert.equal(limiter.take("config.patch|127.0.0.1", 1000 + i), 0);
  assert.equal(limiter.take("config.patch|127.0.0.1", 2000), 59_000);
  assert.equal(limiter.take("config.apply|127.0.0.1", 2000), 0, "each method has its own budget");
  assert.equal(limiter.take("config.patch|10.0.0.2", 2000), 0, "each client has its own budget");
  assert.equal(limiter.take("config.patch|127.0.0.1", 61_000), 0);
});
