import { randomUUID } from "node:crypto";
import { Scope, scopeSatisfied } from "../protocol/scopes.js";
import type { DeviceStore } from "./device-store.js";
import type { DeviceMetadata, PairedDevice, PairingReason, PairingRequest } from "./types.js";

/**
 * Device pairing rules (protocol §6.3, §6.4) over a DeviceStore: what a connect needs, pending
 * requests (one per device), approval, removal and tokens. No sockets and no broadcasts: the
 * callers send `device.pair.requested` / `device.pair.resolved` from what these return.
 * Every function takes an optional `now` so tests need no clock.
 */

/** A pending request expires this long after it was created or last refreshed by a retry. */
export const PAIRING_REQUEST_TTL_MS = 5 * 60 * 1000;

const OPERATOR = "operator";

export type PairingError = {
  code: "unknown-request" | "unknown-device" | "missing-scope" | "role-not-approved" | "scope-not-approved" | "no-token";
  message: string;
  /** For missing-scope: the approver scope that was lacking (as in `MISSING_SCOPE` details). */
  missingScope?: string;
};

function fail(code: PairingError["code"], message: string, missingScope?: string): { error: PairingError } {
  return { error: missingScope === undefined ? { code, message } : { code, message, missingScope } };
}

/** Trimmed, ASCII A–Z lowercased, other characters unchanged (as for the v3 payload, §6.2). */
export function normalizeDeviceMetadata(value: string | undefined): string {
  return (value ?? "").trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The platform without a trailing OS version ("macOS 15.1" → "macos"), so version bumps are tolerated. */
function platformKey(value: string | undefined): string {
  const norm = normalizeDeviceMetadata(value);
  return norm.replace(/[\s_/-]*\d.*$/, "") || norm;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = unique(a);
  const y = unique(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// ---- connect-time evaluation ----

export type DeviceConnect = {
  deviceId: string;
  /** Canonical base64url public key (VerifiedDevice.publicKey). */
  publicKey: string;
  role: string;
  scopes: readonly string[];
  metadata: DeviceMetadata;
  remoteIp?: string;
};

/** How fine-grained a device's last-seen time is kept: a reconnect storm costs no writes. */
export const LAST_SEEN_RESOLUTION_MS = 30_000;

export type DeviceEvaluation =
  | { kind: "approved"; device: PairedDevice }
  | { kind: "needs-approval"; reason: PairingReason; existing?: PairedDevice };

/**
 * Whether a verified device may connect as asked. `existing` is set only when a record with the
 * same public key exists (it feeds `approvedRoles` / `approvedScopes` of PAIRING_REQUIRED).
 * Pinned metadata: a platform or deviceFamily that was recorded at approval must match after
 * normalization (the platform ignoring a trailing OS version); a field pinned empty is not checked.
 * When approved, the device's last-seen time (and ip) is updated; a device reconnecting from the
 * same address within LAST_SEEN_RESOLUTION_MS is not written again.
 */
export function evaluateDevice(store: DeviceStore, c: DeviceConnect, now = Date.now()): DeviceEvaluation {
  const device = store.getDevice(c.deviceId);
  if (!device || device.publicKey !== c.publicKey) return { kind: "needs-approval", reason: "not-paired" };
  if (!device.roles.includes(c.role)) return { kind: "needs-approval", reason: "role-upgrade", existing: device };
  if (c.role === OPERATOR) {
    const approved = new Set(device.approvedScopes);
    if (!c.scopes.every((s) => scopeSatisfied(s, approved))) return { kind: "needs-approval", reason: "scope-upgrade", existing: device };
  }
  if (metadataChanged(device, c.metadata)) return { kind: "needs-approval", reason: "metadata-upgrade", existing: device };
  const recentlySeen = device.lastSeenAtMs !== undefined && now - device.lastSeenAtMs < LAST_SEEN_RESOLUTION_MS && (c.remoteIp === undefined || c.remoteIp === device.lastSeenIp);
  if (recentlySeen) return { kind: "approved", device };
  store.touchDevice(c.deviceId, c.remoteIp, now);
  const seen: PairedDevice = { ...device, lastSeenAtMs: now };
  if (c.remoteIp !== undefined) seen.lastSeenIp = c.remoteIp;
  return { kind: "approved", device: seen };
}

function metadataChanged(device: PairedDevice, m: DeviceMetadata): boolean {
  const pinnedPlatform = platformKey(device.platform);
  const pinnedFamily = normalizeDeviceMetadata(device.deviceFamily);
  if (pinnedPlatform !== "" && pinnedPlatform !== platformKey(m.platform)) return true;
  if (pinnedFamily !== "" && pinnedFamily !== normalizeDeviceMetadata(m.deviceFamily)) return true;
  return false;
}

// ---- pending requests ----

/** The fields of a new request; requestId, ts and isRepair are set here, roles defaults to [role]. */
export type NewPairingRequest = Omit<PairingRequest, "requestId" | "ts" | "isRepair" | "roles"> & { roles?: string[] };

/** Unexpired pending requests, oldest first (expired ones are deleted). */
export function listPendingRequests(store: DeviceStore, now = Date.now()): PairingRequest[] {
  return store.transaction(() => {
    store.deleteExpiredRequests(now);
    return store.pendingRequests(now);
  });
}

/** One unexpired pending request (expired ones are deleted). */
export function getPendingRequest(store: DeviceStore, requestId: string, now = Date.now()): PairingRequest | null {
  return store.transaction(() => {
    store.deleteExpiredRequests(now);
    return store.pendingRequest(requestId, now);
  });
}

/**
 * Creates or refreshes the device's pending request. A device has at most one: a retry asking for
 * the same key, role(s) and scopes refreshes it (same requestId, new ts, TTL restarted); any other
 * request replaces the older ones, which are returned as `superseded` so the caller can broadcast
 * `device.pair.resolved {decision:"rejected"}` for them. `isRepair` when a device record exists.
 */
export function requestPairing(store: DeviceStore, fields: NewPairingRequest, now = Date.now()): { request: PairingRequest; superseded: PairingRequest[] } {
  return store.transaction(() => {
    store.deleteExpiredRequests(now);
    const roles = unique([...(fields.roles ?? []), fields.role]);
    const scopes = [...new Set(fields.scopes)];
    const pending = store.pendingRequestsForDevice(fields.deviceId, now);
    const same = pending.find((p) => p.publicKey === fields.publicKey && p.role === fields.role && sameSet(p.roles, roles) && sameSet(p.scopes, scopes));
    const superseded = pending.filter((p) => p !== same);
    for (const p of superseded) store.deleteRequest(p.requestId);
    const request: PairingRequest = {
      ...withoutUndefined(fields),
      roles,
      scopes,
      requestId: same?.requestId ?? randomUUID(),
      isRepair: store.getDevice(fields.deviceId) !== null,
      ts: now,
    };
    store.saveRequest(request, now + PAIRING_REQUEST_TTL_MS);
    return { request, superseded };
  });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---- owner decisions ----

export type Approver = { scopes: ReadonlySet<string> };

/**
 * What an approver lacks to approve `request`, or null. An approver grants only operator scopes
 * it holds (admin holds all); any non-operator role (node) needs admin.
 */
export function approverShortfall(request: Pick<PairingRequest, "roles" | "scopes">, approver: Approver): string | null {
  if (request.roles.some((r) => r !== OPERATOR) && !approver.scopes.has(Scope.admin)) return Scope.admin;
  if (request.roles.includes(OPERATOR)) {
    for (const s of request.scopes) if (!scopeSatisfied(s, approver.scopes)) return s;
  }
  return null;
}

/**
 * Approves a pending request: merges its roles and (operator) scopes into the device record,
 * creating it, pins the request's metadata, and deletes the request. A record under a different
 * public key is replaced, and its tokens deleted, since its approvals belonged to the old key.
 */
export function approveRequest(
  store: DeviceStore,
  requestId: string,
  approver: Approver,
  now = Date.now(),
): { request: PairingRequest; device: PairedDevice } | { error: PairingError } {
  return store.transaction(() => {
    store.deleteExpiredRequests(now);
    const request = store.pendingRequest(requestId, now);
    if (!request) return fail("unknown-request", "unknown requestId");
    const lacking = approverShortfall(request, approver);
    if (lacking !== null) {
      const otherRole = request.roles.find((r) => r !== OPERATOR);
      const why = lacking === Scope.admin && otherRole !== undefined ? `approving role ${otherRole} needs admin` : `an approver can only grant scopes it holds`;
      return fail("missing-scope", `missing scope: ${lacking} (${why})`, lacking);
    }
    const old = store.getDevice(request.deviceId);
    const kept = old && old.publicKey === request.publicKey ? old : null;
    if (old && !kept) store.removeDevice(request.deviceId);
    const device: PairedDevice = {
      deviceId: request.deviceId,
      publicKey: request.publicKey,
      clientId: request.clientId,
      clientMode: request.clientMode,
      roles: unique([...(kept?.roles ?? []), ...request.roles]),
      approvedScopes: unique([...(kept?.approvedScopes ?? []), ...(request.roles.includes(OPERATOR) ? request.scopes : [])]),
      createdAtMs: kept?.createdAtMs ?? now,
      approvedAtMs: now,
    };
    const label = kept?.label;
    const displayName = request.displayName ?? kept?.displayName;
    if (label !== undefined) device.label = label;
    if (displayName !== undefined) device.displayName = displayName;
    if (request.platform !== undefined) device.platform = request.platform;
    if (request.deviceFamily !== undefined) device.deviceFamily = request.deviceFamily;
    if (kept?.lastSeenAtMs !== undefined) device.lastSeenAtMs = kept.lastSeenAtMs;
    const ip = request.remoteIp ?? kept?.lastSeenIp;
    if (ip !== undefined) device.lastSeenIp = ip;
    store.upsertDevice(device);
    store.deleteRequestsForDevice(request.deviceId);
    return { request, device };
  });
}

/** Rejects (deletes) a pending request; the caller broadcasts `device.pair.resolved {decision:"rejected"}`. */
export function rejectRequest(store: DeviceStore, requestId: string, now = Date.now()): { request: PairingRequest } | { error: PairingError } {
  return store.transaction(() => {
    store.deleteExpiredRequests(now);
    const request = store.pendingRequest(requestId, now);
    if (!request) return fail("unknown-request", "unknown requestId");
    store.deleteRequest(requestId);
    return { request };
  });
}

/** Removes a paired device with its tokens and pending requests (returned, for broadcasts). */
export function removeDevice(
  store: DeviceStore,
  deviceId: string,
  now = Date.now(),
): { device: PairedDevice; removedRequests: PairingRequest[] } | { error: PairingError } {
  return store.transaction(() => {
    const device = store.getDevice(deviceId);
    if (!device) return fail("unknown-device", "unknown deviceId");
    const removedRequests = store.pendingRequestsForDevice(deviceId, now);
    store.removeDevice(deviceId);
    return { device, removedRequests };
  });
}

// ---- tokens ----

/**
 * Issues a new token for (device, role), replacing the old one, which stops working. `scopes`
 * defaults to the current token's (or, with none, the device's approved scopes); for the operator
 * role every scope must be covered by the device's approved scopes. Nodes get no scopes.
 * Whether the caller may rotate a non-operator role (admin) is the RPC's check.
 */
export function rotateToken(
  store: DeviceStore,
  deviceId: string,
  role: string,
  scopes?: readonly string[],
  now = Date.now(),
): { deviceId: string; role: string; token: string; scopes: string[]; rotatedAtMs: number } | { error: PairingError } {
  return store.transaction(() => {
    const device = store.getDevice(deviceId);
    if (!device) return fail("unknown-device", "unknown deviceId");
    if (!device.roles.includes(role)) return fail("role-not-approved", `role ${role} is not approved for this device`);
    let granted: string[];
    if (role === OPERATOR) {
      granted = [...new Set(scopes ?? store.tokenSummary(deviceId, role)?.scopes ?? device.approvedScopes)];
      const approved = new Set(device.approvedScopes);
      const outside = granted.find((s) => !scopeSatisfied(s, approved));
      if (outside !== undefined) return fail("scope-not-approved", `scope ${outside} is not approved for this device`);
    } else {
      granted = [];
    }
    const { token, issuedAtMs } = store.issueToken(deviceId, role, granted, now);
    return { deviceId, role, token, scopes: granted, rotatedAtMs: issuedAtMs };
  });
}

export function revokeToken(
  store: DeviceStore,
  deviceId: string,
  role: string,
  now = Date.now(),
): { deviceId: string; role: string; revokedAtMs: number } | { error: PairingError } {
  return store.transaction(() => {
    if (!store.getDevice(deviceId)) return fail("unknown-device", "unknown deviceId");
    const revokedAtMs = store.revokeToken(deviceId, role, now);
    if (revokedAtMs === null) return fail("no-token", `no live token for role ${role}`);
    return { deviceId, role, revokedAtMs };
  });
}

// ---- silent local approval ----

export type LocalApprovalContext = {
  /** The TCP peer is a loopback address. */
  isLoopbackSocket: boolean;
  /** Any of Forwarded / X-Forwarded-* / X-Real-IP was present. */
  forwardedHeaders: boolean;
  /** The connect passed the gateway shared secret (token or password). */
  sharedSecretOk: boolean;
  /** The Host header names a loopback or private address. */
  hostIsLoopbackOrPrivate: boolean;
  /** A browser Origin on a client that is not the Control UI. */
  browserOriginNonUi: boolean;
  reason: PairingReason;
  /** How the connect authenticated: none, token, password, device-token, trusted-proxy, … */
  authMethod: string;
  /** `gateway.nodes.pairing.autoApproveLocal !== false`. */
  autoApproveLocal: boolean;
  /** `client.id`, needed for metadata-upgrade (only local CLI / native apps qualify). */
  clientId?: string;
};

/** Clients that count as "local CLI / native app" for a metadata-upgrade. */
const NATIVE_OR_CLI_CLIENTS: ReadonlySet<string> = new Set([
  "cli",
  "openclaw-tui",
  "node-host",
  "openclaw-macos",
  "openclaw-linux",
  "openclaw-ios",
  "openclaw-watchos",
  "openclaw-android",
]);

const SCOPE_UPGRADE_AUTH: ReadonlySet<string> = new Set(["none", "token", "password"]);

/**
 * `resolveLocalPairingApproval` (§6.3): whether a pairing request is approved silently.
 * - Locality: `direct_local` = loopback socket and no Forwarded / X-Forwarded-* / X-Real-IP;
 *   `shared_secret_loopback_local` = shared secret OK, loopback socket and a loopback/private Host.
 *   A LAN peer is remote. A forwarded connect is treated as remote too, even with the shared secret
 *   and a private Host: a proxy on this host may be relaying anyone, and this gateway prefers a
 *   manual approval to guessing. (Read literally, the spec's shared-secret locality does not
 *   exclude forwarding; dropping the `forwardedHeaders` guard below would admit that case.)
 * - And autoApproveLocal is not off, and the client is not a browser-origin non-UI client.
 * - scope-upgrade: only when authenticated by none / token / password (not a device token etc.).
 * - metadata-upgrade: only for the CLI and native apps (by `clientId`; absent → no).
 * The other auto-approval paths (trusted CIDRs, SSH, trusted proxy, setup codes) are not here.
 */
export function localAutoApproval(ctx: LocalApprovalContext): boolean {
  // Remote: a LAN peer, or anything forwarded. What is left is direct_local, which contains
  // shared_secret_loopback_local once forwarding is excluded (sharedSecretOk and
  // hostIsLoopbackOrPrivate then decide nothing; they stay in the context for that one change).
  if (ctx.forwardedHeaders || !ctx.isLoopbackSocket) return false;
  if (!ctx.autoApproveLocal || ctx.browserOriginNonUi) return false;
  switch (ctx.reason) {
    case "not-paired":
    case "role-upgrade":
      return true;
    case "scope-upgrade":
      return SCOPE_UPGRADE_AUTH.has(ctx.authMethod);
    case "metadata-upgrade":
      return ctx.clientId !== undefined && NATIVE_OR_CLI_CLIENTS.has(ctx.clientId);
  }
}
