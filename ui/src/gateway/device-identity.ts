/**
 * The browser's device identity (protocol §6): an Ed25519 key made with WebCrypto and kept in
 * localStorage, so this browser stays the same device across visits. Null where WebCrypto has no
 * Ed25519 or the page is not a secure context (plain HTTP off this machine): the UI then connects
 * with the shared secret alone.
 */
const STORAGE_KEY = "openclaw.control.device.v1";

export type DeviceIdentity = { deviceId: string; publicKey: string; sign(payload: string): Promise<string> };

function base64url(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function loadOrCreate(): Promise<CryptoKeyPair> {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored) {
    try {
      const { privateJwk, publicJwk } = JSON.parse(stored) as { privateJwk: JsonWebKey; publicJwk: JsonWebKey };
      return {
        privateKey: await crypto.subtle.importKey("jwk", privateJwk, { name: "Ed25519" }, true, ["sign"]),
        publicKey: await crypto.subtle.importKey("jwk", publicJwk, { name: "Ed25519" }, true, ["verify"]),
      };
    } catch {
      localStorage.removeItem(STORAGE_KEY);
    }
  }
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ privateJwk, publicJwk }));
  return pair;
}

let identity: Promise<DeviceIdentity | null> | null = null;

export function deviceIdentity(): Promise<DeviceIdentity | null> {
  identity ??= (async () => {
    if (!globalThis.isSecureContext || !crypto?.subtle) return null;
    try {
      const pair = await loadOrCreate();
      const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
      return {
        deviceId: await hex(raw),
        publicKey: base64url(raw),
        sign: async (payload) => base64url(await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, new TextEncoder().encode(payload))),
      };
    } catch {
      return null;
    }
  })();
  return identity;
}
