import { test } from "node:test";
import assert from "node:assert/strict";
import { findBwrap, resolveBwrap, sandboxUnavailableMessage } from "./find-bwrap.js";

test("an override path is used as is, without searching", () => {
  assert.equal(findBwrap("/nonexistent/bwrap"), null);
  assert.equal(findBwrap("/bin/sh"), "/bin/sh");
});

test("a PATH without bwrap falls back to the well-known locations only", () => {
  const found = findBwrap(undefined, { PATH: "/nonexistent" });
  assert.ok(found === null || found.endsWith("/bwrap"));
});

test("a missing binary is unavailable with the reason", async () => {
  const status = await resolveBwrap("/nonexistent/bwrap");
  assert.equal(status.ok, false);
  assert.match(!status.ok ? status.reason : "", /no executable bubblewrap at \/nonexistent\/bwrap/);
});

test("a binary that exists but cannot sandbox fails the probe", async () => {
  const status = await resolveBwrap("/bin/false");
  assert.equal(status.ok, false);
  assert.match(!status.ok ? status.reason : "", /does not work here/);
});

test("the unavailable message says the command did not run and how to install bubblewrap", () => {
  const message = sandboxUnavailableMessage("bubblewrap (bwrap) is not installed");
  assert.match(message, /not run/);
  assert.match(message, /sudo apt-get install bubblewrap/);
  assert.match(message, /dnf install bubblewrap/);
});
