/**
 * Test helper: Ed25519 device identities and signed `connect.device` proofs, as a real client
 * builds them (protocol §6.1, §6.2). The payload is assembled here independently of
 * src/devices/device-identity.ts, so tests using it cross-check the server's construction.
 */
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import type { DeviceProof, SignedConnect } from "../../src/devices/types.js";

export type DeviceKey = {
  /** Raw 32-byte public key, unpadded base64url (the wire form). */
  publicKeyRaw: string;
  /** SPKI PEM of the same public key. */
  publicKeyPem: string;
  /** sha256(raw) lowercase hex. */
  deviceId: string;
  privateKey: KeyObject;
  /** Ed25519 signature over utf8(payload), unpadded base64url. */
  sign(payload: string): string;
};

export function newDeviceKey(): DeviceKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  const raw = spki.subarray(spki.length - 32);
  return {
    publicKeyRaw: raw.toString("base64url"),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    deviceId: createHash("sha256").update(raw).digest("hex"),
    privateKey,
    sign: (payload) => cryptoSign(null, Buffer.from(payload, "utf8"), privateKey).toString("base64url"),
  };
}

/** ASCII-only lowercase after trimming, as clients normalize platform/deviceFamily for v3. */
function norm(value: string | undefined): string {
  return (value ?? "").trim().replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** The payload a client signs, per protocol §6.2. */
export function clientPayload(version: "v2" | "v3", deviceId: string, signedAt: number, nonce: string, c: SignedConnect): string {
  const v2 = `${version}|${deviceId}|${c.clientId}|${c.clientMode}|${c.role}|${c.scopes.join(",")}|${signedAt}|${c.token}|${nonce}`;
  return version === "v3" ? `${v2}|${norm(c.platform)}|${norm(c.deviceFamily)}` : v2;
}

export type SignConnectOptions = {
  /** Default "v3" (CLI, node); the Control UI signs "v2". */
  version?: "v2" | "v3";
  /** The challenge nonce. */
  nonce: string;
  /** Default Date.now(); clients use the challenge `ts`. */
  signedAt?: number;
  connect: SignedConnect;
};

/** A `connect.device` proof signed by `key`. */
export function signConnect(key: DeviceKey, opts: SignConnectOptions): DeviceProof {
  const signedAt = opts.signedAt ?? Date.now();
  const payload = clientPayload(opts.version ?? "v3", key.deviceId, signedAt, opts.nonce, opts.connect);
  return { id: key.deviceId, publicKey: key.publicKeyRaw, signature: key.sign(payload), signedAt, nonce: opts.nonce };
}
