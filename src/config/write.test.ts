import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REDACTED } from "./redact.js";
import { readConfigSnapshot } from "./snapshot.js";
import { ConfigWriteError, mergePatch, parseConfigPath, patchConfigFile, patchForPath, writeConfigRaw } from "./write.js";

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "ocgw-write-")), "openclaw.json");
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

const rejects = (code: string) => (err: unknown) => err instanceof ConfigWriteError && err.code === code;

test("paths and merge patches", () => {
  assert.deepEqual(parseConfigPath("a.b[2].c"), ["a", "b", 2, "c"]);
  assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: null, e: 3 }, d: [1] }), { a: { c: 2, e: 3 }, d: [1] });
  assert.deepEqual(patchForPath("gateway.port", 5), { gateway: { port: 5 } });
  assert.deepEqual(patchForPath("gateway.port", undefined), { gateway: { port: null } });
});

test("a patch keeps comments, writes mode 0600 and classifies the change", async () => {
  const path = configFile(`{\n  // keep me\n  "gateway": { "mode": "local", "port": 1000 }\n}\n`);
  const result = await patchConfigFile(path, { gateway: { port: 2000 } });
  assert.equal(result.changed, true);
  assert.equal(result.plan.restartGateway, true);
  assert.equal(result.hint, "Restart the gateway to apply.");
  const text = readFileSync(path, "utf8");
  assert.match(text, /\/\/ keep me/);
  assert.equal(readConfigSnapshot(path).config.gateway?.port, 2000);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test("an unchanged patch leaves the file byte for byte", async () => {
  const original = `{ "gateway": { "mode": "local", "port": 1000 } }`;
  const path = configFile(original);
  const result = await patchConfigFile(path, { gateway: { port: 1000 } });
  assert.equal(result.changed, false);
  assert.equal(readFileSync(path, "utf8"), original);
});

test("a stale or missing baseHash is refused and nothing is written", async () => {
  const original = `{ "gateway": { "mode": "local" } }`;
  const path = configFile(original);
  await assert.rejects(writeConfigRaw(path, `{ "gateway": { "mode": "local", "port": 1 } }`, { baseHash: "sha256:stale" }), rejects("stale-hash"));
  await assert.rejects(patchConfigFile(path, { gateway: { port: 1 } }, { requireBaseHash: true }), rejects("base-hash-required"));
  assert.equal(readFileSync(path, "utf8"), original);
  const { hash } = readConfigSnapshot(path);
  const ok = await writeConfigRaw(path, `{ "gateway": { "mode": "local", "port": 1 } }`, { baseHash: hash });
  assert.equal(ok.changed, true);
});

test("invalid results, array shrinkage and includes fail closed", async () => {
  const path = configFile(`{ "gateway": { "mode": "local", "trustedProxies": ["a", "b"] } }`);
  const before = readFileSync(path, "utf8");
  await assert.rejects(patchConfigFile(path, { gateway: { port: "x" } }), rejects("invalid"));
  await assert.rejects(patchConfigFile(path, { gateway: { trustedProxies: ["a"] } }), rejects("array-shrink"));
  assert.equal(readFileSync(path, "utf8"), before);
  const allowed = await patchConfigFile(path, { gateway: { trustedProxies: ["a"] } }, { replacePaths: ["gateway.trustedProxies"] });
  assert.equal(allowed.changed, true);

  const dir = mkdtempSync(join(tmpdir(), "ocgw-write-"));
  writeFileSync(join(dir, "a.json"), `{ "mode": "local" }`);
  writeFileSync(join(dir, "b.json"), `{ "port": 5 }`);
  writeFileSync(join(dir, "openclaw.json"), `{ "gateway": { "$include": ["./a.json", "./b.json"] } }`);
  await assert.rejects(patchConfigFile(join(dir, "openclaw.json"), { gateway: { port: 1 } }), rejects("includes"));
  writeFileSync(join(dir, "openclaw.json"), `{ "gateway": { "$include": "./a.json", "port": 2 } }`);
  await assert.rejects(patchConfigFile(join(dir, "openclaw.json"), { gateway: { port: 1 } }), rejects("includes"));
});

test("a section backed by one included file is written to that file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-write-"));
  writeFileSync(join(dir, "gw.json"), `{\n  // included\n  "mode": "local"\n}\n`);
  const root = `{ "gateway": { "$include": "./gw.json" } }`;
  writeFileSync(join(dir, "openclaw.json"), root);
  const result = await patchConfigFile(join(dir, "openclaw.json"), { gateway: { port: 4321 } });
  assert.equal(result.path, join(dir, "gw.json"));
  assert.equal(readFileSync(join(dir, "openclaw.json"), "utf8"), root);
  assert.match(readFileSync(join(dir, "gw.json"), "utf8"), /\/\/ included/);
  assert.equal(readConfigSnapshot(join(dir, "openclaw.json")).config.gateway?.port, 4321);
  const before = readFileSync(join(dir, "gw.json"), "utf8");
  await assert.rejects(patchConfigFile(join(dir, "openclaw.json"), { gateway: { port: "x" } }), rejects("invalid"));
  assert.equal(readFileSync(join(dir, "gw.json"), "utf8"), before, "an invalid result is rolled back");
});

test("a JSON5 file sent back with placeholders keeps its comments and layout, with the secrets put back in place", async () => {
  const path = configFile(`{\n  // the gateway\n  gateway: { mode: 'local', auth: { token: 'real-secret-123' } },\n  channels: { telegram: { botToken: "bot:456" } },\n}\n`);
  const sent = `{\n  // the gateway\n  gateway: { mode: 'local', port: 4445, auth: { token: '${REDACTED}' } },\n  channels: { telegram: { botToken: "${REDACTED}" } },\n}\n`;
  const result = await writeConfigRaw(path, sent);
  assert.equal(result.formattingLost, false);
  const text = readFileSync(path, "utf8");
  assert.match(text, /\/\/ the gateway/);
  assert.match(text, /gateway: \{ mode: 'local', port: 4445, auth: \{ token: "real-secret-123" \} \}/);
  const snap = readConfigSnapshot(path);
  assert.equal((snap.config.channels as { telegram?: { botToken?: string } } | undefined)?.telegram?.botToken, "bot:456");
});

test("redaction placeholders sent back keep the current secret", async () => {
  const path = configFile(`{ "gateway": { "mode": "local", "auth": { "token": "real-secret-123" } } }`);
  await writeConfigRaw(path, `{ "gateway": { "mode": "local", "port": 4444, "auth": { "token": "${REDACTED}" } } }`);
  const snap = readConfigSnapshot(path);
  assert.equal(snap.config.gateway?.auth?.token, "real-secret-123");
  assert.equal(snap.config.gateway?.port, 4444);
  await assert.rejects(writeConfigRaw(path, `{ "gateway": { "mode": "local", "auth": { "password": "${REDACTED}" } } }`), rejects("redacted-unknown"));
});
