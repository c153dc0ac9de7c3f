/**
 * Device identity checks at connect (protocol §6.1, §6.2): normalizing the Ed25519 public key a
 * device sends, deriving its id, building the v2/v3 signature payloads and verifying the proof.
 *
 * Everything here is pure and synchronous, uses only node:crypto, and never throws on hostile
 * input: anything malformed maps to one of the `DEVICE_AUTH_*` failures.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { DeviceProof, DeviceProofFailure, SignedConnect, VerifiedDevice } from "./types.js";

/** Maximum allowed |now − signedAt| in milliseconds (protocol §6.2). */
export const DEVICE_SIGNATURE_SKEW_MS = 120_000;

/** Inputs longer than this are rejected before any decoding (an Ed25519 SPKI PEM is ~113 chars). */
const MAX_KEY_CHARS = 1024;
const MAX_SIGNATURE_CHARS = 1024;

const ED25519_RAW_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
/** DER prefix that wraps 32 raw Ed25519 key bytes into an SPKI structure. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** base64 or base64url (either alphabet, mixed tolerated), optionally padded. */
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]*)-----END PUBLIC KEY-----$/;

const FAILURES = {
  idMismatch: { code: "DEVICE_AUTH_DEVICE_ID_MISMATCH", reason: "device-id-mismatch", message: "device identity mismatch" },
  expired: { code: "DEVICE_AUTH_SIGNATURE_EXPIRED", reason: "device-signature-stale", message: "device signature expired" },
  nonceRequired: { code: "DEVICE_AUTH_NONCE_REQUIRED", reason: "device-nonce-missing", message: "device nonce required" },
  nonceMismatch: { code: "DEVICE_AUTH_NONCE_MISMATCH", reason: "device-nonce-mismatch", message: "device nonce mismatch" },
  signatureInvalid: { code: "DEVICE_AUTH_SIGNATURE_INVALID", reason: "device-signature", message: "device signature invalid" },
  publicKeyInvalid: { code: "DEVICE_AUTH_PUBLIC_KEY_INVALID", reason: "device-public-key", message: "device public key invalid" },
} as const satisfies Record<string, DeviceProofFailure>;

/**
 * Strictly decodes base64 / base64url (padding optional). Node's own decoder silently skips
 * characters outside the alphabet, so the charset and padding are checked first.
 */
function decodeBase64Any(text: string): Buffer | null {
  if (!BASE64_ANY.test(text)) return null;
  const body = text.replace(/=+$/, "");
  const padding = text.length - body.length;
  // A body of length ≡ 1 (mod 4) cannot encode whole bytes; padding, if present, must complete a quartet.
  if (body.length % 4 === 1) return null;
  if (padding > 0 && (body.length + padding) % 4 !== 0) return null;
  return Buffer.from(body.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

function rawFromPem(pem: string): Buffer | null {
  const match = PEM_PUBLIC_KEY.exec(pem);
  if (!match) return null;
  const der = decodeBase64Any(match[1].replace(/\s+/g, ""));
  if (!der || der.length !== ED25519_SPKI_PREFIX.length + ED25519_RAW_KEY_BYTES) return null;
  if (!der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)) return null;
  return der.subarray(ED25519_SPKI_PREFIX.length);
}

/** Importing a key costs far more than verifying with it; devices reconnect with the same key. */
const KEY_CACHE_MAX = 1024;
const keyCache = new Map<string, KeyObject | null>();

function keyObjectFromRaw(raw: Buffer): KeyObject | null {
  const cacheKey = raw.toString("hex");
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let key: KeyObject | null;
  try {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "ed25519") key = null;
  } catch {
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

/**
 * Accepts the raw 32-byte Ed25519 public key as base64url (padded or not) or standard base64, or a
 * PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`; private-key PEMs are refused). Returns the raw
 * bytes and their canonical unpadded base64url, or null.
 *
 * Note: OpenSSL does not check that the 32 bytes are a point on the curve; such a key is accepted
 * here and simply never verifies a signature.
 */
export function normalizePublicKey(raw: string): { raw: Buffer; canonical: string } | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_KEY_CHARS) return null;
  const text = raw.trim();
  const bytes = text.startsWith("-----BEGIN") ? rawFromPem(text) : decodeBase64Any(text);
  if (!bytes || bytes.length !== ED25519_RAW_KEY_BYTES) return null;
  const copy = Buffer.from(bytes);
  if (!keyObjectFromRaw(copy)) return null;
  return { raw: copy, canonical: copy.toString("base64url") };
}

/** `sha256(rawPublicKey32)` as 64 lowercase hex characters. */
export function deriveDeviceId(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** Trim, then lowercase ASCII A–Z only (other characters unchanged); missing → "". */
function normalizeMetadata(value: unknown): string {
  if (typeof value !== "string") return "";
  return value.trim().replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The exact string a device signs (protocol §6.2). */
export function signaturePayload(version: "v2" | "v3", deviceId: string, signedAt: number, nonce: string, connect: SignedConnect): string {
  const scopes = Array.isArray(connect.scopes) ? connect.scopes.map((s) => str(s)).join(",") : "";
  const parts = [version, str(deviceId), str(connect.clientId), str(connect.clientMode), str(connect.role), scopes, String(signedAt), str(connect.token), str(nonce)];
  if (version === "v3") parts.push(normalizeMetadata(connect.platform), normalizeMetadata(connect.deviceFamily));
  return parts.join("|");
}

function decodeSignature(signature: unknown): Buffer | null {
  if (typeof signature !== "string" || signature.length === 0 || signature.length > MAX_SIGNATURE_CHARS) return null;
  const bytes = decodeBase64Any(signature.trim());
  return bytes && bytes.length === ED25519_SIGNATURE_BYTES ? bytes : null;
}

function verifies(payload: string, key: KeyObject, signature: Buffer): boolean {
  try {
    return cryptoVerify(null, Buffer.from(payload, "utf8"), key, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies `connect.device` against the connect it is sent with and the challenge nonce.
 *
 * Order of checks: the spec's table (§6.2) lists id, skew, nonce, signature, and then "key cannot be
 * normalized" last. The id can only be derived from a parsed key, so the key is normalized FIRST:
 * an unparseable key reports `device-public-key` (rather than an id mismatch), and every other
 * check then runs in the table's order: id mismatch → stale → nonce missing → nonce mismatch →
 * signature (v3 first, then v2).
 *
 * Hostile fields (wrong types) map to the row they belong to: a non-string id → id mismatch,
 * a non-finite/non-number signedAt → expired, a non-string or empty nonce → nonce required,
 * a malformed/oversized signature → signature invalid.
 */
export function verifyDeviceProof(
  proof: DeviceProof,
  connect: SignedConnect,
  challenge: { nonce: string; now?: number },
): { ok: true; device: VerifiedDevice } | { ok: false; failure: DeviceProofFailure } {
  const fail = (failure: DeviceProofFailure) => ({ ok: false as const, failure: { ...failure } });
  try {
    const p: Partial<Record<keyof DeviceProof, unknown>> = proof !== null && typeof proof === "object" ? proof : {};

    const key = typeof p.publicKey === "string" ? normalizePublicKey(p.publicKey) : null;
    const keyObject = key ? keyObjectFromRaw(key.raw) : null;
    if (!key || !keyObject) return fail(FAILURES.publicKeyInvalid);

    const deviceId = deriveDeviceId(key.raw);
    if (typeof p.id !== "string" || p.id !== deviceId) return fail(FAILURES.idMismatch);

    const now = typeof challenge?.now === "number" && Number.isFinite(challenge.now) ? challenge.now : Date.now();
    const signedAt = p.signedAt;
    if (typeof signedAt !== "number" || !Number.isFinite(signedAt) || Math.abs(now - signedAt) > DEVICE_SIGNATURE_SKEW_MS) {
      return fail(FAILURES.expired);
    }

    const nonce = p.nonce;
    if (typeof nonce !== "string" || nonce.length === 0) return fail(FAILURES.nonceRequired);
    if (typeof challenge?.nonce !== "string" || nonce !== challenge.nonce) return fail(FAILURES.nonceMismatch);

    const signature = decodeSignature(p.signature);
    if (!signature || connect === null || typeof connect !== "object") return fail(FAILURES.signatureInvalid);
    for (const version of ["v3", "v2"] as const) {
      if (verifies(signaturePayload(version, deviceId, signedAt, nonce, connect), keyObject, signature)) {
        return { ok: true, device: { deviceId, publicKey: key.canonical, version } };
      }
    }
    return fail(FAILURES.signatureInvalid);
  } catch {
    // Unreachable in practice (every step above is guarded); a proxy or getter that throws lands here.
    return fail(FAILURES.signatureInvalid);
  }
}
