import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  LAST_SEEN_RESOLUTION_MS,
  PAIRING_REQUEST_TTL_MS,
  approveRequest,
  evaluateDevice,
  getPendingRequest,
  listPendingRequests,
  localAutoApproval,
  rejectRequest,
  removeDevice,
  requestPairing,
  revokeToken,
  rotateToken,
  type DeviceConnect,
  type LocalApprovalContext,
  type NewPairingRequest,
  type PairingError,
} from "./device-pairing.js";
import { DeviceStore } from "./device-store.js";
import type { PairedDevice, PairingReason } from "./types.js";

const dirs: string[] = [];
const open: DeviceStore[] = [];
after(() => {
  for (const s of open) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function openStore(): Promise<DeviceStore> {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-devpair-"));
  dirs.push(dir);
  const store = await DeviceStore.open(dir);
  open.push(store);
  return store;
}

const NOW = 1_760_000_000_000;
const ID = "a".repeat(64);
const KEY = "key-a";
const ADMIN = { scopes: new Set(["operator.admin"]) };

function ask(extra: Partial<NewPairingRequest> = {}): NewPairingRequest {
  return { deviceId: ID, publicKey: KEY, clientId: "cli", clientMode: "cli", platform: "linux", role: "operator", scopes: ["operator.read"], reason: "not-paired", ...extra };
}

function connect(extra: Partial<DeviceConnect> = {}): DeviceConnect {
  return { deviceId: ID, publicKey: KEY, role: "operator", scopes: ["operator.read"], metadata: { clientId: "cli", clientMode: "cli", platform: "linux" }, ...extra };
}

function ok<R extends object>(result: R): Exclude<R, { error: PairingError }> {
  if ("error" in result) assert.fail(`unexpected error: ${(result.error as PairingError).message}`);
  return result as Exclude<R, { error: PairingError }>;
}

/** Pairs ID with `request` fields through the real flow (request + admin approval). */
function pair(store: DeviceStore, extra: Partial<NewPairingRequest> = {}, now = NOW): PairedDevice {
  const { request } = requestPairing(store, ask(extra), now);
  return ok(approveRequest(store, request.requestId, ADMIN, now)).device;
}

describe("pending requests", () => {
  it("a new device gets one pending request with a uuid, ts, roles, and no isRepair", async () => {
    const store = await openStore();
    const { request, superseded } = requestPairing(store, ask({ remoteIp: "127.0.0.1", displayName: "box" }), NOW);
    assert.match(request.requestId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(superseded, []);
    assert.equal(request.ts, NOW);
    assert.equal(request.isRepair, false);
    assert.deepEqual(request.roles, ["operator"]);
    assert.equal(request.displayName, "box");
    assert.ok(!("browserOrigin" in request), "undefined fields are not stored");
    assert.deepEqual(listPendingRequests(store, NOW), [request]);
    assert.deepEqual(getPendingRequest(store, request.requestId, NOW), request);
  });

  it("a retry with the same role and scopes refreshes the request: same id, new ts, TTL restarted", async () => {
    const store = await openStore();
    const first = requestPairing(store, ask({ scopes: ["operator.read", "operator.write"] }), NOW).request;
    const later = NOW + PAIRING_REQUEST_TTL_MS - 1000;
    const again = requestPairing(store, ask({ scopes: ["operator.write", "operator.read"], remoteIp: "127.0.0.2" }), later);
    assert.equal(again.request.requestId, first.requestId);
    assert.deepEqual(again.superseded, []);
    assert.equal(again.request.ts, later);
    assert.equal(again.request.remoteIp, "127.0.0.2");
    assert.equal(listPendingRequests(store, NOW + PAIRING_REQUEST_TTL_MS + 1000).length, 1, "still pending past the first expiry");
    assert.equal(listPendingRequests(store, later + PAIRING_REQUEST_TTL_MS).length, 0, "expires TTL after the refresh");
  });

  it("a request with another role or scopes supersedes the old one, which is returned", async () => {
    const store = await openStore();
    const first = requestPairing(store, ask(), NOW).request;
    const wider = requestPairing(store, ask({ scopes: ["operator.read", "operator.write"] }), NOW + 1);
    assert.notEqual(wider.request.requestId, first.requestId);
    assert.deepEqual(wider.superseded, [first]);
    const node = requestPairing(store, ask({ role: "node", scopes: [] }), NOW + 2);
    assert.deepEqual(node.superseded, [wider.request]);
    assert.deepEqual(listPendingRequests(store, NOW + 2), [node.request], "one pending request per device");
    assert.equal(getPendingRequest(store, first.requestId, NOW + 2), null);
  });

  it("other devices' requests are left alone", async () => {
    const store = await openStore();
    const a = requestPairing(store, ask(), NOW).request;
    const b = requestPairing(store, ask({ deviceId: "b".repeat(64), publicKey: "key-b" }), NOW).request;
    assert.deepEqual(requestPairing(store, ask({ role: "node", scopes: [] }), NOW).superseded, [a]);
    assert.deepEqual(getPendingRequest(store, b.requestId, NOW), b);
  });

  it("requests expire TTL after their last refresh and are dropped on list/get; an expired one is not 'superseded'", async () => {
    const store = await openStore();
    const { request } = requestPairing(store, ask(), NOW);
    const expiry = NOW + PAIRING_REQUEST_TTL_MS;
    assert.deepEqual(getPendingRequest(store, request.requestId, expiry - 1), request);
    assert.equal(getPendingRequest(store, request.requestId, expiry), null);
    assert.deepEqual(listPendingRequests(store, expiry), []);
    assert.deepEqual(store.pendingRequests(NOW), [], "deleted from the table");
    requestPairing(store, ask(), NOW);
    const retried = requestPairing(store, ask(), expiry + 1);
    assert.deepEqual(retried.superseded, []);
    assert.notEqual(retried.request.requestId, request.requestId, "a new request after expiry");
    assert.ok("error" in approveRequest(store, request.requestId, ADMIN, expiry + 1));
  });

  it("isRepair when the device has a record", async () => {
    const store = await openStore();
    pair(store);
    const { request } = requestPairing(store, ask({ role: "node", scopes: [], reason: "role-upgrade" }), NOW + 1);
    assert.equal(request.isRepair, true);
  });
});

describe("approve / reject / remove", () => {
  it("approve creates the device from the request, deletes the request", async () => {
    const store = await openStore();
    const { request } = requestPairing(store, ask({ displayName: "Box", deviceFamily: "Desktop", remoteIp: "127.0.0.1" }), NOW);
    const result = ok(approveRequest(store, request.requestId, ADMIN, NOW + 5));
    assert.deepEqual(result.request, request);
    assert.deepEqual(result.device, {
      deviceId: ID,
      publicKey: KEY,
      displayName: "Box",
      platform: "linux",
      deviceFamily: "Desktop",
      clientId: "cli",
      clientMode: "cli",
      roles: ["operator"],
      approvedScopes: ["operator.read"],
      createdAtMs: NOW + 5,
      approvedAtMs: NOW + 5,
      lastSeenIp: "127.0.0.1",
    });
    assert.deepEqual(store.getDevice(ID), result.device);
    assert.deepEqual(listPendingRequests(store, NOW + 5), []);
    const again = connect({ metadata: { clientId: "cli", clientMode: "cli", platform: "linux", deviceFamily: "desktop" } });
    assert.equal(evaluateDevice(store, again, NOW + 6).kind, "approved");
  });

  it("approving an upgrade merges roles and scopes, keeps label and createdAt, re-pins metadata", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.read"] }, NOW);
    store.renameDevice(ID, "Desk");
    pair(store, { scopes: ["operator.write"], reason: "scope-upgrade" }, NOW + 1);
    const device = pair(store, { role: "node", scopes: [], platform: "Linux 6.9", deviceFamily: "server", reason: "role-upgrade" }, NOW + 2);
    assert.deepEqual(device.roles, ["node", "operator"]);
    assert.deepEqual(device.approvedScopes, ["operator.read", "operator.write"]);
    assert.equal(device.label, "Desk");
    assert.equal(device.createdAtMs, NOW);
    assert.equal(device.approvedAtMs, NOW + 2);
    assert.equal(device.platform, "Linux 6.9");
    assert.equal(device.deviceFamily, "server");
  });

  it("approving a request under a new public key replaces the old record and its tokens", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.admin"] });
    const { token } = store.issueToken(ID, "operator", ["operator.admin"]);
    const device = pair(store, { publicKey: "key-new", scopes: ["operator.read"] }, NOW + 1);
    assert.equal(device.publicKey, "key-new");
    assert.deepEqual(device.approvedScopes, ["operator.read"], "the old key's approvals are not carried over");
    assert.equal(device.createdAtMs, NOW + 1);
    assert.equal(store.verifyToken(ID, "operator", token), null);
  });

  it("an approver can only grant operator scopes it holds (write covers read; admin covers all)", async () => {
    const store = await openStore();
    const { request } = requestPairing(store, ask({ scopes: ["operator.read", "operator.approvals"] }), NOW);
    const refused = approveRequest(store, request.requestId, { scopes: new Set(["operator.pairing", "operator.write"]) }, NOW);
    assert.ok("error" in refused);
    assert.equal(refused.error.code, "missing-scope");
    assert.equal(refused.error.missingScope, "operator.approvals");
    assert.match(refused.error.message, /^missing scope: operator\.approvals/);
    assert.equal(store.getDevice(ID), null);
    assert.ok(getPendingRequest(store, request.requestId, NOW), "the request stays pending");
    ok(approveRequest(store, request.requestId, { scopes: new Set(["operator.pairing", "operator.write", "operator.approvals"]) }, NOW));
  });

  it("approving a node role needs admin", async () => {
    const store = await openStore();
    const { request } = requestPairing(store, ask({ role: "node", scopes: [] }), NOW);
    const refused = approveRequest(store, request.requestId, { scopes: new Set(["operator.pairing", "operator.write"]) }, NOW);
    assert.ok("error" in refused);
    assert.equal(refused.error.missingScope, "operator.admin");
    assert.match(refused.error.message, /role node/);
    const { device } = ok(approveRequest(store, request.requestId, { scopes: new Set(["operator.pairing", "operator.admin"]) }, NOW));
    assert.deepEqual(device.roles, ["node"]);
    assert.deepEqual(device.approvedScopes, [], "node scopes are not operator scopes");
  });

  it("approve / reject an unknown request", async () => {
    const store = await openStore();
    const a = approveRequest(store, "nope", ADMIN, NOW);
    const r = rejectRequest(store, "nope", NOW);
    assert.ok("error" in a && a.error.code === "unknown-request");
    assert.ok("error" in r && r.error.code === "unknown-request");
  });

  it("reject deletes the request and creates nothing", async () => {
    const store = await openStore();
    const { request } = requestPairing(store, ask(), NOW);
    assert.deepEqual(ok(rejectRequest(store, request.requestId, NOW)).request, request);
    assert.deepEqual(listPendingRequests(store, NOW), []);
    assert.equal(store.getDevice(ID), null);
  });

  it("remove deletes the device, its tokens and its pending requests", async () => {
    const store = await openStore();
    pair(store, { roles: ["operator", "node"] });
    const op = store.issueToken(ID, "operator", ["operator.read"]);
    const node = store.issueToken(ID, "node", []);
    const pending = requestPairing(store, ask({ scopes: ["operator.write"], reason: "scope-upgrade" }), NOW + 1).request;
    const removed = ok(removeDevice(store, ID, NOW + 2));
    assert.equal(removed.device.deviceId, ID);
    assert.deepEqual(removed.removedRequests, [pending]);
    assert.equal(store.getDevice(ID), null);
    assert.deepEqual(store.tokenSummaries(ID), []);
    assert.equal(store.verifyToken(ID, "operator", op.token), null);
    assert.equal(store.findDeviceByToken(node.token), null);
    assert.deepEqual(listPendingRequests(store, NOW + 2), []);
    assert.equal(evaluateDevice(store, connect(), NOW + 3).kind, "needs-approval");
    const again = removeDevice(store, ID);
    assert.ok("error" in again && again.error.code === "unknown-device");
  });
});

describe("evaluateDevice", () => {
  function reason(store: DeviceStore, c: Partial<DeviceConnect>): PairingReason | "approved" {
    const r = evaluateDevice(store, connect(c), NOW + 10);
    return r.kind === "approved" ? "approved" : r.reason;
  }

  it("not paired, or paired under another key → not-paired without `existing`", async () => {
    const store = await openStore();
    assert.deepEqual(evaluateDevice(store, connect(), NOW), { kind: "needs-approval", reason: "not-paired" });
    pair(store);
    assert.deepEqual(evaluateDevice(store, connect({ publicKey: "other-key" }), NOW), { kind: "needs-approval", reason: "not-paired" });
  });

  it("covered → approved, touching last seen", async () => {
    const store = await openStore();
    pair(store);
    const r = evaluateDevice(store, connect({ remoteIp: "127.0.0.9" }), NOW + 10);
    assert.equal(r.kind, "approved");
    assert.equal(r.kind === "approved" && r.device.lastSeenAtMs, NOW + 10);
    assert.equal(store.getDevice(ID)?.lastSeenAtMs, NOW + 10);
    assert.equal(store.getDevice(ID)?.lastSeenIp, "127.0.0.9");
  });

  it("a reconnect from the same address within the last-seen resolution writes nothing; a later one or a new address does", async () => {
    const store = await openStore();
    pair(store);
    evaluateDevice(store, connect({ remoteIp: "10.0.0.1" }), NOW + 10);
    evaluateDevice(store, connect({ remoteIp: "10.0.0.1" }), NOW + 10 + LAST_SEEN_RESOLUTION_MS - 1);
    assert.equal(store.getDevice(ID)?.lastSeenAtMs, NOW + 10, "not rewritten within the resolution");
    evaluateDevice(store, connect({ remoteIp: "10.0.0.2" }), NOW + 20);
    assert.equal(store.getDevice(ID)?.lastSeenIp, "10.0.0.2", "a new address is recorded at once");
    evaluateDevice(store, connect({ remoteIp: "10.0.0.2" }), NOW + 20 + LAST_SEEN_RESOLUTION_MS);
    assert.equal(store.getDevice(ID)?.lastSeenAtMs, NOW + 20 + LAST_SEEN_RESOLUTION_MS);
  });

  it("role not approved → role-upgrade with the existing record", async () => {
    const store = await openStore();
    const device = pair(store);
    const r = evaluateDevice(store, connect({ role: "node", scopes: [] }), NOW);
    assert.deepEqual(r, { kind: "needs-approval", reason: "role-upgrade", existing: device });
    assert.equal(store.getDevice(ID)?.lastSeenAtMs, undefined, "not touched");
  });

  it("operator scopes not covered → scope-upgrade, using the satisfaction rule", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.write"] });
    assert.equal(reason(store, { scopes: ["operator.read", "operator.sessions.read", "operator.talk"] }), "approved", "implied by write");
    assert.equal(reason(store, { scopes: [] }), "approved");
    assert.equal(reason(store, { scopes: ["operator.write", "operator.approvals"] }), "scope-upgrade");
    assert.equal(reason(store, { scopes: ["operator.admin"] }), "scope-upgrade");
  });

  it("admin covers every scope; node scopes are not checked", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.admin"] });
    assert.equal(reason(store, { scopes: ["operator.approvals", "operator.talk.secrets", "operator.pairing"] }), "approved");
    pair(store, { role: "node", scopes: [] }, NOW + 1);
    assert.equal(reason(store, { role: "node", scopes: ["operator.anything"] }), "approved");
  });

  it("pinned platform / deviceFamily: normalized compare, OS version bumps tolerated, changes → metadata-upgrade", async () => {
    const store = await openStore();
    pair(store, { platform: "macOS 15.1", deviceFamily: "Mac" });
    const meta = (platform?: string, deviceFamily?: string) => ({ metadata: { clientId: "cli", clientMode: "cli", platform, deviceFamily } });
    assert.equal(reason(store, meta("macOS 15.1", "Mac")), "approved");
    assert.equal(reason(store, meta("  MACOS 15.1 ", "mac ")), "approved", "trimmed, lowercased");
    assert.equal(reason(store, meta("macOS 15.2", "Mac")), "approved", "OS version bump");
    assert.equal(reason(store, meta("linux", "Mac")), "metadata-upgrade");
    assert.equal(reason(store, meta("macOS 15.1", "iPhone")), "metadata-upgrade");
    assert.equal(reason(store, meta("macOS 15.1", undefined)), "metadata-upgrade", "a pinned family went missing");
  });

  it("fields not pinned at approval are not checked; role and scope checks come first", async () => {
    const store = await openStore();
    pair(store, { platform: undefined });
    assert.equal(reason(store, { metadata: { clientId: "cli", clientMode: "cli", platform: "windows", deviceFamily: "pc" } }), "approved");
    const store2 = await openStore();
    pair(store2, { platform: "linux" });
    const r = evaluateDevice(store2, connect({ scopes: ["operator.write"], metadata: { clientId: "cli", clientMode: "cli", platform: "darwin" } }), NOW);
    assert.equal(r.kind === "needs-approval" && r.reason, "scope-upgrade");
  });
});

describe("tokens", () => {
  it("rotate issues a new token with the current token's scopes by default; the old one is refused", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.read", "operator.write"] });
    const first = store.issueToken(ID, "operator", ["operator.read"], NOW);
    const rotated = ok(rotateToken(store, ID, "operator", undefined, NOW + 1));
    assert.deepEqual(rotated.scopes, ["operator.read"]);
    assert.equal(rotated.rotatedAtMs, NOW + 1);
    assert.equal(store.verifyToken(ID, "operator", first.token), null, "old token refused");
    assert.deepEqual(store.verifyToken(ID, "operator", rotated.token, NOW + 2)?.scopes, ["operator.read"]);
    assert.equal(store.findDeviceByToken(rotated.token)?.device.deviceId, ID);
  });

  it("rotate with no token yet defaults to the approved scopes; explicit scopes must be approved", async () => {
    const store = await openStore();
    pair(store, { scopes: ["operator.write"] });
    assert.deepEqual(ok(rotateToken(store, ID, "operator", undefined, NOW)).scopes, ["operator.write"]);
    assert.deepEqual(ok(rotateToken(store, ID, "operator", ["operator.read"], NOW)).scopes, ["operator.read"], "implied by write");
    const wider = rotateToken(store, ID, "operator", ["operator.admin"], NOW);
    assert.ok("error" in wider && wider.error.code === "scope-not-approved");
  });

  it("rotate refuses an unknown device or an unapproved role; node tokens carry no scopes", async () => {
    const store = await openStore();
    const none = rotateToken(store, ID, "operator");
    assert.ok("error" in none && none.error.code === "unknown-device");
    pair(store);
    const role = rotateToken(store, ID, "node");
    assert.ok("error" in role && role.error.code === "role-not-approved");
    pair(store, { role: "node", scopes: [] }, NOW + 1);
    assert.deepEqual(ok(rotateToken(store, ID, "node", ["operator.admin"])).scopes, []);
  });

  it("revoke makes the token fail; revoking again or for an unknown device is an error", async () => {
    const store = await openStore();
    pair(store);
    const { token } = ok(rotateToken(store, ID, "operator", undefined, NOW));
    assert.deepEqual(ok(revokeToken(store, ID, "operator", NOW + 1)), { deviceId: ID, role: "operator", revokedAtMs: NOW + 1 });
    assert.equal(store.verifyToken(ID, "operator", token), null);
    const twice = revokeToken(store, ID, "operator");
    assert.ok("error" in twice && twice.error.code === "no-token");
    const unknown = revokeToken(store, "b".repeat(64), "operator");
    assert.ok("error" in unknown && unknown.error.code === "unknown-device");
  });
});

describe("localAutoApproval", () => {
  const base: LocalApprovalContext = {
    isLoopbackSocket: true,
    forwardedHeaders: false,
    sharedSecretOk: false,
    hostIsLoopbackOrPrivate: true,
    browserOriginNonUi: false,
    reason: "not-paired",
    authMethod: "token",
    autoApproveLocal: true,
    clientId: "cli",
  };
  const cases: Array<[string, Partial<LocalApprovalContext>, boolean]> = [
    ["direct local, not paired", {}, true],
    ["direct local, role upgrade", { reason: "role-upgrade" }, true],
    ["direct local, no shared secret, public Host header", { hostIsLoopbackOrPrivate: false }, true],
    ["shared-secret loopback local", { sharedSecretOk: true }, true],
    ["LAN peer", { isLoopbackSocket: false }, false],
    ["LAN peer with the shared secret and a private Host", { isLoopbackSocket: false, sharedSecretOk: true }, false],
    ["forwarded", { forwardedHeaders: true }, false],
    ["forwarded with the shared secret and a private Host", { forwardedHeaders: true, sharedSecretOk: true }, false],
    ["autoApproveLocal off", { autoApproveLocal: false }, false],
    ["browser origin, non-UI client", { browserOriginNonUi: true }, false],
    ["scope upgrade, auth none", { reason: "scope-upgrade", authMethod: "none" }, true],
    ["scope upgrade, auth token", { reason: "scope-upgrade", authMethod: "token" }, true],
    ["scope upgrade, auth password", { reason: "scope-upgrade", authMethod: "password" }, true],
    ["scope upgrade, device token", { reason: "scope-upgrade", authMethod: "device-token" }, false],
    ["scope upgrade, bootstrap token", { reason: "scope-upgrade", authMethod: "bootstrap-token" }, false],
    ["scope upgrade, trusted proxy", { reason: "scope-upgrade", authMethod: "trusted-proxy" }, false],
    ["metadata upgrade, CLI", { reason: "metadata-upgrade" }, true],
    ["metadata upgrade, macOS app", { reason: "metadata-upgrade", clientId: "openclaw-macos" }, true],
    ["metadata upgrade, node host", { reason: "metadata-upgrade", clientId: "node-host" }, true],
    ["metadata upgrade, Control UI", { reason: "metadata-upgrade", clientId: "openclaw-control-ui" }, false],
    ["metadata upgrade, gateway-client", { reason: "metadata-upgrade", clientId: "gateway-client" }, false],
    ["metadata upgrade, client unknown", { reason: "metadata-upgrade", clientId: undefined }, false],
    ["metadata upgrade, CLI but remote", { reason: "metadata-upgrade", isLoopbackSocket: false }, false],
  ];
  for (const [name, over, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      assert.equal(localAutoApproval({ ...base, ...over }), expected);
    });
  }
});
