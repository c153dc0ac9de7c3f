import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GatewayError } from "../protocol/errors.js";
import { tempStateStores } from "../store/test-helpers.js";
import { NODE_REQUEST_TTL_MS, NodeService } from "./node-service.js";
import { NodeStore } from "./node-store.js";
import type { NodeDeclaration, NodePairingRequest } from "./types.js";

const { tempStateDir } = tempStateStores("ocgw-nodesvc-", (dir) => NodeStore.open(dir));

type Frame = { event: string; payload: Record<string, unknown> };

// Invoke timers are unref'd; keep the process alive while a test waits for an invoke to settle.
const hold = setInterval(() => undefined, 60_000);
after(() => clearInterval(hold));

const services: NodeService[] = [];
after(() => {
  for (const s of services) s.close();
});

function service(dir = tempStateDir()) {
  const broadcasts: Frame[] = [];
  const svc = new NodeService(dir, { broadcast: (event, payload) => void broadcasts.push({ event, payload: payload as Record<string, unknown> }) });
  services.push(svc);
  const of = (event: string) => broadcasts.filter((b) => b.event === event).map((b) => b.payload);
  return { svc, dir, broadcasts, requested: () => of("node.pair.requested") as NodePairingRequest[], resolved: () => of("node.pair.resolved") };
}

/** A fake node socket. */
function socket() {
  const sent: Frame[] = [];
  return {
    sent,
    send: (event: string, payload: unknown) => void sent.push({ event, payload: payload as Record<string, unknown> }),
    requests: () => sent.filter((s) => s.event === "node.invoke.request").map((s) => s.payload),
  };
}

function decl(extra: Partial<NodeDeclaration> = {}): NodeDeclaration {
  return { nodeId: "node-1", clientId: "node-host", clientMode: "node", displayName: "Build box", platform: "linux", caps: ["system"], commands: ["system.run", "system.which"], ...extra };
}

const detailCode = (code: string) => (e: unknown) => e instanceof GatewayError && (e.shape.details as { code?: string } | undefined)?.code === code;

/** Connects an unpaired node and approves its surface; returns the socket. */
async function pairedAndConnected(svc: NodeService, d = decl(), connId = "conn-1") {
  const sock = socket();
  await svc.connected(d, connId, sock.send);
  const [request] = svc.listPending();
  assert.ok(request, "connect created a request");
  await svc.approve(request.requestId);
  return sock;
}

describe("NodeService: pairing requests", () => {
  it("an unpaired node gets one pending request and a node.pair.requested broadcast", async () => {
    const { svc, requested } = service();
    await svc.connected(decl({ remoteIp: "10.0.0.5" }), "conn-1", socket().send);
    const pending = svc.listPending();
    assert.equal(pending.length, 1);
    const [req] = pending;
    assert.equal(req.nodeId, "node-1");
    assert.deepEqual(req.commands, ["system.run", "system.which"]);
    assert.deepEqual(req.caps, ["system"]);
    assert.equal(req.displayName, "Build box");
    assert.equal(req.remoteIp, "10.0.0.5");
    assert.deepEqual(req.requiredApproveScopes, ["operator.pairing", "operator.admin"]);
    assert.deepEqual(requested(), [req]);
    assert.equal(svc.isConnected("node-1"), true);
    const store = await svc.store();
    assert.deepEqual(store.pendingRequests().map((e) => e.request), [req], "written through to the store");
    assert.equal(store.get("node-1"), null);
  });

  it("requiredApproveScopes: admin for system.run, write for ordinary commands, pairing only for none", async () => {
    const { svc, requested } = service();
    await svc.connected(decl({ nodeId: "n-run", commands: ["system.run"] }), "c1", socket().send);
    await svc.connected(decl({ nodeId: "n-camera", commands: ["camera.snap", "canvas.present"] }), "c2", socket().send);
    await svc.connected(decl({ nodeId: "n-none", commands: [], caps: [] }), "c3", socket().send);
    const scopes = new Map(requested().map((r) => [r.nodeId, r.requiredApproveScopes]));
    assert.deepEqual(scopes.get("n-run"), ["operator.pairing", "operator.admin"]);
    assert.deepEqual(scopes.get("n-camera"), ["operator.pairing", "operator.write"]);
    assert.deepEqual(scopes.get("n-none"), ["operator.pairing"]);
  });

  it("reconnecting with the same surface refreshes the request without a second broadcast", async () => {
    const { svc, requested } = service();
    const t0 = Date.now();
    await svc.connected(decl(), "conn-1", socket().send, {}, t0);
    const [first] = svc.listPending(t0);
    await svc.connected(decl({ commands: ["system.which", "system.run"] }), "conn-2", socket().send, {}, t0 + NODE_REQUEST_TTL_MS - 1);
    assert.equal(requested().length, 1);
    const pending = svc.listPending(t0 + NODE_REQUEST_TTL_MS + 1);
    assert.deepEqual(pending.map((r) => r.requestId), [first.requestId], "the retry kept it alive past its first expiry");
    const store = await svc.store();
    assert.equal(store.pendingRequests()[0].expiresAtMs, t0 + 2 * NODE_REQUEST_TTL_MS - 1, "the refreshed expiry is stored");
  });

  it("reconnecting with a different surface supersedes: old request resolved as rejected, new one requested", async () => {
    const { svc, requested, resolved } = service();
    await svc.connected(decl({ commands: ["camera.snap"] }), "conn-1", socket().send);
    const [old] = svc.listPending();
    const sock2 = socket();
    await svc.connected(decl({ commands: ["camera.snap", "system.run"] }), "conn-2", sock2.send);
    assert.equal(requested().length, 2);
    assert.equal(resolved().length, 1);
    assert.equal(resolved()[0].requestId, old.requestId);
    assert.equal(resolved()[0].decision, "rejected");
    assert.equal(resolved()[0].nodeId, "node-1");
    assert.ok(sock2.sent.some((f) => f.event === "node.pair.resolved" && f.payload.requestId === old.requestId), "the node hears it too");
    const pending = svc.listPending();
    assert.equal(pending.length, 1);
    assert.notEqual(pending[0].requestId, old.requestId);
    assert.deepEqual(pending[0].commands, ["camera.snap", "system.run"]);
    assert.deepEqual(pending[0].requiredApproveScopes, ["operator.pairing", "operator.admin"]);
    assert.equal(svc.getRequest(old.requestId), null);
    const store = await svc.store();
    assert.deepEqual(store.pendingRequests().map((e) => e.request.requestId), [pending[0].requestId]);
  });

  it("approve() stores the node; a later connect with a covered surface gets no request", async () => {
    const { svc, requested, resolved, broadcasts } = service();
    const sock = socket();
    await svc.connected(decl(), "conn-1", sock.send);
    const [req] = svc.listPending();
    const approved = await svc.approve(req.requestId);
    assert.equal(approved.requestId, req.requestId);
    assert.equal(approved.node.nodeId, "node-1");
    assert.deepEqual(approved.node.commands, ["system.run", "system.which"]);
    assert.deepEqual(resolved(), [{ requestId: req.requestId, nodeId: "node-1", decision: "approved", ts: resolved()[0].ts }]);
    assert.ok(broadcasts.some((b) => b.event === "node.runnerInventory.changed" && b.payload.nodeId === "node-1"));
    assert.ok(sock.sent.some((f) => f.event === "node.pair.resolved" && f.payload.decision === "approved"));
    assert.deepEqual(svc.listPending(), []);
    const store = await svc.store();
    assert.deepEqual(store.get("node-1")?.commands, ["system.run", "system.which"]);
    assert.deepEqual(store.pendingRequests(), []);

    svc.disconnected("node-1", "conn-1");
    await svc.connected(decl(), "conn-2", socket().send);
    await svc.connected(decl({ commands: ["system.which"] }), "conn-3", socket().send);
    assert.equal(requested().length, 1, "a covered surface (same or fewer commands) asks nothing");
    assert.deepEqual(svc.listPending(), []);
    assert.equal((await svc.describe("node-1"))?.approvalState, "approved");
  });

  it("a connect declaring more commands than approved asks again", async () => {
    const { svc, requested } = service();
    await pairedAndConnected(svc, decl({ commands: ["camera.snap"] }));
    svc.disconnected("node-1", "conn-1");
    await svc.connected(decl({ commands: ["camera.snap", "screen.record"] }), "conn-2", socket().send);
    assert.equal(requested().length, 2);
    const [upgrade] = svc.listPending();
    assert.deepEqual(upgrade.commands, ["camera.snap", "screen.record"]);
    assert.deepEqual(upgrade.requiredApproveScopes, ["operator.pairing", "operator.write"]);
    const view = await svc.describe("node-1");
    assert.deepEqual(view?.commands, ["camera.snap"], "only the approved part is usable meanwhile");
    assert.equal(view?.approvalState, "pending");
    const { node } = await svc.approve(upgrade.requestId);
    assert.deepEqual(node.commands, ["camera.snap", "screen.record"]);
  });

  it("a connect declaring a new cap asks again too", async () => {
    const { svc, requested } = service();
    await pairedAndConnected(svc, decl({ caps: ["camera"], commands: ["camera.snap"] }));
    await svc.connected(decl({ caps: ["camera", "screen"], commands: ["camera.snap"] }), "conn-2", socket().send);
    assert.equal(requested().length, 2);
  });

  it("reject() resolves the request as rejected and stores nothing", async () => {
    const { svc, resolved } = service();
    await svc.connected(decl(), "conn-1", socket().send);
    const [req] = svc.listPending();
    assert.deepEqual(await svc.reject(req.requestId), { requestId: req.requestId, nodeId: "node-1" });
    assert.equal(resolved().length, 1);
    assert.equal(resolved()[0].decision, "rejected");
    assert.deepEqual(svc.listPending(), []);
    const store = await svc.store();
    assert.equal(store.get("node-1"), null);
    assert.deepEqual(store.pendingRequests(), []);
    await assert.rejects(svc.reject(req.requestId), /unknown requestId/);
    await assert.rejects(svc.approve(req.requestId), /unknown requestId/);
  });

  it("a request expires NODE_REQUEST_TTL_MS after it was made", async () => {
    const { svc } = service();
    const t0 = Date.now();
    await svc.connected(decl(), "conn-1", socket().send, {}, t0);
    const [req] = svc.listPending(t0);
    assert.equal(svc.listPending(t0 + NODE_REQUEST_TTL_MS - 1).length, 1);
    assert.equal(svc.getRequest(req.requestId, t0 + NODE_REQUEST_TTL_MS - 1)?.requestId, req.requestId);
    assert.deepEqual(svc.listPending(t0 + NODE_REQUEST_TTL_MS), []);
    assert.equal(svc.getRequest(req.requestId, t0 + NODE_REQUEST_TTL_MS), null);
    await assert.rejects(svc.approve(req.requestId, t0 + NODE_REQUEST_TTL_MS), /unknown requestId/);
    const store = await svc.store();
    assert.deepEqual(store.pendingRequests(), [], "the expired request is deleted from the store");
  });

  it("a closed service is not reopened: its store and invokes answer that the gateway is restarting", async () => {
    const { svc } = service(tempStateDir());
    await svc.store();
    svc.close();
    await assert.rejects(svc.store(), /restarting/);
    await assert.rejects(svc.list(), /restarting/);
  });

  it("pending requests survive a restart and can be approved after it", async () => {
    const dir = tempStateDir();
    const first = service(dir);
    await first.svc.connected(decl(), "conn-1", socket().send);
    const [req] = first.svc.listPending();
    first.svc.close();

    const second = service(dir);
    await second.svc.store();
    assert.deepEqual(second.svc.listPending(), [req]);
    assert.equal(second.svc.isConnected("node-1"), false);
    assert.equal((await second.svc.describe("node-1")) === null, true, "not paired, not connected");
    const { node } = await second.svc.approve(req.requestId);
    assert.deepEqual(node.commands, ["system.run", "system.which"]);
    assert.equal(second.resolved()[0].decision, "approved");
    assert.deepEqual(second.svc.listPending(), []);
    const store = await second.svc.store();
    assert.deepEqual(store.get("node-1")?.commands, ["system.run", "system.which"]);
    assert.deepEqual(store.pendingRequests(), []);
  });

  it("remove() drops the node and its pending request", async () => {
    const { svc } = service();
    await pairedAndConnected(svc, decl({ commands: ["camera.snap"] }));
    await svc.connected(decl({ commands: ["camera.snap", "screen.record"] }), "conn-2", socket().send);
    assert.equal(svc.listPending().length, 1);
    const store = await svc.store();
    store.work.enqueue("node-1", { type: "status.request" });
    assert.deepEqual(await svc.remove("node-1"), { nodeId: "node-1", removed: true });
    assert.equal(store.get("node-1"), null);
    assert.deepEqual(svc.listPending(), []);
    assert.deepEqual(store.pendingRequests(), []);
    assert.deepEqual(store.work.list("node-1"), [], "its queued work goes too");
    await assert.rejects(svc.invoke({ nodeId: "node-1", command: "camera.snap", idempotencyKey: "k" }), detailCode("COMMAND_NOT_APPROVED"));
  });

  it("remove() of a node that is only pending drops the request; of an unknown node throws", async () => {
    const { svc } = service();
    await svc.connected(decl(), "conn-1", socket().send);
    assert.deepEqual(await svc.remove("node-1"), { nodeId: "node-1", removed: false });
    assert.deepEqual(svc.listPending(), []);
    await assert.rejects(svc.remove("nobody"), /unknown nodeId/);
  });
});

describe("NodeService: invoke", () => {
  it("refuses a command the node did not declare", async () => {
    const { svc } = service();
    await pairedAndConnected(svc);
    await assert.rejects(svc.invoke({ nodeId: "node-1", command: "camera.snap", idempotencyKey: "k" }), detailCode("COMMAND_NOT_DECLARED"));
  });

  it("refuses a declared command that is not approved, naming the pending request", async () => {
    const { svc } = service();
    const sock = socket();
    await svc.connected(decl(), "conn-1", sock.send);
    const [req] = svc.listPending();
    await assert.rejects(svc.invoke({ nodeId: "node-1", command: "system.run", params: { command: ["true"] }, idempotencyKey: "k" }), (e: unknown) => {
      assert.ok(detailCode("COMMAND_NOT_APPROVED")(e));
      assert.equal(((e as GatewayError).shape.details as Record<string, unknown>).requestId, req.requestId);
      return true;
    });
    assert.deepEqual(sock.requests(), [], "nothing was sent to the node");
  });

  it("refuses a paired node that is not connected, and an unknown node", async () => {
    const { svc } = service();
    await pairedAndConnected(svc);
    svc.disconnected("node-1", "conn-1");
    assert.equal(svc.isConnected("node-1"), false);
    await assert.rejects(svc.invoke({ nodeId: "node-1", command: "system.which", idempotencyKey: "k" }), detailCode("NOT_CONNECTED"));
    await assert.rejects(svc.invoke({ nodeId: "ghost", command: "system.which", idempotencyKey: "k" }), detailCode("NODE_NOT_FOUND"));
  });

  it("round trip: the request goes to the node's socket and its result answers the call", async () => {
    const { svc } = service();
    const sock = await pairedAndConnected(svc);
    const chunks: string[] = [];
    const call = svc.invoke({ nodeId: "node-1", command: "system.which", params: { bins: ["git"] }, timeoutMs: 2_000, idempotencyKey: "which-1", sessionKey: "agent:main:main", onProgress: (c) => chunks.push(c) });
    let req: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && !req; i++) {
      await new Promise((r) => setImmediate(r));
      req = sock.requests()[0];
    }
    assert.ok(req, "node.invoke.request reached the node");
    assert.equal(req.nodeId, "node-1");
    assert.equal(req.command, "system.which");
    assert.equal(req.paramsJSON, JSON.stringify({ bins: ["git"] }));
    assert.equal(req.timeoutMs, 2_000);
    assert.equal(req.idempotencyKey, "which-1");
    assert.equal(req.sessionKey, "agent:main:main");
    assert.equal(svc.progress("node-1", { invokeId: req.id as string, seq: 0, chunk: "looking" }), true);
    assert.equal(svc.result("other-node", { id: req.id as string, ok: true, payload: "forged" }), false);
    assert.equal(svc.result("node-1", { id: req.id as string, ok: true, payload: { bins: { git: "/usr/bin/git" } } }), true);
    const answer = await call;
    assert.deepEqual(answer.payload, { bins: { git: "/usr/bin/git" } });
    assert.equal(answer.payloadJSON, JSON.stringify({ bins: { git: "/usr/bin/git" } }));
    assert.deepEqual(chunks, ["looking"]);
  });

  it("disconnected() fails in-flight invokes with NODE_DISCONNECTED; a stale connection id changes nothing", async () => {
    const { svc } = service();
    const sock = await pairedAndConnected(svc);
    const call = svc.invoke({ nodeId: "node-1", command: "system.run", params: { command: ["sleep", "5"] }, timeoutMs: 1_000, idempotencyKey: "run-1" });
    let settled = false;
    call.catch(() => undefined).finally(() => (settled = true));
    for (let i = 0; i < 20 && sock.requests().length === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(sock.requests().length, 1);
    svc.disconnected("node-1", "some-older-conn");
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, "a stale connection's close does not fail the invoke");
    assert.equal(svc.isConnected("node-1"), true);
    svc.disconnected("node-1", "conn-1");
    await assert.rejects(call, (e: unknown) => {
      assert.ok(detailCode("NODE_DISCONNECTED")(e));
      assert.equal((e as GatewayError).shape.retryable, true);
      return true;
    });
    assert.equal(svc.isConnected("node-1"), false);
  });
});
