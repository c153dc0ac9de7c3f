import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";
import { stateDbPath } from "../store/channel-store.js";
import { openSqliteFile } from "../store/sqlite-file.js";
import { stateMigrations } from "../store/state-migrations.js";
import type { DeviceTokenSummary, PairedDevice, PairingRequest } from "./types.js";

type Row = Record<string, unknown>;

/** sha256 of the token, lowercase hex: the only form of a device token that is stored. */
export function hashDeviceToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares a presented token with a stored hash in constant time. */
function tokenMatches(token: string, storedHash: string): boolean {
  const presented = createHash("sha256").update(token, "utf8").digest();
  const stored = Buffer.from(storedHash, "hex");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

function optional<T>(v: unknown): T | undefined {
  return v === null || v === undefined ? undefined : (v as T);
}

function deviceOf(r: Row): PairedDevice {
  const d: PairedDevice = {
    deviceId: r.device_id as string,
    publicKey: r.public_key as string,
    clientId: r.client_id as string,
    clientMode: r.client_mode as string,
    roles: JSON.parse(r.roles as string) as string[],
    approvedScopes: JSON.parse(r.approved_scopes as string) as string[],
    createdAtMs: r.created_at as number,
    approvedAtMs: r.approved_at as number,
  };
  const label = optional<string>(r.label);
  const displayName = optional<string>(r.display_name);
  const platform = optional<string>(r.platform);
  const deviceFamily = optional<string>(r.device_family);
  const lastSeenAtMs = optional<number>(r.last_seen_at);
  const lastSeenIp = optional<string>(r.last_seen_ip);
  if (label !== undefined) d.label = label;
  if (displayName !== undefined) d.displayName = displayName;
  if (platform !== undefined) d.platform = platform;
  if (deviceFamily !== undefined) d.deviceFamily = deviceFamily;
  if (lastSeenAtMs !== undefined) d.lastSeenAtMs = lastSeenAtMs;
  if (lastSeenIp !== undefined) d.lastSeenIp = lastSeenIp;
  return d;
}

function summaryOf(r: Row): DeviceTokenSummary {
  const s: DeviceTokenSummary = { role: r.role as string, scopes: JSON.parse(r.scopes as string) as string[], createdAtMs: r.created_at as number };
  const rotated = optional<number>(r.rotated_at);
  const revoked = optional<number>(r.revoked_at);
  const used = optional<number>(r.last_used_at);
  if (rotated !== undefined) s.rotatedAtMs = rotated;
  if (revoked !== undefined) s.revokedAtMs = revoked;
  if (used !== undefined) s.lastUsedAtMs = used;
  return s;
}

function requestOf(r: Row): PairingRequest {
  return JSON.parse(r.payload as string) as PairingRequest;
}

/**
 * The device tables of the gateway state database (`<stateDir>/state/openclaw.sqlite`): paired
 * devices, their per-role tokens (hashed) and pending pairing requests. Each method is one short
 * transaction; `transaction` groups several. The pairing rules live in device-pairing.ts.
 */
export class DeviceStore {
  private readonly s: Record<string, Statement>;

  static async open(stateDir: string): Promise<DeviceStore> {
    return new DeviceStore(await openSqliteFile(stateDbPath(stateDir), stateMigrations));
  }

  private constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      device: p(`SELECT * FROM devices WHERE device_id = ?`),
      devices: p(`SELECT * FROM devices ORDER BY approved_at, device_id`),
      upsertDevice: p(
        `INSERT INTO devices (device_id, public_key, label, display_name, platform, device_family, client_id, client_mode, roles, approved_scopes, created_at, approved_at, last_seen_at, last_seen_ip)
         VALUES (@deviceId, @publicKey, @label, @displayName, @platform, @deviceFamily, @clientId, @clientMode, @roles, @approvedScopes, @createdAtMs, @approvedAtMs, @lastSeenAtMs, @lastSeenIp)
         ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key, label = excluded.label, display_name = excluded.display_name,
           platform = excluded.platform, device_family = excluded.device_family, client_id = excluded.client_id, client_mode = excluded.client_mode,
           roles = excluded.roles, approved_scopes = excluded.approved_scopes, created_at = excluded.created_at, approved_at = excluded.approved_at,
           last_seen_at = excluded.last_seen_at, last_seen_ip = excluded.last_seen_ip`,
      ),
      deleteDevice: p(`DELETE FROM devices WHERE device_id = ?`),
      rename: p(`UPDATE devices SET label = ? WHERE device_id = ?`),
      touch: p(`UPDATE devices SET last_seen_at = ?, last_seen_ip = coalesce(?, last_seen_ip) WHERE device_id = ?`),

      token: p(`SELECT * FROM device_tokens WHERE device_id = ? AND role = ?`),
      tokens: p(`SELECT * FROM device_tokens WHERE device_id = ? ORDER BY role`),
      tokensByHash: p(`SELECT * FROM device_tokens WHERE token_hash = ? AND revoked_at IS NULL`),
      issueToken: p(
        `INSERT INTO device_tokens (device_id, role, token_hash, scopes, created_at) VALUES (@deviceId, @role, @hash, @scopes, @now)
         ON CONFLICT (device_id, role) DO UPDATE SET token_hash = excluded.token_hash, scopes = excluded.scopes,
           rotated_at = excluded.created_at, revoked_at = NULL, last_used_at = NULL`,
      ),
      tokenUsed: p(`UPDATE device_tokens SET last_used_at = ? WHERE device_id = ? AND role = ?`),
      revokeToken: p(`UPDATE device_tokens SET revoked_at = ? WHERE device_id = ? AND role = ? AND revoked_at IS NULL`),
      deleteTokens: p(`DELETE FROM device_tokens WHERE device_id = ?`),

      request: p(`SELECT * FROM device_pairing_requests WHERE request_id = ? AND expires_at > ?`),
      requests: p(`SELECT * FROM device_pairing_requests WHERE expires_at > ? ORDER BY created_at, request_id`),
      requestsForDevice: p(`SELECT * FROM device_pairing_requests WHERE device_id = ? AND expires_at > ? ORDER BY created_at, request_id`),
      saveRequest: p(
        `INSERT INTO device_pairing_requests (request_id, device_id, payload, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (request_id) DO UPDATE SET device_id = excluded.device_id, payload = excluded.payload, expires_at = excluded.expires_at`,
      ),
      deleteRequest: p(`DELETE FROM device_pairing_requests WHERE request_id = ?`),
      deleteRequestsForDevice: p(`DELETE FROM device_pairing_requests WHERE device_id = ?`),
      deleteExpired: p(`DELETE FROM device_pairing_requests WHERE expires_at <= ?`),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // ---- devices ----

  getDevice(deviceId: string): PairedDevice | null {
    const row = this.s.device.get(deviceId) as Row | undefined;
    return row ? deviceOf(row) : null;
  }

  listDevices(): PairedDevice[] {
    return (this.s.devices.all() as Row[]).map(deviceOf);
  }

  /** Inserts or replaces the whole record. */
  upsertDevice(d: PairedDevice): void {
    this.s.upsertDevice.run({
      deviceId: d.deviceId,
      publicKey: d.publicKey,
      label: d.label ?? null,
      displayName: d.displayName ?? null,
      platform: d.platform ?? null,
      deviceFamily: d.deviceFamily ?? null,
      clientId: d.clientId,
      clientMode: d.clientMode,
      roles: JSON.stringify(d.roles),
      approvedScopes: JSON.stringify(d.approvedScopes),
      createdAtMs: d.createdAtMs,
      approvedAtMs: d.approvedAtMs,
      lastSeenAtMs: d.lastSeenAtMs ?? null,
      lastSeenIp: d.lastSeenIp ?? null,
    });
  }

  /** Removes the device with its tokens and pending requests; false when there was no such device. */
  removeDevice(deviceId: string): boolean {
    return this.transaction(() => {
      this.s.deleteTokens.run(deviceId);
      this.s.deleteRequestsForDevice.run(deviceId);
      return this.s.deleteDevice.run(deviceId).changes > 0;
    });
  }

  /** Sets the owner's label (an empty label clears it); false when there is no such device. */
  renameDevice(deviceId: string, label: string): boolean {
    const trimmed = label.trim();
    return this.s.rename.run(trimmed === "" ? null : trimmed, deviceId).changes > 0;
  }

  /** Records a connect; a missing `ip` keeps the last one. */
  touchDevice(deviceId: string, ip?: string, now = Date.now()): void {
    this.s.touch.run(now, ip ?? null, deviceId);
  }

  // ---- pending pairing requests (only unexpired ones are returned) ----

  pendingRequests(now = Date.now()): PairingRequest[] {
    return (this.s.requests.all(now) as Row[]).map(requestOf);
  }

  pendingRequest(requestId: string, now = Date.now()): PairingRequest | null {
    const row = this.s.request.get(requestId, now) as Row | undefined;
    return row ? requestOf(row) : null;
  }

  pendingRequestsForDevice(deviceId: string, now = Date.now()): PairingRequest[] {
    return (this.s.requestsForDevice.all(deviceId, now) as Row[]).map(requestOf);
  }

  /** Inserts a request, or replaces the one with the same requestId (keeping its created_at). */
  saveRequest(request: PairingRequest, expiresAtMs: number): void {
    this.s.saveRequest.run(request.requestId, request.deviceId, JSON.stringify(request), request.ts, expiresAtMs);
  }

  deleteRequest(requestId: string): boolean {
    return this.s.deleteRequest.run(requestId).changes > 0;
  }

  deleteRequestsForDevice(deviceId: string): number {
    return this.s.deleteRequestsForDevice.run(deviceId).changes;
  }

  /** Drops requests whose expiry is at or before `now`; returns how many. */
  deleteExpiredRequests(now = Date.now()): number {
    return this.s.deleteExpired.run(now).changes;
  }

  // ---- tokens: one per (device, role); only the sha256 is stored ----

  /** Issues a fresh token for (device, role), replacing any previous one (which stops working). */
  issueToken(deviceId: string, role: string, scopes: readonly string[], now = Date.now()): { token: string; issuedAtMs: number } {
    const token = randomBytes(32).toString("base64url");
    this.s.issueToken.run({ deviceId, role, hash: hashDeviceToken(token), scopes: JSON.stringify([...scopes]), now });
    return { token, issuedAtMs: now };
  }

  /** The token's summary when `token` is the live token of (device, role); records its use. */
  verifyToken(deviceId: string, role: string, token: string, now = Date.now()): DeviceTokenSummary | null {
    return this.transaction(() => {
      const row = this.s.token.get(deviceId, role) as Row | undefined;
      if (!row || !tokenMatches(token, row.token_hash as string) || row.revoked_at !== null) return null;
      this.s.tokenUsed.run(now, deviceId, role);
      return { ...summaryOf(row), lastUsedAtMs: now };
    });
  }

  /** Whether (device, role) was ever given a token (revoked ones count): without one, a failed token is not a device token. */
  hasIssuedToken(deviceId: string, role: string): boolean {
    return this.s.token.get(deviceId, role) !== undefined;
  }

  /** Marks the token revoked; returns the time, or null when there was no live token. */
  revokeToken(deviceId: string, role: string, now = Date.now()): number | null {
    return this.s.revokeToken.run(now, deviceId, role).changes > 0 ? now : null;
  }

  tokenSummary(deviceId: string, role: string): DeviceTokenSummary | null {
    const row = this.s.token.get(deviceId, role) as Row | undefined;
    return row ? summaryOf(row) : null;
  }

  tokenSummaries(deviceId: string): DeviceTokenSummary[] {
    return (this.s.tokens.all(deviceId) as Row[]).map(summaryOf);
  }

  /**
   * The paired device and role a live token belongs to (for a device token sent as `auth.token`).
   * Does not record a use: follow with verifyToken for the (device, role) found.
   */
  findDeviceByToken(token: string): { device: PairedDevice; role: string; token: DeviceTokenSummary } | null {
    const hash = hashDeviceToken(token);
    for (const row of this.s.tokensByHash.all(hash) as Row[]) {
      if (!tokenMatches(token, row.token_hash as string)) continue;
      const device = this.getDevice(row.device_id as string);
      if (device) return { device, role: row.role as string, token: summaryOf(row) };
    }
    return null;
  }
}
