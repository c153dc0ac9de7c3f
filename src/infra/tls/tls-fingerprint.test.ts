import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateFingerprint, normalizeTlsFingerprint, readCertificateFingerprint } from "./tls-fingerprint.js";
import { generateSelfSignedPair } from "./tls-generate.js";

const HEX = "ab".repeat(32);

test("normalizeTlsFingerprint accepts sha256: prefixes, colons and any case", () => {
  const colons = HEX.toUpperCase().match(/../g)!.join(":");
  assert.equal(normalizeTlsFingerprint(HEX), HEX);
  assert.equal(normalizeTlsFingerprint(colons), HEX);
  assert.equal(normalizeTlsFingerprint(`sha256:${colons}`), HEX);
  assert.equal(normalizeTlsFingerprint(`SHA256:${HEX.toUpperCase()}`), HEX);
  assert.equal(normalizeTlsFingerprint(`  ${HEX}\n`), HEX);
});

test("normalizeTlsFingerprint returns an empty string for anything that is not a SHA-256 fingerprint", () => {
  for (const bad of ["", "abc", HEX.slice(2), `${HEX}00`, "zz".repeat(32), `sha1:${HEX}`, 42, null, undefined]) {
    assert.equal(normalizeTlsFingerprint(bad), "", String(bad));
  }
});

test("the fingerprint is the SHA-256 of the DER certificate, as openssl computes it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-tls-fp-"));
  const certPath = join(dir, "cert.pem");
  await generateSelfSignedPair({ certPath, keyPath: join(dir, "key.pem") });
  const openssl = execFileSync("openssl", ["x509", "-in", certPath, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
  assert.equal(certificateFingerprint(readFileSync(certPath)), normalizeTlsFingerprint(openssl.split("=")[1]));
});

test("readCertificateFingerprint reads the default cert in the state dir and never needs the key", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "ocgw-tls-fp-"));
  const certPath = join(stateDir, "gateway", "tls", "gateway-cert.pem");
  const keyPath = join(stateDir, "gateway", "tls", "gateway-key.pem");
  await generateSelfSignedPair({ certPath, keyPath });
  writeFileSync(keyPath, "not a key");
  const result = readCertificateFingerprint({ enabled: true }, stateDir);
  assert.deepEqual(result, { ok: true, fingerprint: certificateFingerprint(readFileSync(certPath)), certPath });
});

test("readCertificateFingerprint expands ~ in certPath against the OpenClaw home", async (t) => {
  const home = mkdtempSync(join(tmpdir(), "ocgw-tls-home-"));
  mkdirSync(join(home, "certs"));
  await generateSelfSignedPair({ certPath: join(home, "certs", "c.pem"), keyPath: join(home, "certs", "k.pem") });
  const saved = process.env.OPENCLAW_HOME;
  process.env.OPENCLAW_HOME = home;
  t.after(() => (saved === undefined ? delete process.env.OPENCLAW_HOME : (process.env.OPENCLAW_HOME = saved)));
  const result = readCertificateFingerprint({ enabled: true, certPath: "~/certs/c.pem" }, "/nonexistent-state");
  assert.equal(result.ok && result.certPath, join(home, "certs", "c.pem"));
});

test("readCertificateFingerprint explains a disabled, missing or broken certificate", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "ocgw-tls-fp-"));
  const disabled = readCertificateFingerprint(undefined, stateDir);
  assert.equal(disabled.ok, false);
  assert.match(!disabled.ok ? disabled.error : "", /disabled/);
  const missing = readCertificateFingerprint({ enabled: true }, stateDir);
  assert.match(!missing.ok ? missing.error : "", new RegExp(`${join(stateDir, "gateway", "tls", "gateway-cert.pem")}.*file not found.*start the gateway`));
  const garbage = join(stateDir, "garbage.pem");
  writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  const broken = readCertificateFingerprint({ enabled: true, certPath: garbage }, stateDir);
  assert.match(!broken.ok ? broken.error : "", /garbage\.pem is not a valid PEM certificate/);
});
