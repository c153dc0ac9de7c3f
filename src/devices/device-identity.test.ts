import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { newDeviceKey, signConnect, clientPayload, type DeviceKey } from "../../test/devices/device-keys.js";
import { DEVICE_SIGNATURE_SKEW_MS, deriveDeviceId, normalizePublicKey, signaturePayload, verifyDeviceProof } from "./device-identity.js";
import type { DeviceProof, DeviceProofFailure, SignedConnect } from "./types.js";

const NOW = 1_760_000_000_000;
const NONCE = "c2b6f0f4-7d8e-4a51-9a3c-2f1f0e9d8c7b";
const CONNECT: SignedConnect = {
  clientId: "cli",
  clientMode: "cli",
  role: "operator",
  scopes: ["operator.read", "operator.admin"],
  token: "secret-token",
  platform: "linux",
  deviceFamily: "desktop",
};

function expectFailure(result: ReturnType<typeof verifyDeviceProof>, code: DeviceProofFailure["code"]) {
  assert.equal(result.ok, false, `expected ${code}`);
  if (result.ok) return;
  const table: Record<DeviceProofFailure["code"], [DeviceProofFailure["reason"], string]> = {
    DEVICE_AUTH_DEVICE_ID_MISMATCH: ["device-id-mismatch", "device identity mismatch"],
    DEVICE_AUTH_SIGNATURE_EXPIRED: ["device-signature-stale", "device signature expired"],
    DEVICE_AUTH_NONCE_REQUIRED: ["device-nonce-missing", "device nonce required"],
    DEVICE_AUTH_NONCE_MISMATCH: ["device-nonce-mismatch", "device nonce mismatch"],
    DEVICE_AUTH_SIGNATURE_INVALID: ["device-signature", "device signature invalid"],
    DEVICE_AUTH_PUBLIC_KEY_INVALID: ["device-public-key", "device public key invalid"],
  };
  assert.deepEqual(result.failure, { code, reason: table[code][0], message: table[code][1] });
}

function expectOk(result: ReturnType<typeof verifyDeviceProof>, key: DeviceKey, version: "v2" | "v3") {
  assert.ok(result.ok, result.ok ? "" : `unexpected failure ${result.failure.code}`);
  if (!result.ok) return;
  assert.deepEqual(result.device, { deviceId: key.deviceId, publicKey: key.publicKeyRaw, version });
}

function b64urlToStd(s: string, pad: boolean): string {
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  return pad ? std + "=".repeat((4 - (std.length % 4)) % 4) : std;
}

test("DEVICE_SIGNATURE_SKEW_MS is 120000", () => {
  assert.equal(DEVICE_SIGNATURE_SKEW_MS, 120_000);
});

test("known answer: the device id of 32 bytes of 0x01 is sha256 lowercase hex", () => {
  const raw = Buffer.alloc(32, 0x01);
  const id = deriveDeviceId(raw);
  assert.equal(id, "72cd6e8422c407fb6d098690f1130b7ded7ec2f7f5e1d30bd9d521f015363793");
  assert.equal(id, createHash("sha256").update(raw).digest("hex"));
  assert.match(id, /^[0-9a-f]{64}$/);
  const normalized = normalizePublicKey(raw.toString("base64url"));
  assert.ok(normalized);
  assert.equal(normalized.canonical, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE");
  assert.ok(normalized.raw.equals(raw));
});

test("signaturePayload matches the spec layout for v2 and v3", () => {
  const c: SignedConnect = { ...CONNECT, platform: "  LinUX ", deviceFamily: " iPhone\t" };
  assert.equal(
    signaturePayload("v2", "dev", 123, "n", c),
    "v2|dev|cli|cli|operator|operator.read,operator.admin|123|secret-token|n",
  );
  assert.equal(
    signaturePayload("v3", "dev", 123, "n", c),
    "v3|dev|cli|cli|operator|operator.read,operator.admin|123|secret-token|n|linux|iphone",
  );
  // Only ASCII A–Z are lowercased.
  assert.equal(signaturePayload("v3", "d", 1, "n", { ...c, scopes: [], token: "", platform: "ÄNDROİD", deviceFamily: undefined }), "v3|d|cli|cli|operator||1||n|Ändroİd|");
  // Same as the client helper's independent construction.
  assert.equal(signaturePayload("v3", "dev", 9, "x", c), clientPayload("v3", "dev", 9, "x", c));
  assert.equal(signaturePayload("v2", "dev", 9, "x", c), clientPayload("v2", "dev", 9, "x", c));
});

test("a v3 proof verifies as v3 and a v2 proof as v2", () => {
  const key = newDeviceKey();
  expectOk(verifyDeviceProof(signConnect(key, { version: "v3", nonce: NONCE, signedAt: NOW, connect: CONNECT }), CONNECT, { nonce: NONCE, now: NOW }), key, "v3");
  expectOk(verifyDeviceProof(signConnect(key, { version: "v2", nonce: NONCE, signedAt: NOW, connect: CONNECT }), CONNECT, { nonce: NONCE, now: NOW }), key, "v2");
});

test("v2 ignores platform/deviceFamily; v3 binds them", () => {
  const key = newDeviceKey();
  const v2 = signConnect(key, { version: "v2", nonce: NONCE, signedAt: NOW, connect: CONNECT });
  expectOk(verifyDeviceProof(v2, { ...CONNECT, platform: "darwin" }, { nonce: NONCE, now: NOW }), key, "v2");
  const v3 = signConnect(key, { version: "v3", nonce: NONCE, signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof(v3, { ...CONNECT, platform: "darwin" }, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_SIGNATURE_INVALID");
  expectFailure(verifyDeviceProof(v3, { ...CONNECT, deviceFamily: "phone" }, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_SIGNATURE_INVALID");
});

test("platform normalization: a client signing 'linux' matches a connect sending '  LinUX '", () => {
  const key = newDeviceKey();
  const sent: SignedConnect = { ...CONNECT, platform: "  LinUX ", deviceFamily: " Desktop " };
  // Sign the literal normalized payload, independent of any helper normalization.
  const payload = `v3|${key.deviceId}|cli|cli|operator|operator.read,operator.admin|${NOW}|secret-token|${NONCE}|linux|desktop`;
  const proof: DeviceProof = { id: key.deviceId, publicKey: key.publicKeyRaw, signature: key.sign(payload), signedAt: NOW, nonce: NONCE };
  expectOk(verifyDeviceProof(proof, sent, { nonce: NONCE, now: NOW }), key, "v3");
});

test("v3 with missing platform and deviceFamily signs empty strings", () => {
  const key = newDeviceKey();
  const c: SignedConnect = { clientId: "node-host", clientMode: "node", role: "node", scopes: [], token: "" };
  const payload = `v3|${key.deviceId}|node-host|node|node||${NOW}||${NONCE}||`;
  assert.equal(signaturePayload("v3", key.deviceId, NOW, NONCE, c), payload);
  const proof: DeviceProof = { id: key.deviceId, publicKey: key.publicKeyRaw, signature: key.sign(payload), signedAt: NOW, nonce: NONCE };
  expectOk(verifyDeviceProof(proof, c, { nonce: NONCE, now: NOW }), key, "v3");
  // Missing deviceFamily only.
  const c2: SignedConnect = { ...c, platform: "Android" };
  const p2 = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: c2 });
  expectOk(verifyDeviceProof(p2, c2, { nonce: NONCE, now: NOW }), key, "v3");
  assert.ok(signaturePayload("v3", key.deviceId, NOW, NONCE, c2).endsWith("|android|"));
});

test("device id mismatch", () => {
  const key = newDeviceKey();
  const other = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof({ ...proof, id: other.deviceId }, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_DEVICE_ID_MISMATCH");
  expectFailure(verifyDeviceProof({ ...proof, id: key.deviceId.toUpperCase() }, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_DEVICE_ID_MISMATCH");
  expectFailure(verifyDeviceProof({ ...proof, publicKey: other.publicKeyRaw }, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_DEVICE_ID_MISMATCH");
  // The id check comes before the skew check.
  expectFailure(verifyDeviceProof({ ...proof, id: other.deviceId }, CONNECT, { nonce: NONCE, now: NOW + 10 * 60_000 }), "DEVICE_AUTH_DEVICE_ID_MISMATCH");
});

test("stale signatures in both directions; the boundary is inclusive", () => {
  const key = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof(proof, CONNECT, { nonce: NONCE, now: NOW + 120_001 }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
  expectFailure(verifyDeviceProof(proof, CONNECT, { nonce: NONCE, now: NOW - 120_001 }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
  expectOk(verifyDeviceProof(proof, CONNECT, { nonce: NONCE, now: NOW + 120_000 }), key, "v3");
  expectOk(verifyDeviceProof(proof, CONNECT, { nonce: NONCE, now: NOW - 120_000 }), key, "v3");
  // Skew is checked before the nonce.
  expectFailure(verifyDeviceProof({ ...proof, nonce: "" }, CONNECT, { nonce: NONCE, now: NOW + 200_000 }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
  // Default now is the wall clock.
  const fresh = signConnect(key, { nonce: NONCE, connect: CONNECT });
  expectOk(verifyDeviceProof(fresh, CONNECT, { nonce: NONCE }), key, "v3");
  const old = signConnect(key, { nonce: NONCE, signedAt: Date.now() - 5 * 60_000, connect: CONNECT });
  expectFailure(verifyDeviceProof(old, CONNECT, { nonce: NONCE }), "DEVICE_AUTH_SIGNATURE_EXPIRED");
});

test("nonce missing, then nonce mismatch", () => {
  const key = newDeviceKey();
  const emptyNonce = signConnect(key, { nonce: "", signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof(emptyNonce, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_NONCE_REQUIRED");
  expectFailure(verifyDeviceProof(emptyNonce, CONNECT, { nonce: "", now: NOW }), "DEVICE_AUTH_NONCE_REQUIRED");
  const wrong = signConnect(key, { nonce: "other-nonce", signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof(wrong, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_NONCE_MISMATCH");
  // Nonce mismatch is checked before the signature.
  expectFailure(verifyDeviceProof({ ...wrong, signature: "AAAA" }, CONNECT, { nonce: NONCE, now: NOW }), "DEVICE_AUTH_NONCE_MISMATCH");
});

test("bad signatures and signatures over other connect fields are invalid", () => {
  const key = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  const ch = { nonce: NONCE, now: NOW };
  const sig = Buffer.from(proof.signature, "base64url");
  const flipped = Buffer.from(sig);
  flipped[10] ^= 0x01;
  expectFailure(verifyDeviceProof({ ...proof, signature: flipped.toString("base64url") }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
  expectFailure(verifyDeviceProof({ ...proof, signature: "" }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
  expectFailure(verifyDeviceProof({ ...proof, signature: "not base64 !!" }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
  expectFailure(verifyDeviceProof({ ...proof, signature: sig.subarray(0, 63).toString("base64url") }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
  // Signed by a different key that claims this key's identity.
  const other = newDeviceKey();
  const forged = signConnect(other, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  expectFailure(verifyDeviceProof({ ...proof, signature: forged.signature }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
  // Signed over different connect fields than the ones sent.
  const variants: Partial<SignedConnect>[] = [
    { scopes: ["operator.read"] },
    { scopes: ["operator.admin", "operator.read"] },
    { role: "node" },
    { token: "other-token" },
    { token: "" },
    { platform: "darwin" },
    { clientId: "openclaw-tui" },
    { clientMode: "probe" },
  ];
  for (const v of variants) {
    const signedOver = { ...CONNECT, ...v };
    for (const version of ["v2", "v3"] as const) {
      const p = signConnect(key, { version, nonce: NONCE, signedAt: NOW, connect: signedOver });
      if (version === "v2" && v.platform !== undefined) continue; // v2 does not cover platform
      expectFailure(verifyDeviceProof(p, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
    }
  }
  // A signature over a different signedAt than the one sent.
  const p = signConnect(key, { nonce: NONCE, signedAt: NOW + 1, connect: CONNECT });
  expectFailure(verifyDeviceProof({ ...p, signedAt: NOW }, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID");
});

test("bad public keys report public-key-invalid, before the id check", () => {
  const key = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  const ch = { nonce: NONCE, now: NOW };
  const raw = Buffer.from(key.publicKeyRaw, "base64url");
  for (const bad of [
    "",
    "   ",
    "not a key!",
    raw.subarray(0, 31).toString("base64url"),
    Buffer.concat([raw, Buffer.from([0])]).toString("base64url"),
    key.publicKeyRaw + "A",
    key.publicKeyRaw + "===",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    key.publicKeyPem.replace("PUBLIC KEY", "PRIVATE KEY"),
  ]) {
    assert.equal(normalizePublicKey(bad), null, JSON.stringify(bad));
    expectFailure(verifyDeviceProof({ ...proof, publicKey: bad }, CONNECT, ch), "DEVICE_AUTH_PUBLIC_KEY_INVALID");
  }
  // An unparseable key wins over a wrong id too.
  expectFailure(verifyDeviceProof({ ...proof, publicKey: "xx", id: "nope" }, CONNECT, ch), "DEVICE_AUTH_PUBLIC_KEY_INVALID");
});

test("PEM, padded and standard-base64 keys and signatures are accepted", () => {
  const key = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  const ch = { nonce: NONCE, now: NOW };
  const keyForms = [key.publicKeyRaw, key.publicKeyPem, key.publicKeyPem.trim(), b64urlToStd(key.publicKeyRaw, true), b64urlToStd(key.publicKeyRaw, false), key.publicKeyRaw + "="];
  const sigForms = [proof.signature, proof.signature + "==", b64urlToStd(proof.signature, true), b64urlToStd(proof.signature, false)];
  for (const publicKey of keyForms) {
    const n = normalizePublicKey(publicKey);
    assert.ok(n, publicKey);
    assert.equal(n.canonical, key.publicKeyRaw);
    assert.equal(deriveDeviceId(n.raw), key.deviceId);
    for (const signature of sigForms) {
      expectOk(verifyDeviceProof({ ...proof, publicKey, signature }, CONNECT, ch), key, "v3");
    }
  }
});

test("hostile inputs give a failure, never a throw", () => {
  const key = newDeviceKey();
  const proof = signConnect(key, { nonce: NONCE, signedAt: NOW, connect: CONNECT });
  const ch = { nonce: NONCE, now: NOW };
  const huge = "A".repeat(100 * 1024);
  const cases: [unknown, DeviceProofFailure["code"]][] = [
    [{ ...proof, publicKey: 42 }, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{ ...proof, publicKey: null }, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{ ...proof, publicKey: { toString: () => key.publicKeyRaw } }, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{ ...proof, publicKey: huge }, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{ ...proof, publicKey: `-----BEGIN PUBLIC KEY-----\n${huge}\n-----END PUBLIC KEY-----` }, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{ ...proof, id: 7 }, "DEVICE_AUTH_DEVICE_ID_MISMATCH"],
    [{ ...proof, id: huge }, "DEVICE_AUTH_DEVICE_ID_MISMATCH"],
    [{ ...proof, signedAt: String(NOW) }, "DEVICE_AUTH_SIGNATURE_EXPIRED"],
    [{ ...proof, signedAt: Number.NaN }, "DEVICE_AUTH_SIGNATURE_EXPIRED"],
    [{ ...proof, signedAt: Infinity }, "DEVICE_AUTH_SIGNATURE_EXPIRED"],
    [{ ...proof, signedAt: undefined }, "DEVICE_AUTH_SIGNATURE_EXPIRED"],
    [{ ...proof, nonce: 5 }, "DEVICE_AUTH_NONCE_REQUIRED"],
    [{ ...proof, nonce: null }, "DEVICE_AUTH_NONCE_REQUIRED"],
    [{ ...proof, nonce: huge }, "DEVICE_AUTH_NONCE_MISMATCH"],
    [{ ...proof, signature: huge }, "DEVICE_AUTH_SIGNATURE_INVALID"],
    [{ ...proof, signature: proof.signature + "A".repeat(2000) }, "DEVICE_AUTH_SIGNATURE_INVALID"],
    [{ ...proof, signature: ["x"] }, "DEVICE_AUTH_SIGNATURE_INVALID"],
    [{ ...proof, signature: undefined }, "DEVICE_AUTH_SIGNATURE_INVALID"],
    [null, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    ["a string", "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
    [{}, "DEVICE_AUTH_PUBLIC_KEY_INVALID"],
  ];
  for (const [p, code] of cases) {
    let result: ReturnType<typeof verifyDeviceProof> | undefined;
    assert.doesNotThrow(() => {
      result = verifyDeviceProof(p as DeviceProof, CONNECT, ch);
    });
    expectFailure(result!, code);
  }
  // Hostile connect / challenge values.
  const hostileConnects: unknown[] = [
    null,
    { ...CONNECT, scopes: "operator.read" },
    { ...CONNECT, scopes: [1, null, {}] },
    { ...CONNECT, platform: 12, deviceFamily: {} },
    { ...CONNECT, token: huge, clientId: huge },
  ];
  for (const c of hostileConnects) {
    assert.doesNotThrow(() => {
      const r = verifyDeviceProof(proof, c as SignedConnect, ch);
      expectFailure(r, "DEVICE_AUTH_SIGNATURE_INVALID");
    });
  }
  assert.doesNotThrow(() => expectFailure(verifyDeviceProof(proof, CONNECT, { nonce: 3 as unknown as string, now: NOW }), "DEVICE_AUTH_NONCE_MISMATCH"));
  // A throwing getter cannot make it throw.
  const trap = { ...proof, get signature(): string { throw new Error("boom"); } };
  assert.doesNotThrow(() => expectFailure(verifyDeviceProof(trap, CONNECT, ch), "DEVICE_AUTH_SIGNATURE_INVALID"));
  assert.equal(normalizePublicKey(undefined as unknown as string), null);
});
