import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../infra/files.js";

/** DER prefix of an Ed25519 SPKI public key; the raw 32 key bytes follow it. */
const SPKI_PREFIX_BYTES = 12;

export type GatewayIdentity = { deviceId: string; publicKey: string; privateKey: KeyObject };

function identityOf(privatePem: string): GatewayIdentity {
  const privateKey = createPrivateKey(privatePem);
  const raw = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX_BYTES);
  return { deviceId: createHash("sha256").update(raw).digest("hex"), publicKey: raw.toString("base64url"), privateKey };
}

/** The gateway's own Ed25519 identity (`gateway.identity.get`), created once in `<stateDir>/identity/gateway.json` (0600). */
export function loadGatewayIdentity(stateDir: string): GatewayIdentity {
  const path = join(stateDir, "identity", "gateway.json");
  try {
    return identityOf((JSON.parse(readFileSync(path, "utf8")) as { privateKeyPem: string }).privateKeyPem);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`gateway identity ${path} is unreadable: ${(err as Error).message}`);
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  const privateKeyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  writeFileAtomicSync(path, JSON.stringify({ version: 1, privateKeyPem, createdAtMs: Date.now() }) + "\n");
  return identityOf(privateKeyPem);
}
