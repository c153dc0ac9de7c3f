import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempStateStores } from "../store/test-helpers.js";
import { stateDbPath } from "../store/channel-store.js";
import { stateMigrations } from "../store/state-migrations.js";
import { DeviceStore, hashDeviceToken } from "./device-store.js";
import type { PairedDevice, PairingRequest } from "./types.js";

const { tempStateDir, open: openStore } = tempStateStores("ocgw-devstore-", (dir) => DeviceStore.open(dir));

const NOW = 1_760_000_000_000;

function device(extra: Partial<PairedDevice> = {}): PairedDevice {
  return {
    deviceId: "d".repeat(64),
    publicKey: "pk-1",
    clientId: "cli",
    clientMode: "cli",
    roles: ["operator"],
    approvedScopes: ["operator.read"],
    createdAtMs: NOW,
    approvedAtMs: NOW,
    ...extra,
  };
}

function request(extra: Partial<PairingRequest> = {}): PairingRequest {
  return {
    requestId: "r1",
    deviceId: "d".repeat(64),
    publicKey: "pk-1",
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    roles: ["operator"],
    scopes: ["operator.read"],
    reason: "not-paired",
    ts: NOW,
    ...extra,
  };
}

describe("DeviceStore: file", () => {
  it("opens the state database 0600 at the schema's newest version", async () => {
    const dir = tempStateDir();
    const store = await openStore(dir);
    const path = stateDbPath(dir);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f)) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    store.upsertDevice(device());
    store.close();
    const { default: Sqlite } = await import("better-sqlite3");
    const db = new Sqlite(path, { readonly: true });
    try {
      assert.equal(db.pragma("user_version", { simple: true }), stateMigrations.length);
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name);
      for (const t of ["devices", "device_tokens", "device_pairing_requests", "channel_inbound"]) assert.ok(tables.includes(t), t);
    } finally {
      db.close();
    }
  });

  it("shares the file with the other state tables and survives a reopen", async () => {
    const dir = tempStateDir();
    const a = await openStore(dir);
    a.upsertDevice(device({ label: "laptop" }));
    a.close();
    const b = await openStore(dir);
    assert.equal(b.getDevice("d".repeat(64))?.label, "laptop");
  });
});

describe("DeviceStore: devices", () => {
  it("upsert / get / list round-trip every field; absent optionals stay absent", async () => {
    const store = await openStore();
    const bare = device();
    store.upsertDevice(bare);
    assert.deepEqual(store.getDevice(bare.deviceId), bare);
    const full = device({
      label: "my laptop",
      displayName: "Laptop",
      platform: "darwin",
      deviceFamily: "Mac",
      roles: ["node", "operator"],
      approvedScopes: ["operator.admin", "operator.read"],
      lastSeenAtMs: NOW + 5,
      lastSeenIp: "127.0.0.1",
    });
    store.upsertDevice(full);
    assert.deepEqual(store.getDevice(full.deviceId), full);
    assert.deepEqual(store.listDevices(), [full]);
    assert.equal(store.getDevice("nope"), null);
  });

  it("rename sets and clears the label; touch records last seen, keeping the ip when none is given", async () => {
    const store = await openStore();
    const d = device();
    assert.equal(store.renameDevice(d.deviceId, "x"), false, "no such device");
    store.upsertDevice(d);
    assert.equal(store.renameDevice(d.deviceId, "  Office Mac  "), true);
    assert.equal(store.getDevice(d.deviceId)?.label, "Office Mac");
    store.renameDevice(d.deviceId, "");
    assert.equal(store.getDevice(d.deviceId)?.label, undefined);
    store.touchDevice(d.deviceId, "10.0.0.2", NOW + 1);
    store.touchDevice(d.deviceId, undefined, NOW + 2);
    const seen = store.getDevice(d.deviceId);
    assert.equal(seen?.lastSeenAtMs, NOW + 2);
    assert.equal(seen?.lastSeenIp, "10.0.0.2");
  });

  it("removeDevice deletes the device, its tokens and its pending requests", async () => {
    const store = await openStore();
    const d = device();
    store.upsertDevice(d);
    const { token } = store.issueToken(d.deviceId, "operator", ["operator.read"]);
    store.saveRequest(request(), NOW + 1000);
    store.saveRequest(request({ requestId: "other", deviceId: "e".repeat(64) }), NOW + 1000);
    assert.equal(store.removeDevice(d.deviceId), true);
    assert.equal(store.getDevice(d.deviceId), null);
    assert.deepEqual(store.tokenSummaries(d.deviceId), []);
    assert.equal(store.verifyToken(d.deviceId, "operator", token), null);
    assert.deepEqual(store.pendingRequests(NOW).map((r) => r.requestId), ["other"]);
    assert.equal(store.removeDevice(d.deviceId), false);
  });
});

describe("DeviceStore: pending requests", () => {
  it("save / get / by device / list / delete, filtering expired ones", async () => {
    const store = await openStore();
    const r1 = request();
    const r2 = request({ requestId: "r2", deviceId: "e".repeat(64), ts: NOW + 1, displayName: "Phone" });
    store.saveRequest(r1, NOW + 100);
    store.saveRequest(r2, NOW + 200);
    assert.deepEqual(store.pendingRequest("r1", NOW), r1);
    assert.deepEqual(store.pendingRequests(NOW), [r1, r2]);
    assert.deepEqual(store.pendingRequestsForDevice(r2.deviceId, NOW), [r2]);
    assert.equal(store.pendingRequest("r1", NOW + 100), null, "expired at expires_at");
    assert.deepEqual(store.pendingRequests(NOW + 150), [r2]);
    assert.equal(store.deleteExpiredRequests(NOW + 150), 1);
    assert.equal(store.pendingRequest("r1", NOW), null, "deleted, not just hidden");
    assert.equal(store.deleteRequest("r2"), true);
    assert.equal(store.deleteRequest("r2"), false);
    assert.deepEqual(store.pendingRequests(NOW), []);
  });

  it("saving the same requestId replaces its payload and expiry", async () => {
    const store = await openStore();
    store.saveRequest(request(), NOW + 100);
    const refreshed = request({ ts: NOW + 50, remoteIp: "127.0.0.1" });
    store.saveRequest(refreshed, NOW + 400);
    assert.deepEqual(store.pendingRequests(NOW + 300), [refreshed]);
  });
});

describe("DeviceStore: tokens", () => {
  it("issue returns a 43-character base64url token that verifies for its (device, role) only", async () => {
    const store = await openStore();
    const d = device();
    store.upsertDevice(d);
    const { token, issuedAtMs } = store.issueToken(d.deviceId, "operator", ["operator.read", "operator.write"], NOW);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(issuedAtMs, NOW);
    const summary = store.verifyToken(d.deviceId, "operator", token, NOW + 10);
    assert.deepEqual(summary, { role: "operator", scopes: ["operator.read", "operator.write"], createdAtMs: NOW, lastUsedAtMs: NOW + 10 });
    assert.equal(store.tokenSummaries(d.deviceId)[0].lastUsedAtMs, NOW + 10, "use recorded");
    assert.equal(store.verifyToken(d.deviceId, "node", token), null, "other role");
    assert.equal(store.verifyToken("e".repeat(64), "operator", token), null, "other device");
  });

  it("a wrong token is refused, whatever its length", async () => {
    const store = await openStore();
    const d = device();
    store.upsertDevice(d);
    const { token } = store.issueToken(d.deviceId, "operator", []);
    for (const wrong of ["", "x", token.slice(0, -1), `${token}x`, token.replace(/^./, (c) => (c === "A" ? "B" : "A"))]) {
      assert.equal(store.verifyToken(d.deviceId, "operator", wrong), null, wrong);
    }
  });

  it("a revoked token is refused and shows revokedAtMs; revoking twice reports nothing to revoke", async () => {
    const store = await openStore();
    const d = device();
    store.upsertDevice(d);
    const { token } = store.issueToken(d.deviceId, "operator", [], NOW);
    assert.equal(store.revokeToken(d.deviceId, "operator", NOW + 1), NOW + 1);
    assert.equal(store.verifyToken(d.deviceId, "operator", token), null);
    assert.equal(store.findDeviceByToken(token), null);
    assert.equal(store.tokenSummaries(d.deviceId)[0].revokedAtMs, NOW + 1);
    assert.equal(store.revokeToken(d.deviceId, "operator"), null);
  });

  it("re-issuing replaces the token: the old one is refused, created kept, rotated set, revocation cleared", async () => {
    const store = await openStore();
    const d = device();
    store.upsertDevice(d);
    const first = store.issueToken(d.deviceId, "operator", ["operator.read"], NOW);
    store.revokeToken(d.deviceId, "operator", NOW + 1);
    const second = store.issueToken(d.deviceId, "operator", ["operator.write"], NOW + 2);
    assert.notEqual(first.token, second.token);
    assert.equal(store.verifyToken(d.deviceId, "operator", first.token), null);
    assert.ok(store.verifyToken(d.deviceId, "operator", second.token, NOW + 3));
    assert.deepEqual(store.tokenSummaries(d.deviceId), [{ role: "operator", scopes: ["operator.write"], createdAtMs: NOW, rotatedAtMs: NOW + 2, lastUsedAtMs: NOW + 3 }]);
  });

  it("one token per role; summaries list them by role", async () => {
    const store = await openStore();
    const d = device({ roles: ["node", "operator"] });
    store.upsertDevice(d);
    const op = store.issueToken(d.deviceId, "operator", ["operator.read"], NOW);
    const node = store.issueToken(d.deviceId, "node", [], NOW);
    assert.deepEqual(store.tokenSummaries(d.deviceId).map((t) => t.role), ["node", "operator"]);
    assert.equal(store.verifyToken(d.deviceId, "operator", node.token), null, "the node token is not the operator token");
    assert.ok(store.verifyToken(d.deviceId, "node", node.token));
    assert.ok(store.verifyToken(d.deviceId, "operator", op.token));
  });

  it("findDeviceByToken finds the device and role of a live token", async () => {
    const store = await openStore();
    const a = device();
    const b = device({ deviceId: "e".repeat(64), publicKey: "pk-2", roles: ["node"], approvedScopes: [] });
    store.upsertDevice(a);
    store.upsertDevice(b);
    store.issueToken(a.deviceId, "operator", ["operator.read"], NOW);
    const { token } = store.issueToken(b.deviceId, "node", [], NOW);
    const found = store.findDeviceByToken(token);
    assert.equal(found?.device.deviceId, b.deviceId);
    assert.equal(found?.role, "node");
    assert.deepEqual(found?.token.scopes, []);
    assert.equal(store.findDeviceByToken("not-a-token"), null);
    store.removeDevice(b.deviceId);
    assert.equal(store.findDeviceByToken(token), null);
  });

  it("only hashes are at rest: the token string is nowhere in the database files", async () => {
    const dir = tempStateDir();
    const store = await openStore(dir);
    const d = device();
    store.upsertDevice(d);
    const tokens = [store.issueToken(d.deviceId, "operator", ["operator.read"]).token, store.issueToken(d.deviceId, "node", []).token];
    const path = stateDbPath(dir);
    const raw = () => [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("");
    // Before close (rows may still be in the WAL) and after (checkpointed into the main file).
    for (const phase of ["open", "closed"]) {
      const bytes = raw();
      for (const t of tokens) {
        assert.ok(!bytes.includes(t), `${phase}: token string found in the database files`);
        assert.ok(bytes.includes(hashDeviceToken(t)), `${phase}: the hash is what is stored`);
      }
      if (phase === "open") store.close();
    }
  });
});

describe("DeviceStore: transaction", () => {
  it("rolls back every write when the work throws", async () => {
    const store = await openStore();
    assert.throws(() =>
      store.transaction(() => {
        store.upsertDevice(device());
        store.saveRequest(request(), NOW + 100);
        throw new Error("boom");
      }),
    );
    assert.equal(store.getDevice("d".repeat(64)), null);
    assert.deepEqual(store.pendingRequests(NOW), []);
  });
});
