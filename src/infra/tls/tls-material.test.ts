import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSelfSignedPair, findOpenssl } from "./tls-generate.js";
import { loadServerTls, readTlsMaterial } from "./tls-material.js";

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), "ocgw-tls-mat-"));
}

const tlsDir = (state: string) => join(state, "gateway", "tls");

test("autoGenerate (the default) creates the pair once with the key at mode 0600; a second load reuses it", async () => {
  const state = stateDir();
  const generated: string[] = [];
  const first = await loadServerTls({ enabled: true }, state, (path) => generated.push(path));
  assert.ok(first);
  assert.equal(first.certPath, join(tlsDir(state), "gateway-cert.pem"));
  assert.deepEqual(generated, [first.certPath]);
  assert.equal(statSync(first.keyPath).mode & 0o777, 0o600);
  assert.equal(statSync(first.certPath).mode & 0o022, 0);
  assert.deepEqual(readdirSync(tlsDir(state)).sort(), ["gateway-cert.pem", "gateway-key.pem"], "no staging folder is left behind");
  assert.match(first.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(first.options.minVersion, "TLSv1.3");

  const second = await loadServerTls({ enabled: true }, state, (path) => generated.push(path));
  assert.equal(second?.fingerprint, first.fingerprint);
  assert.equal(generated.length, 1);
});

test("TLS off loads nothing and creates nothing", async () => {
  const state = stateDir();
  assert.equal(await loadServerTls({ enabled: false }, state), null);
  assert.equal(await loadServerTls(undefined, state), null);
  assert.deepEqual(readdirSync(state), []);
});

test("autoGenerate false with no files refuses, naming both paths and what to do", async () => {
  const state = stateDir();
  await assert.rejects(loadServerTls({ enabled: true, autoGenerate: false }, state), (err: Error) => {
    assert.ok(err.message.includes(join(tlsDir(state), "gateway-cert.pem")));
    assert.ok(err.message.includes(join(tlsDir(state), "gateway-key.pem")));
    assert.match(err.message, /set gateway\.tls\.autoGenerate to true/);
    return true;
  });
});

test("half a pair is never completed: the missing file is named and nothing is generated", async () => {
  const state = stateDir();
  const loaded = await loadServerTls({ enabled: true }, state);
  unlinkSync(loaded!.keyPath);
  await assert.rejects(loadServerTls({ enabled: true }, state), /gateway-cert\.pem exists but .*gateway-key\.pem is missing\. Restore .*or remove .*gateway-cert\.pem/);
  assert.deepEqual(readdirSync(tlsDir(state)), ["gateway-cert.pem"]);
});

test("a key that does not belong to the certificate is refused", async () => {
  const a = stateDir();
  const b = stateDir();
  const pairA = (await loadServerTls({ enabled: true }, a))!;
  const pairB = (await loadServerTls({ enabled: true }, b))!;
  await assert.rejects(readTlsMaterial({ certPath: pairA.certPath, keyPath: pairB.keyPath }), /private key .* does not belong to the certificate .*Replace them with a matching pair/);
});

test("unreadable, garbage or oversized files are refused with the path", async () => {
  const state = stateDir();
  const pair = (await loadServerTls({ enabled: true }, state))!;
  const dirAsFile = join(state, "a-directory");
  mkdirSync(dirAsFile);
  await assert.rejects(readTlsMaterial({ certPath: dirAsFile, keyPath: pair.keyPath }), new RegExp(`cannot read the certificate ${dirAsFile}`));
  const garbage = join(state, "garbage.pem");
  writeFileSync(garbage, "hello");
  await assert.rejects(readTlsMaterial({ certPath: garbage, keyPath: pair.keyPath }), /garbage\.pem is not a PEM certificate/);
  await assert.rejects(readTlsMaterial({ certPath: pair.certPath, keyPath: garbage }), /garbage\.pem is not a usable unencrypted PEM private key/);
  const huge = join(state, "huge.pem");
  writeFileSync(huge, readFileSync(pair.certPath, "utf8").repeat(100));
  await assert.rejects(readTlsMaterial({ certPath: huge, keyPath: pair.keyPath }), /huge\.pem \(larger than/);
  await assert.rejects(readTlsMaterial({ ...pair, caPath: join(state, "missing-ca.pem") }), /cannot read the CA bundle .*missing-ca\.pem \(file not found\)/);
});

test("a CA bundle is passed to the server options", async () => {
  const state = stateDir();
  const pair = (await loadServerTls({ enabled: true }, state))!;
  const loaded = await readTlsMaterial({ certPath: pair.certPath, keyPath: pair.keyPath, caPath: pair.certPath });
  assert.equal(loaded.options.ca, readFileSync(pair.certPath, "utf8"));
});

test("without openssl, generation fails with what to install and nothing is written", async () => {
  const state = stateDir();
  assert.equal(findOpenssl(["/nonexistent/openssl"]), null);
  const paths = { certPath: join(state, "c.pem"), keyPath: join(state, "k.pem") };
  await assert.rejects(generateSelfSignedPair(paths, null), /openssl was not found .*Install openssl.*gateway\.tls\.certPath/);
  await assert.rejects(generateSelfSignedPair(paths, "/nonexistent/openssl"), /failed to generate/);
  assert.deepEqual(readdirSync(state), []);
});

test("cert and key in different folders are each published with their modes", async () => {
  const state = stateDir();
  const paths = { certPath: join(state, "certs", "c.pem"), keyPath: join(state, "private", "k.pem") };
  await generateSelfSignedPair(paths);
  assert.equal(statSync(paths.keyPath).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(state, "private")), ["k.pem"]);
  assert.deepEqual(readdirSync(join(state, "certs")), ["c.pem"]);
  await readTlsMaterial(paths);
});
