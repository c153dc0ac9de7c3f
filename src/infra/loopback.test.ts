import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopback } from "./loopback.js";

test("loopback addresses and names, in every spelling the gateway meets", () => {
  for (const host of ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) assert.equal(isLoopback(host), true, host);
  for (const host of ["0.0.0.0", "10.0.0.1", "::ffff:10.0.0.1", "example.com", "", undefined]) assert.equal(isLoopback(host), false, String(host));
});
