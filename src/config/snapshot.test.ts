import { test } from "node:test";
import assert from "node:assert/strict";
import { formatConfigIssues, snapshotFromText } from "./snapshot.js";

test("a valid JSON5 config with comments parses and validates", () => {
  const snap = snapshotFromText("/c.json", `{ // comment\n gateway: { mode: "local", port: 1234, auth: { mode: "token", token: "t" }, }, }`);
  assert.equal(snap.valid, true);
  assert.equal(snap.config.gateway?.port, 1234);
  assert.ok(Object.isFrozen(snap.config.gateway));
  assert.match(snap.hash, /^sha256:[0-9a-f]{64}$/);
});

test("every problem is reported with its dotted path", () => {
  const snap = snapshotFromText("/c.json", JSON.stringify({ gateway: { port: 70000, bind: "moon", auth: { mode: "magic" } }, bogus: 1 }));
  assert.equal(snap.valid, false);
  const paths = snap.issues.map((i) => i.path);
  for (const expected of ["gateway.port", "gateway.bind", "gateway.auth.mode"]) assert.ok(paths.includes(expected), `${expected} in ${paths}`);
  assert.ok(snap.issues.some((i) => i.path.includes("bogus") || i.message.includes("bogus") || i.path === "<root>"));
  const text = formatConfigIssues(snap);
  assert.match(text, /^Invalid config at \/c\.json:/);
  assert.match(text, /gateway\.bind: must be one of "loopback"/);
});

test("bind=custom needs an IPv4 customBindHost", () => {
  const snap = snapshotFromText("/c.json", JSON.stringify({ gateway: { bind: "custom", customBindHost: "example.com" } }));
  assert.deepEqual(snap.issues.map((i) => i.path), ["gateway.customBindHost"]);
});

test("syntax errors and missing files are distinguished", () => {
  const broken = snapshotFromText("/c.json", "{ gateway: ");
  assert.equal(broken.valid, false);
  assert.match(broken.issues[0].message, /JSON5 parse error/);
  const missing = snapshotFromText("/c.json", null);
  assert.equal(missing.exists, false);
  assert.equal(missing.valid, true);
});
