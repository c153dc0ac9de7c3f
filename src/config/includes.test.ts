import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfigSnapshot } from "./snapshot.js";
import { substituteEnv } from "./includes.js";

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "ocgw-inc-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

test("a single include replaces the object; sibling keys override it", () => {
  const d = dir({
    "openclaw.json": `{ gateway: { $include: "./gw.json5", port: 2222 } }`,
    "gw.json5": `{ mode: "local", port: 1111, bind: "loopback" }`,
  });
  const snap = readConfigSnapshot(join(d, "openclaw.json"));
  assert.equal(snap.valid, true, JSON.stringify(snap.issues));
  assert.deepEqual(snap.config.gateway, { mode: "local", port: 2222, bind: "loopback" });
  assert.equal(snap.includedPaths.length, 1);
});

test("an array of includes deep-merges in order, later wins", () => {
  const d = dir({
    "openclaw.json": `{ $include: ["./a.json", "./b.json"] }`,
    "a.json": `{ "gateway": { "mode": "local", "port": 1 } }`,
    "b.json": `{ "gateway": { "port": 2 } }`,
  });
  const snap = readConfigSnapshot(join(d, "openclaw.json"));
  assert.deepEqual(snap.config.gateway, { mode: "local", port: 2 });
  assert.equal(snap.includedPaths.length, 2);
});

test("editing an included file changes the snapshot hash", () => {
  const d = dir({ "openclaw.json": `{ gateway: { $include: "./gw.json" } }`, "gw.json": `{ "mode": "local" }` });
  const before = readConfigSnapshot(join(d, "openclaw.json")).hash;
  writeFileSync(join(d, "gw.json"), `{ "mode": "local", "port": 5 }`);
  assert.notEqual(readConfigSnapshot(join(d, "openclaw.json")).hash, before);
});

test("include errors name the file and the dotted path", () => {
  const missing = readConfigSnapshot(join(dir({ "openclaw.json": `{ gateway: { $include: "./nope.json" } }` }), "openclaw.json"));
  assert.equal(missing.valid, false);
  assert.equal(missing.issues[0].path, "gateway.$include");
  assert.match(missing.issues[0].message, /included file not found/);

  const cyc = dir({ "openclaw.json": `{ $include: "./a.json" }`, "a.json": `{ "$include": "./b.json" }`, "b.json": `{ "$include": "./a.json" }` });
  const cycle = readConfigSnapshot(join(cyc, "openclaw.json"));
  assert.match(cycle.issues[0].message, /circular include: .*a\.json -> .*b\.json -> .*a\.json/);

  const outside = readConfigSnapshot(join(dir({ "openclaw.json": `{ $include: "/etc/hostname" }` }), "openclaw.json"));
  assert.match(outside.issues[0].message, /outside/);

  const badInc = dir({ "openclaw.json": `{ gateway: { $include: "./gw.json" } }`, "gw.json": `{ "mode": "local", "port": "x" }` });
  const invalid = readConfigSnapshot(join(badInc, "openclaw.json"));
  assert.equal(invalid.issues[0].path, "gateway.port");
  assert.match(invalid.issues[0].message, /\(in .*gw\.json\)$/);
});

test("${VAR} is substituted, $${VAR} escapes, unset variables stay and warn", () => {
  const warnings: string[] = [];
  const out = substituteEnv({ a: "${TOKEN_X}", b: "$${TOKEN_X}", c: ["${MISSING_Y}"], d: "${lower}" }, { TOKEN_X: "secret" }, warnings);
  assert.deepEqual(out, { a: "secret", b: "${TOKEN_X}", c: ["${MISSING_Y}"], d: "${lower}" });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /c\[0\]: environment variable MISSING_Y is not set/);
});

test("substitution reaches into included files and the validated config", () => {
  const d = dir({ "openclaw.json": `{ gateway: { $include: "./gw.json" } }`, "gw.json": `{ "mode": "local", "auth": { "token": "\${OCGW_TEST_TOKEN}" } }` });
  process.env.OCGW_TEST_TOKEN = "from-env";
  try {
    assert.equal(readConfigSnapshot(join(d, "openclaw.json")).config.gateway?.auth?.token, "from-env");
  } finally {
    delete process.env.OCGW_TEST_TOKEN;
  }
});
