/**
 * Nodes (protocol §6.3 second layer, §7.4): a fake node host connects with a signed device (the
 * device is approved silently on loopback), its capability surface waits for an operator, and
 * once approved its commands can be invoked: request event → node.invoke.result → operator
 * answer; undeclared commands, timeouts (node.invoke.cancel) and node disconnects fail the call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newDeviceKey, signConnect, type DeviceKey } from "../devices/device-keys.js";
import { cleanEnv, dump, runOpenclaw } from "./process-harness.js";
import { ADMIN_SCOPES, TEST_TOKEN, connectParams, openClient, sendConnect, startFileGateway, type Frame, type TestClient } from "./harness.js";

const gw = await startFileGateway();
const NODE_COMMANDS = ["camera.snap", "echo.say", "system.which"];

type NodeOptions = { commands?: string[]; caps?: string[]; displayName?: string; token?: string };

/** Connects like the official node host: role node, no scopes, caps/commands/pathEnv, v3 signature. */
async function nodeConnect(key: DeviceKey, opts: NodeOptions = {}): Promise<{ client: TestClient; res: Frame }> {
  const client = await openClient(gw.url);
  const nonce = client.frames.find((f) => f.event === "connect.challenge")!.payload.nonce;
  const token = opts.token ?? TEST_TOKEN;
  const params = connectParams({
    client: { id: "node-host", mode: "node", displayName: opts.displayName ?? "test-node", platform: "linux", deviceFamily: "Linux" },
    role: "node",
    scopes: [],
    caps: opts.caps ?? ["system"],
    commands: opts.commands ?? NODE_COMMANDS,
    pathEnv: "/usr/bin:/bin",
    auth: { token },
  }) as Record<string, any>;
  const device = signConnect(key, {
    nonce,
    connect: { clientId: "node-host", clientMode: "node", role: "node", scopes: [], token, platform: "linux", deviceFamily: "Linux" },
  });
  const res = await sendConnect(client, { ...params, device });
  return { client, res };
}

async function operator(scopes: string[]): Promise<TestClient> {
  const client = await openClient(gw.url);
  const res = await sendConnect(client, connectParams({ scopes, client: { id: "gateway-client", mode: "backend" } }));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

/** A node whose surface has been approved, plus an admin operator. */
async function approvedNode(commands = NODE_COMMANDS): Promise<{ key: DeviceKey; node: TestClient; op: TestClient }> {
  const op = await operator([...ADMIN_SCOPES, "operator.pairing"]);
  const key = newDeviceKey();
  const { client: node, res } = await nodeConnect(key, { commands });
  assert.equal(res.ok, true, JSON.stringify(res.error));
  const requested = await op.waitFor((f) => f.event === "node.pair.requested" && f.payload.nodeId === key.deviceId);
  const approved = await op.request("node.pair.approve", { requestId: requested.payload.requestId });
  assert.equal(approved.ok, true, JSON.stringify(approved.error));
  return { key, node, op };
}

/** Answers every node.invoke.request with `answer(request)` (null: stay silent). */
function serve(node: TestClient, answer: (req: any) => Record<string, unknown> | null): void {
  let from = 0;
  const loop = async () => {
    for (;;) {
      let frame: Frame;
      try {
        frame = await node.waitFor((f) => f.event === "node.invoke.request", { from, timeoutMs: 60_000 });
      } catch {
        return;
      }
      from = node.frames.indexOf(frame) + 1;
      const result = answer(frame.payload);
      if (result) node.sendRequest("node.invoke.result", { id: frame.payload.id, nodeId: frame.payload.nodeId, ...result });
    }
  };
  void loop();
}

test("a local node is device-approved silently, waits for capability approval, then is listed with its commands", async () => {
  const op = await operator([...ADMIN_SCOPES, "operator.pairing"]);
  const reader = await operator(["operator.read"]);
  const key = newDeviceKey();
  const { client: node, res } = await nodeConnect(key);
  assert.equal(res.ok, true, JSON.stringify(res.error));
  assert.equal(res.payload.auth.role, "node");
  assert.deepEqual(res.payload.auth.scopes, []);
  assert.match(res.payload.auth.deviceToken, /^[A-Za-z0-9_-]{43}$/);

  const requested = await op.waitFor((f) => f.event === "node.pair.requested" && f.payload.nodeId === key.deviceId);
  const { requestId } = requested.payload;
  assert.deepEqual(requested.payload.commands, NODE_COMMANDS);
  assert.deepEqual(requested.payload.requiredApproveScopes, ["operator.pairing", "operator.admin"]);
  assert.equal(requested.payload.clientId, "node-host");
  assert.equal(reader.events("node.pair.requested").length, 0, "pairing events need operator.pairing");

  // Until approved: the trace's UNAVAILABLE for runnerInventory, the rest is accepted.
  const inventory = await node.request("node.runnerInventory.update", { protocolFeatures: ["node-worker-supervisor-v6"], workerHost: { enabled: false } });
  assert.equal(inventory.ok, false);
  assert.equal(inventory.error.code, "UNAVAILABLE");
  assert.match(inventory.error.message, new RegExp(`awaiting operator approval; run \`openclaw nodes approve ${requestId}\``));
  assert.deepEqual((await node.request("node.skills.update", { skills: [] })).payload, { nodeId: key.deviceId, skills: [] });
  assert.deepEqual((await node.request("node.pluginTools.update", { tools: [] })).payload, { nodeId: key.deviceId, tools: [] });
  const ev = await node.request("node.event", { event: "node.presence.alive", payloadJSON: JSON.stringify({ trigger: "connect", sentAtMs: Date.now() }) });
  assert.deepEqual(ev.payload, { ok: true, event: "node.presence.alive", handled: true });
  assert.deepEqual((await node.request("node.pending.pull", {})).payload, { nodeId: key.deviceId, actions: [] }, "nothing queued yet");
  assert.equal((await node.request("node.pending.drain", {})).payload.hasMore, false);
  assert.equal((await node.request("skills.bins", {})).ok, true);
  assert.equal((await node.request("health", {})).ok, true, "health is open to nodes");
  const operatorOnly = await node.request("node.list", {});
  assert.equal(operatorOnly.ok, false);
  assert.match(operatorOnly.error.message, /unauthorized role: node/);

  const before = await reader.call("node.list", {});
  const pendingEntry = before.nodes.find((n: any) => n.nodeId === key.deviceId);
  assert.equal(pendingEntry.connected, true);
  assert.equal(pendingEntry.paired, false);
  assert.equal(pendingEntry.approvalState, "pending");
  assert.deepEqual(pendingEntry.commands, [], "unapproved commands are filtered out");
  const pairList = await op.call("node.pair.list", {});
  assert.ok(pairList.pending.some((p: any) => p.requestId === requestId));

  // A pairing-only operator cannot approve a surface with system.which.
  const pairingOnly = await operator(["operator.pairing"]);
  const denied = await pairingOnly.request("node.pair.approve", { requestId });
  assert.equal(denied.ok, false);
  assert.equal(denied.error.details.missingScope, "operator.admin");

  const approved = await op.call("node.pair.approve", { requestId });
  assert.equal(approved.requestId, requestId);
  assert.equal(approved.node.nodeId, key.deviceId);
  assert.deepEqual(approved.node.commands, NODE_COMMANDS);
  const resolved = await node.waitForEvent("node.pair.resolved");
  assert.equal(resolved.payload.decision, "approved");
  assert.equal(resolved.seq, undefined, "sent straight to the node");
  await op.waitFor((f) => f.event === "node.pair.resolved" && f.payload.requestId === requestId);

  assert.deepEqual((await node.request("node.runnerInventory.update", {})).payload, { nodeId: key.deviceId });
  const after = await reader.call("node.list", {});
  const entry = after.nodes.find((n: any) => n.nodeId === key.deviceId);
  assert.equal(entry.approvalState, "approved");
  assert.equal(entry.paired, true);
  assert.equal(entry.connected, true);
  assert.deepEqual(entry.commands, NODE_COMMANDS);
  assert.equal(entry.pathEnv, "/usr/bin:/bin");
  assert.ok(entry.connectedAtMs > 0 && entry.approvedAtMs > 0);
  const described = await reader.call("node.describe", { nodeId: key.deviceId });
  assert.equal(described.displayName, "test-node");
  assert.ok(described.ts > 0);

  const presence = await reader.call("system-presence", {});
  const mine = presence.find((p: any) => p.deviceId === key.deviceId);
  assert.ok(mine, "the node has a presence entry keyed by its device");
  assert.deepEqual(mine.roles, ["node"]);
  assert.equal(mine.mode, "node");

  // Reconnecting with the same surface (and the issued device token) needs no new approval.
  await node.close();
  const again = await nodeConnect(key, { token: res.payload.auth.deviceToken });
  assert.equal(again.res.ok, true, JSON.stringify(again.res.error));
  assert.deepEqual((await again.client.request("node.runnerInventory.update", {})).payload, { nodeId: key.deviceId });
  // A widened surface asks again; its old commands stay usable meanwhile.
  await again.client.close();
  const wider = await nodeConnect(key, { commands: [...NODE_COMMANDS, "screen.record"] });
  const rerequest = await op.waitFor((f) => f.event === "node.pair.requested" && f.payload.nodeId === key.deviceId && f.payload.commands.includes("screen.record"));
  assert.notEqual(rerequest.payload.requestId, requestId);
  const widened = (await reader.call("node.describe", { nodeId: key.deviceId }));
  assert.equal(widened.approvalState, "pending");
  assert.deepEqual(widened.commands, NODE_COMMANDS);
  const rejected = await op.call("node.pair.reject", { requestId: rerequest.payload.requestId });
  assert.equal(rejected.nodeId, key.deviceId);
  await wider.client.close();
});

test("a node without a device identity is refused", async () => {
  const client = await openClient(gw.url);
  const res = await sendConnect(client, connectParams({ client: { id: "node-host", mode: "node" }, role: "node", scopes: [], commands: ["echo.say"] }));
  assert.equal(res.ok, false);
  assert.equal(res.error.details.code, "DEVICE_IDENTITY_REQUIRED");
});

test("node.invoke round-trips through the node; undeclared commands are refused", async () => {
  const { key, node } = await approvedNode();
  const writer = await operator(["operator.write"]);
  serve(node, (req) => (req.command === "echo.say" ? { ok: true, payloadJSON: JSON.stringify({ said: JSON.parse(req.paramsJSON).text }) } : { ok: false, error: { code: "UNSUPPORTED", message: "nope" } }));

  const res = await writer.request("node.invoke", { nodeId: key.deviceId, command: "echo.say", params: { text: "hi" }, idempotencyKey: "k1", timeoutMs: 5000 });
  assert.equal(res.ok, true, JSON.stringify(res.error));
  assert.deepEqual(res.payload, { ok: true, nodeId: key.deviceId, command: "echo.say", payload: { said: "hi" }, payloadJSON: '{"said":"hi"}' });
  const request = node.events("node.invoke.request")[0];
  assert.equal(request.seq, undefined);
  assert.equal(request.payload.paramsJSON, '{"text":"hi"}');
  assert.equal(request.payload.timeoutMs, 5000);
  assert.equal(request.payload.idempotencyKey, "k1");

  const failed = await writer.request("node.invoke", { nodeId: key.deviceId, command: "camera.snap", idempotencyKey: "k2" });
  assert.equal(failed.ok, false);
  assert.equal(failed.error.message, "nope");

  const undeclared = await writer.request("node.invoke", { nodeId: key.deviceId, command: "screen.record", idempotencyKey: "k3" });
  assert.equal(undeclared.ok, false);
  assert.equal(undeclared.error.code, "INVALID_REQUEST");
  assert.equal(undeclared.error.details.code, "COMMAND_NOT_DECLARED");

  const reader = await operator(["operator.read"]);
  const noWrite = await reader.request("node.invoke", { nodeId: key.deviceId, command: "echo.say", idempotencyKey: "k4" });
  assert.equal(noWrite.error.details.missingScope, "operator.write");
  const adminOnly = await writer.request("node.invoke", { nodeId: key.deviceId, command: "fs.listDir", idempotencyKey: "k5" });
  assert.equal(adminOnly.error.details.missingScope, "operator.admin");
  const unknown = await writer.request("node.invoke", { nodeId: "f".repeat(64), command: "echo.say", idempotencyKey: "k6" });
  assert.equal(unknown.ok, false);
});

test("an unapproved node's commands cannot be invoked", async () => {
  const key = newDeviceKey();
  const { client: node, res } = await nodeConnect(key, { commands: ["echo.say"] });
  assert.equal(res.ok, true);
  const writer = await operator(["operator.write"]);
  const refused = await writer.request("node.invoke", { nodeId: key.deviceId, command: "echo.say", idempotencyKey: "u1" });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.details.code, "COMMAND_NOT_APPROVED");
  assert.equal(node.events("node.invoke.request").length, 0);
});

test("a timed-out invoke errors and sends node.invoke.cancel to the node", async () => {
  const { key, node } = await approvedNode(["echo.say"]);
  const writer = await operator(["operator.write"]);
  const started = Date.now();
  const res = await writer.request("node.invoke", { nodeId: key.deviceId, command: "echo.say", idempotencyKey: "t1", timeoutMs: 300 });
  assert.equal(res.ok, false);
  assert.equal(res.error.details.code, "TIMEOUT");
  assert.ok(Date.now() - started >= 250);
  const request = await node.waitForEvent("node.invoke.request");
  const cancel = await node.waitForEvent("node.invoke.cancel");
  assert.deepEqual(cancel.payload, { invokeId: request.payload.id, nodeId: key.deviceId });
  // A late answer is accepted and ignored.
  const late = await node.request("node.invoke.result", { id: request.payload.id, nodeId: key.deviceId, ok: true, payloadJSON: "{}" });
  assert.equal(late.ok, true);
});

test("the node disconnecting fails a pending invoke; the caller disconnecting cancels it", async () => {
  const { key, node } = await approvedNode(["echo.say"]);
  const writer = await operator(["operator.write"]);
  const id = writer.sendRequest("node.invoke", { nodeId: key.deviceId, command: "echo.say", idempotencyKey: "d1", timeoutMs: 10_000 });
  await node.waitForEvent("node.invoke.request");
  await node.close();
  const res = await writer.waitForResponse(id);
  assert.equal(res.ok, false);
  assert.equal(res.error.code, "UNAVAILABLE");
  assert.equal(res.error.details.code, "NODE_DISCONNECTED");
  const described = await writer.request("node.invoke", { nodeId: key.deviceId, command: "echo.say", idempotencyKey: "d2" });
  assert.equal(described.error.details.code, "NOT_CONNECTED");

  const second = await approvedNode(["echo.say"]);
  const caller = await operator(["operator.write"]);
  caller.sendRequest("node.invoke", { nodeId: second.key.deviceId, command: "echo.say", idempotencyKey: "d3", timeoutMs: 10_000 });
  const req = await second.node.waitForEvent("node.invoke.request");
  await caller.close();
  const cancel = await second.node.waitForEvent("node.invoke.cancel");
  assert.equal(cancel.payload.invokeId, req.payload.id);
});

test("the CLI shows pending nodes, approves, describes, renames and invokes", async () => {
  const key = newDeviceKey();
  const { client: node, res } = await nodeConnect(key, { commands: ["echo.say", "system.which"], displayName: "cli-node" });
  assert.equal(res.ok, true);
  serve(node, (req) => ({ ok: true, payload: { bins: JSON.parse(req.paramsJSON ?? "{}").bins ?? [] } }));
  const env = cleanEnv();
  const cli = (...args: string[]) => runOpenclaw([...args, "--url", gw.url, "--token", TEST_TOKEN], env);
  const op = await operator([...ADMIN_SCOPES, "operator.pairing"]);
  const list = await op.call("node.pair.list", {});
  const requestId = list.pending.find((p: any) => p.nodeId === key.deviceId).requestId;

  const pending = await cli("nodes", "pending");
  assert.equal(pending.code, 0, dump(pending));
  assert.match(pending.stdout, new RegExp(`${requestId}\\s+cli-node`));
  const approved = await cli("nodes", "approve", requestId);
  assert.equal(approved.code, 0, dump(approved));
  assert.match(approved.stdout, /Approved cli-node/);
  const status = await cli("nodes", "status");
  assert.equal(status.code, 0, dump(status));
  assert.match(status.stdout, /cli-node \(linux\)\s+connected/);
  const described = await cli("nodes", "describe", key.deviceId, "--json");
  assert.equal(described.code, 0, dump(described));
  assert.deepEqual(JSON.parse(described.stdout).commands, ["echo.say", "system.which"]);
  const invoked = await cli("nodes", "invoke", "--node", key.deviceId, "--command", "system.which", "--params", '{"bins":["sh"]}', "--json");
  assert.equal(invoked.code, 0, dump(invoked));
  assert.deepEqual(JSON.parse(invoked.stdout).payload, { bins: ["sh"] });
  const renamed = await cli("nodes", "rename", "--node", key.deviceId, "--name", "Renamed");
  assert.equal(renamed.code, 0, dump(renamed));
  assert.equal((await op.call("node.describe", { nodeId: key.deviceId })).displayName, "Renamed");
  await node.close();
});

test("work queued for a node (node.pending.enqueue) is coalesced per type and handed over by drain, pull and ack", async () => {
  const { key, node, op } = await approvedNode();
  const writer = await operator(["operator.write"]);
  const first = await writer.call("node.pending.enqueue", { nodeId: key.deviceId, type: "status.request" });
  assert.equal(first.wakeTriggered, false);
  assert.equal(first.queued.priority, "default");
  const again = await writer.call("node.pending.enqueue", { nodeId: key.deviceId, type: "status.request", priority: "high" });
  assert.equal(again.queued.id, first.queued.id, "the same kind of work waits once");
  assert.equal(again.queued.priority, "high");
  assert.ok(again.revision > first.revision);
  await writer.call("node.pending.enqueue", { nodeId: key.deviceId, type: "location.request", expiresInMs: 60_000 });
  const unknown = await writer.request("node.pending.enqueue", { nodeId: "no-such-node", type: "status.request" });
  assert.equal(unknown.ok, false);
  assert.equal(unknown.error.details.code, "NODE_NOT_FOUND");
  const bad = await writer.request("node.pending.enqueue", { nodeId: key.deviceId, type: "camera.snap" });
  assert.equal(bad.ok, false, "only the documented work types");

  const pulled = await node.call("node.pending.pull", {});
  assert.deepEqual(pulled.actions.map((a: any) => a.command), ["status.request", "location.request"]);
  const drained = await node.call("node.pending.drain", { maxItems: 1 });
  assert.deepEqual(drained.items.map((i: any) => i.type), ["status.request"], "most urgent first");
  assert.equal(drained.hasMore, true);
  const acked = await node.call("node.pending.ack", { ids: [pulled.actions[1].id, "not-mine"] });
  assert.deepEqual(acked.ackedIds, [pulled.actions[1].id]);
  assert.equal(acked.remainingCount, 0);
  assert.equal((await node.call("node.pending.drain", {})).items.length, 0);
  await op.close();
});

test("node.invoke with a repeated idempotency key reaches the node once; progress is accepted only from the invoked node", async () => {
  const { key, node, op } = await approvedNode();
  let requests = 0;
  const answers: Array<() => void> = [];
  serve(node, (req) => {
    requests += 1;
    answers.push(() => node.sendRequest("node.invoke.result", { id: req.id, nodeId: req.nodeId, ok: true, payload: { said: "once" } }));
    return null;
  });
  const call = { nodeId: key.deviceId, command: "echo.say", params: {}, idempotencyKey: "same-key" };
  const a = op.request("node.invoke", call);
  const b = op.request("node.invoke", call);
  const req = await node.waitFor((f) => f.event === "node.invoke.request");
  const progress = await node.request("node.invoke.progress", { invokeId: req.payload.id, nodeId: key.deviceId, seq: 0, chunk: "working" });
  assert.deepEqual(progress.payload, { ok: true });
  const stray = await node.request("node.invoke.progress", { invokeId: "unknown", nodeId: key.deviceId, seq: 0, chunk: "x" });
  assert.deepEqual(stray.payload, { ok: true, ignored: true });
  const oversized = await node.request("node.invoke.progress", { invokeId: req.payload.id, nodeId: key.deviceId, seq: 1, chunk: "é".repeat(9000) });
  assert.equal(oversized.ok, false, "a chunk over 16 KiB of UTF-8 is refused");
  answers[0]!();
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual(ra.payload.payload, { said: "once" });
  assert.deepEqual(rb.payload.payload, { said: "once" });
  const later = await op.call("node.invoke", call);
  assert.deepEqual(later.payload, { said: "once" }, "a retry after success gets the same answer");
  assert.equal(requests, 1, "the node ran it once");
  await op.close();
});
