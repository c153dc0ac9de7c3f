import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempStateStores } from "../store/test-helpers.js";
import { NodeStore } from "./node-store.js";
import type { NodePairingRequest } from "./types.js";

const { tempStateDir, open: openStore } = tempStateStores("ocgw-nodestore-", (dir) => NodeStore.open(dir));

const NOW = 1_760_000_000_000;

function request(extra: Partial<NodePairingRequest> = {}): NodePairingRequest {
  return {
    requestId: "req-1",
    nodeId: "node-1",
    clientId: "node-host",
    clientMode: "node",
    displayName: "Build box",
    caps: ["system"],
    commands: ["system.run", "system.which"],
    requiredApproveScopes: ["operator.pairing", "operator.admin"],
    ts: NOW,
    ...extra,
  };
}

describe("NodeStore: pairing requests", () => {
  it("putRequest / pendingRequests / deleteRequest round trip", async () => {
    const store = await openStore();
    assert.deepEqual(store.pendingRequests(), []);
    const r1 = request();
    const r2 = request({ requestId: "req-2", nodeId: "node-2", commands: [], requiredApproveScopes: ["operator.pairing"] });
    store.putRequest(r1, NOW + 300_000);
    store.putRequest(r2, NOW + 400_000);
    const byId = new Map(store.pendingRequests().map((e) => [e.request.requestId, e]));
    assert.equal(byId.size, 2);
    assert.deepEqual(byId.get("req-1"), { request: r1, expiresAtMs: NOW + 300_000 });
    assert.deepEqual(byId.get("req-2"), { request: r2, expiresAtMs: NOW + 400_000 });
    store.deleteRequest("req-1");
    assert.deepEqual(store.pendingRequests(), [{ request: r2, expiresAtMs: NOW + 400_000 }]);
    store.deleteRequest("req-unknown");
    assert.equal(store.pendingRequests().length, 1);
  });

  it("putRequest again with the same requestId updates its expiry", async () => {
    const store = await openStore();
    store.putRequest(request(), NOW + 1);
    store.putRequest(request(), NOW + 2);
    assert.deepEqual(store.pendingRequests(), [{ request: request(), expiresAtMs: NOW + 2 }]);
  });

  it("a second request for the same nodeId replaces the first", async () => {
    const store = await openStore();
    store.putRequest(request(), NOW + 1);
    store.putRequest(request({ requestId: "other-node", nodeId: "node-2" }), NOW + 1);
    const replacement = request({ requestId: "req-1b", commands: ["system.run", "system.which", "camera.snap"] });
    store.putRequest(replacement, NOW + 5);
    const entries = store.pendingRequests().sort((a, b) => a.request.requestId.localeCompare(b.request.requestId));
    assert.deepEqual(entries.map((e) => e.request.requestId), ["other-node", "req-1b"]);
    assert.deepEqual(entries[1], { request: replacement, expiresAtMs: NOW + 5 });
  });

  it("pending requests survive closing and reopening the store", async () => {
    const dir = tempStateDir();
    const store = await openStore(dir);
    store.putRequest(request(), NOW + 1);
    store.close();
    const reopened = await openStore(dir);
    assert.deepEqual(reopened.pendingRequests(), [{ request: request(), expiresAtMs: NOW + 1 }]);
  });
});
