/**
 * Device identity and pairing: the shapes shared by the signature checks (device-identity.ts),
 * the pairing store (device-store.ts), the connect flow (server/handshake.ts) and the device RPCs.
 */

/** `connect.device` as sent. */
export type DeviceProof = { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };

/** What the signature covers, besides the device itself (protocol §6.2). */
export type SignedConnect = {
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  /** `auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? ""`. */
  token: string;
  platform?: string;
  deviceFamily?: string;
};

export type DeviceProofFailure = {
  /** `DEVICE_AUTH_*` detail code. */
  code:
    | "DEVICE_AUTH_DEVICE_ID_MISMATCH"
    | "DEVICE_AUTH_SIGNATURE_EXPIRED"
    | "DEVICE_AUTH_NONCE_REQUIRED"
    | "DEVICE_AUTH_NONCE_MISMATCH"
    | "DEVICE_AUTH_SIGNATURE_INVALID"
    | "DEVICE_AUTH_PUBLIC_KEY_INVALID";
  reason: "device-id-mismatch" | "device-signature-stale" | "device-nonce-missing" | "device-nonce-mismatch" | "device-signature" | "device-public-key";
  message: string;
};

export type VerifiedDevice = {
  deviceId: string;
  /** Canonical base64url of the 32 raw key bytes. */
  publicKey: string;
  /** Which payload verified. */
  version: "v3" | "v2";
};

export type DeviceMetadata = { displayName?: string; platform?: string; deviceFamily?: string; clientId: string; clientMode: string; browserOrigin?: string };

/** A device approved for some roles and scopes. */
export type PairedDevice = {
  deviceId: string;
  publicKey: string;
  label?: string;
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId: string;
  clientMode: string;
  roles: string[];
  /** Operator scopes approved for this device. */
  approvedScopes: string[];
  createdAtMs: number;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  lastSeenIp?: string;
};

/** A connect that needs the owner's approval (protocol §6.3). */
export type PairingRequest = {
  requestId: string;
  deviceId: string;
  publicKey: string;
  displayName?: string;
  platform?: string;
  deviceFamily?: string;
  clientId: string;
  clientMode: string;
  browserOrigin?: string;
  role: string;
  roles: string[];
  scopes: string[];
  remoteIp?: string;
  silent?: boolean;
  isRepair?: boolean;
  reason: PairingReason;
  ts: number;
};

export type PairingReason = "not-paired" | "role-upgrade" | "scope-upgrade" | "metadata-upgrade";

/** One device token per (device, role); only its hash is stored. */
export type DeviceTokenSummary = { role: string; scopes: string[]; createdAtMs: number; rotatedAtMs?: number; revokedAtMs?: number; lastUsedAtMs?: number };

/** A paired device as `device.pair.list` shows it: token summaries without secrets, no approved-scope list, whether it is connected. */
export type ListedDevice = Omit<PairedDevice, "approvedScopes"> & { tokens: DeviceTokenSummary[]; connected: boolean };
