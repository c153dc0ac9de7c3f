import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GatewayError } from "../protocol/errors.js";
import { NodeInvokes, type InvokeDispatch } from "./node-invokes.js";

type Sent = { event: string; payload: Record<string, unknown> };

/** A fake node socket: remembers every frame pushed to it. */
function socket() {
  const sent: Sent[] = [];
  return {
    sent,
    send: (event: string, payload: unknown) => void sent.push({ event, payload: payload as Record<string, unknown> }),
    requests: () => sent.filter((s) => s.event === "node.invoke.request").map((s) => s.payload),
    cancels: () => sent.filter((s) => s.event === "node.invoke.cancel").map((s) => s.payload),
  };
}

function dispatch(sock: ReturnType<typeof socket>, extra: Partial<InvokeDispatch> = {}): InvokeDispatch {
  return { nodeId: "node-a", command: "system.which", params: { bins: ["git"] }, timeoutMs: 5_000, idempotencyKey: "k1", send: sock.send, ...extra };
}

const detailCode = (code: string) => (e: unknown) => e instanceof GatewayError && (e.shape.details as { code?: string } | undefined)?.code === code;

// The invoke timers are unref'd (they must not keep a gateway alive); this keeps the test process
// alive while a test waits for one.
const hold = setInterval(() => undefined, 60_000);
after(() => clearInterval(hold));

/** Resolves on the next macrotask: lets promise callbacks run (settled bookkeeping). */
const tick = () => new Promise((r) => setImmediate(r));

describe("NodeInvokes: request and result", () => {
  it("start() sends node.invoke.request with id, nodeId, command, paramsJSON, timeoutMs and idempotencyKey", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const done = invokes.start(dispatch(sock, { sessionKey: "agent:main:main" }));
    assert.equal(sock.sent.length, 1);
    const [req] = sock.requests();
    assert.equal(sock.sent[0].event, "node.invoke.request");
    assert.equal(typeof req.id, "string");
    assert.ok((req.id as string).length > 0);
    assert.equal(req.nodeId, "node-a");
    assert.equal(req.command, "system.which");
    assert.equal(req.paramsJSON, JSON.stringify({ bins: ["git"] }));
    assert.equal(req.timeoutMs, 5_000);
    assert.equal(req.idempotencyKey, "k1");
    assert.equal(req.sessionKey, "agent:main:main");
    assert.equal(invokes.has(req.id as string), true);
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: true, payload: { bins: {} } }), true);
    await done;
    assert.equal(invokes.has(req.id as string), false);
  });

  it("paramsJSON is null when no params are given", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const d = dispatch(sock);
    delete d.params;
    const done = invokes.start(d);
    const [req] = sock.requests();
    assert.equal(req.paramsJSON, null);
    invokes.result("node-a", { id: req.id as string, ok: true });
    const value = await done;
    assert.equal(value.payload, null);
    assert.equal(value.payloadJSON, null);
  });

  it("an ok result with payload fills payloadJSON too", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const done = invokes.start(dispatch(sock));
    const [req] = sock.requests();
    invokes.result("node-a", { id: req.id as string, ok: true, payload: { bins: { git: "/usr/bin/git" } } });
    const value = await done;
    assert.deepEqual(value, { ok: true, nodeId: "node-a", command: "system.which", payload: { bins: { git: "/usr/bin/git" } }, payloadJSON: JSON.stringify({ bins: { git: "/usr/bin/git" } }) });
  });

  it("an ok result with payloadJSON fills payload too", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const done = invokes.start(dispatch(sock));
    const [req] = sock.requests();
    invokes.result("node-a", { id: req.id as string, ok: true, payloadJSON: '{"bins":{"git":"/usr/bin/git"}}' });
    const value = await done;
    assert.deepEqual(value.payload, { bins: { git: "/usr/bin/git" } });
    assert.equal(value.payloadJSON, '{"bins":{"git":"/usr/bin/git"}}');
  });

  it("ok:false rejects with a GatewayError carrying the node's code", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const done = invokes.start(dispatch(sock));
    const [req] = sock.requests();
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: false, error: { code: "SYSTEM_RUN_DENIED", message: "denied by policy" } }), true);
    await assert.rejects(done, (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.message, "denied by policy");
      const details = e.shape.details as Record<string, unknown>;
      assert.equal(details.code, "SYSTEM_RUN_DENIED");
      assert.equal(details.nodeId, "node-a");
      assert.equal(details.command, "system.which");
      return true;
    });
  });

  it("a result from another node is ignored and does not settle the invoke", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    let settled = false;
    const done = invokes.start(dispatch(sock, { timeoutMs: 30 }));
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    const [req] = sock.requests();
    assert.equal(invokes.result("node-b", { id: req.id as string, ok: true, payload: "forged" }), false);
    await tick();
    assert.equal(settled, false);
    assert.equal(invokes.has(req.id as string), true);
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: true, payload: "real" }), true);
    assert.equal((await done).payload, "real");
  });

  it("a result for an unknown or already settled id returns false", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    assert.equal(invokes.result("node-a", { id: "nope", ok: true }), false);
    const done = invokes.start(dispatch(sock));
    const [req] = sock.requests();
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: true, payload: 1 }), true);
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: true, payload: 2 }), false);
    assert.equal((await done).payload, 1);
  });
});

describe("NodeInvokes: timeout, abort, failAll", () => {
  it("a timeout rejects with details.code TIMEOUT and sends node.invoke.cancel", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const started = Date.now();
    const done = invokes.start(dispatch(sock, { timeoutMs: 30 }));
    const [req] = sock.requests();
    await assert.rejects(done, (e: unknown) => {
      assert.ok(detailCode("TIMEOUT")(e));
      assert.equal((e as GatewayError).shape.retryable, true);
      return true;
    });
    assert.ok(Date.now() - started >= 25);
    assert.deepEqual(sock.cancels(), [{ invokeId: req.id, nodeId: "node-a" }]);
    assert.equal(invokes.has(req.id as string), false);
    assert.equal(invokes.result("node-a", { id: req.id as string, ok: true }), false, "a late answer finds nothing");
  });

  it("aborting the signal sends cancel and rejects", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const abort = new AbortController();
    const done = invokes.start(dispatch(sock, { signal: abort.signal }));
    const [req] = sock.requests();
    assert.equal(sock.cancels().length, 0);
    abort.abort();
    await assert.rejects(done, (e: unknown) => e instanceof GatewayError && /aborted/.test(e.message));
    assert.deepEqual(sock.cancels(), [{ invokeId: req.id, nodeId: "node-a" }]);
    assert.equal(invokes.has(req.id as string), false);
  });

  it("an already aborted signal rejects without waiting", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(invokes.start(dispatch(sock, { signal: abort.signal })), GatewayError);
    assert.equal(sock.cancels().length, 0, "nothing was sent, so nothing is cancelled");
    assert.equal(sock.requests().length, 0);
  });

  it("failAll(err, nodeId) fails only that node's invokes", async () => {
    const invokes = new NodeInvokes();
    const a = socket();
    const b = socket();
    const onA = invokes.start(dispatch(a, { idempotencyKey: "a1" }));
    const onA2 = invokes.start(dispatch(a, { idempotencyKey: "a2" }));
    const onB = invokes.start(dispatch(b, { nodeId: "node-b", idempotencyKey: "b1" }));
    const err = new GatewayError({ code: "UNAVAILABLE", message: "node disconnected", details: { code: "NODE_DISCONNECTED" } });
    invokes.failAll(err, "node-a");
    await assert.rejects(onA, (e: unknown) => e === err);
    await assert.rejects(onA2, (e: unknown) => e === err);
    const [reqB] = b.requests();
    assert.equal(invokes.has(reqB.id as string), true);
    assert.equal(invokes.result("node-b", { id: reqB.id as string, ok: true, payload: "b" }), true);
    assert.equal((await onB).payload, "b");
  });

  it("failAll(err) without a node fails every invoke", async () => {
    const invokes = new NodeInvokes();
    const a = socket();
    const b = socket();
    const onA = invokes.start(dispatch(a));
    const onB = invokes.start(dispatch(b, { nodeId: "node-b" }));
    const err = new GatewayError({ code: "UNAVAILABLE", message: "shutting down" });
    invokes.failAll(err);
    await assert.rejects(onA, (e: unknown) => e === err);
    await assert.rejects(onB, (e: unknown) => e === err);
  });
});

describe("NodeInvokes: idempotency", () => {
  it("two starts with the same node, command and key while in flight send one request and share the answer", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const first = invokes.start(dispatch(sock));
    const second = invokes.start(dispatch(sock));
    assert.equal(sock.requests().length, 1);
    const [req] = sock.requests();
    invokes.result("node-a", { id: req.id as string, ok: true, payload: { n: 1 } });
    const [v1, v2] = await Promise.all([first, second]);
    assert.deepEqual(v1.payload, { n: 1 });
    assert.equal(v1, v2);
  });

  it("after success the same key is answered again without sending", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const first = invokes.start(dispatch(sock));
    const [req] = sock.requests();
    invokes.result("node-a", { id: req.id as string, ok: true, payload: "answer" });
    const v1 = await first;
    await tick();
    const again = await invokes.start(dispatch(sock));
    assert.equal(sock.requests().length, 1);
    assert.equal(again, v1);
    assert.equal(again.payload, "answer");
  });

  it("a different key, command, node or params dispatches a new request", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const calls = [
      invokes.start(dispatch(sock)),
      invokes.start(dispatch(sock, { idempotencyKey: "k2" })),
      invokes.start(dispatch(sock, { command: "system.run" })),
      invokes.start(dispatch(sock, { nodeId: "node-b" })),
      invokes.start(dispatch(sock, { params: { bins: ["rm"] } })),
    ];
    assert.equal(sock.requests().length, 5, "a reused key with other params is another call, never the old answer");
    invokes.failAll(new GatewayError({ code: "UNAVAILABLE", message: "done" }));
    for (const c of calls) await assert.rejects(c);
  });

  it("after a failure the same key dispatches again", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const first = invokes.start(dispatch(sock));
    const [req1] = sock.requests();
    invokes.result("node-a", { id: req1.id as string, ok: false, error: { code: "BOOM", message: "boom" } });
    await assert.rejects(first, detailCode("BOOM"));
    await tick();
    const retry = invokes.start(dispatch(sock));
    assert.equal(sock.requests().length, 2);
    const req2 = sock.requests()[1];
    assert.notEqual(req2.id, req1.id);
    invokes.result("node-a", { id: req2.id as string, ok: true, payload: "second time" });
    assert.equal((await retry).payload, "second time");
  });

  it("after a timeout the same key dispatches again", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    await assert.rejects(invokes.start(dispatch(sock, { timeoutMs: 20 })), detailCode("TIMEOUT"));
    await tick();
    const retry = invokes.start(dispatch(sock, { timeoutMs: 20 }));
    assert.equal(sock.requests().length, 2);
    await assert.rejects(retry, detailCode("TIMEOUT"));
  });

  it("a remembered success is forgotten once the retention passes", async () => {
    let now = 1_000_000;
    const invokes = new NodeInvokes(() => now);
    const sock = socket();
    const first = invokes.start(dispatch(sock));
    invokes.result("node-a", { id: sock.requests()[0].id as string, ok: true, payload: 1 });
    await first;
    await tick();
    now += 5 * 60 * 1000 + 1;
    const again = invokes.start(dispatch(sock));
    assert.equal(sock.requests().length, 2, "a stale key runs the command again");
    invokes.result("node-a", { id: sock.requests()[1].id as string, ok: true, payload: 2 });
    assert.equal((await again).payload, 2);
  });
});

describe("NodeInvokes: progress", () => {
  it("delivers chunks in seq order, holds early ones, drops duplicates and heartbeats", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const chunks: string[] = [];
    const done = invokes.start(dispatch(sock, { onProgress: (c) => chunks.push(c) }));
    const id = sock.requests()[0].id as string;
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 1, chunk: "second" }), true);
    assert.deepEqual(chunks, [], "seq 1 waits for seq 0");
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 0, chunk: "first" }), true);
    assert.deepEqual(chunks, ["first", "second"]);
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 0, chunk: "first again" }), true);
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 1, chunk: "second again" }), true);
    assert.deepEqual(chunks, ["first", "second"], "duplicates dropped");
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 2, chunk: "" }), true);
    assert.deepEqual(chunks, ["first", "second"], "a heartbeat is not delivered");
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 4, chunk: "fifth" }), true);
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 4, chunk: "fifth dup while held" }), true);
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 3, chunk: "fourth" }), true);
    assert.deepEqual(chunks, ["first", "second", "fourth", "fifth"], "the heartbeat still advanced seq");
    invokes.result("node-a", { id, ok: true, payload: null });
    await done;
  });

  it("progress for an unknown invoke, another node, or a settled invoke returns false", async () => {
    const invokes = new NodeInvokes();
    const sock = socket();
    const chunks: string[] = [];
    assert.equal(invokes.progress("node-a", { invokeId: "nope", seq: 0, chunk: "x" }), false);
    const done = invokes.start(dispatch(sock, { onProgress: (c) => chunks.push(c) }));
    const id = sock.requests()[0].id as string;
    assert.equal(invokes.progress("node-b", { invokeId: id, seq: 0, chunk: "forged" }), false);
    assert.deepEqual(chunks, []);
    invokes.result("node-a", { id, ok: true });
    await done;
    assert.equal(invokes.progress("node-a", { invokeId: id, seq: 0, chunk: "late" }), false);
    assert.deepEqual(chunks, []);
  });
});
