/** Liveness and shutdown: shutdown broadcast, ws-level ping/terminate, slow consumers (protocol.md §1.3, §1.4, §8.3). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN_SCOPES,
  RawWsClient,
  TestClient,
  connectClient,
  connectParams,
  http,
  openClient,
  sleep,
  startTestGateway,
  until,
  useGatewayCleanup,
} from "./harness.js";

useGatewayCleanup();

describe("shutdown", () => {
  test("stop() broadcasts shutdown {reason, restartExpectedMs} and closes sockets 1012 \"service restart\"", async () => {
    const g = await startTestGateway();
    const a = (await connectClient(g.url)).client;
    const b = (await connectClient(g.url, { scopes: [] })).client;
    const preauth = await openClient(g.url);
    await g.stop("maintenance", 1500);
    for (const client of [a, b]) {
      const ev = await client.waitForEvent("shutdown");
      assert.deepEqual(ev.payload, { reason: "maintenance", restartExpectedMs: 1500 });
      assert.ok(Number.isInteger(ev.seq), "shutdown is a broadcast with seq");
      assert.deepEqual(await client.waitForClose(), { code: 1012, reason: "service restart" });
      const last = client.frames[client.frames.length - 1];
      assert.equal(last.event, "shutdown", "shutdown is the last frame before the close");
    }
    await preauth.waitForClose();
    assert.equal(preauth.events("shutdown").length, 0, "unauthenticated sockets get no events");
  });

  test("without restartExpectedMs the payload is just {reason}", async () => {
    const g = await startTestGateway();
    const { client } = await connectClient(g.url);
    await g.stop("bye");
    const ev = await client.waitForEvent("shutdown");
    assert.deepEqual(ev.payload, { reason: "bye" });
    assert.equal((await client.waitForClose()).code, 1012);
  });

  test("after stop() the port no longer accepts WebSocket or HTTP connections", async () => {
    const g = await startTestGateway();
    await g.stop("gone");
    const client = new TestClient(g.url);
    await assert.rejects(client.opened);
    await assert.rejects(http(`${g.httpUrl}/healthz`));
  });

  test("stop() completes promptly even when a client stopped reading", async () => {
    const g = await startTestGateway();
    const { client } = await connectClient(g.url);
    client.pauseSocket();
    const started = Date.now();
    await g.stop("stuck peer");
    assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started}ms`);
    client.resumeSocket();
    await client.waitForClose();
  });

  test("stop() is idempotent", async () => {
    const g = await startTestGateway();
    const { client } = await connectClient(g.url);
    await Promise.all([g.gw.stop("once"), g.gw.stop("twice")]);
    assert.equal(client.events("shutdown").length <= 1, true);
    await client.waitForClose();
    assert.equal(client.events("shutdown").length, 1, "exactly one shutdown event");
    await g.stop();
  });
});

describe("ws-level ping", () => {
  test("a peer that never answers pings is terminated", async () => {
    const g = await startTestGateway({ intervals: { pingMs: 100 } });
    const raw = await RawWsClient.connect(g.port);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    raw.sendJson({ type: "req", id: "c", method: "connect", params: connectParams() });
    await raw.waitForJson((f) => f.id === "c");
    assert.equal(g.gw.context.events.size, 1);
    const started = Date.now();
    await raw.waitForEnd(3000);
    assert.ok(raw.frames.some((f) => f.opcode === 0x9), "the server sent at least one ping");
    assert.ok(Date.now() - started < 2000);
    await until(() => g.gw.context.events.size === 0, 2000, "terminated connection removed");
    await g.stop();
  });

  test("a paused client is terminated while a responsive one stays connected", async () => {
    const g = await startTestGateway({ intervals: { pingMs: 100 } });
    const healthy = (await connectClient(g.url)).client;
    const dead = (await connectClient(g.url)).client;
    dead.pauseSocket();
    await until(() => g.gw.context.events.size === 1, 3000, "dead peer terminated");
    dead.resumeSocket();
    const closed = await dead.waitForClose();
    assert.equal(closed.code, 1006, "terminated without a close frame");
    await sleep(300);
    assert.equal(healthy.isOpen, true);
    assert.ok(healthy.pings.length >= 3, `healthy client got ${healthy.pings.length} pings`);
    assert.equal((await healthy.request("health")).ok, true);
    await g.stop();
  });

  test("unauthenticated sockets are not pinged", async () => {
    const g = await startTestGateway({ intervals: { pingMs: 50 } });
    const client = await openClient(g.url);
    await sleep(300);
    assert.equal(client.pings.length, 0);
    assert.equal(client.isOpen, true);
    await g.stop();
  });

  test("a pong refreshes the client's presence ts", async () => {
    const g = await startTestGateway({ intervals: { pingMs: 100 } });
    const instanceId = "pong-presence";
    const { client } = await connectClient(g.url, { client: { id: "webchat", mode: "webchat", instanceId } });
    const first = (await client.call("system-presence", {})).find((p: any) => p.instanceId === instanceId);
    await until(() => client.pings.length >= 3, 3000, "3 pings");
    await sleep(20);
    const later = (await client.call("system-presence", {})).find((p: any) => p.instanceId === instanceId);
    assert.ok(later.ts > first.ts, `presence ts not refreshed (${first.ts} -> ${later.ts})`);
    await g.stop();
  });
});

describe("slow consumers", () => {
  /** Admin client that inflates its presence entry so every presence broadcast is ~`mb` MB. */
  async function floodPresence(admin: TestClient, count: number, mb: number): Promise<void> {
    const tag = "t".repeat(10_000);
    const tags = Array.from({ length: mb * 100 }, () => tag);
    for (let i = 0; i < count; i++) {
      const res = await admin.request("system-event", { text: `flood ${i}`, instanceId: "flood", tags }, 20_000);
      assert.equal(res.ok, true, JSON.stringify(res.error));
      admin.frames.length = 0; // do not keep ~100 MB of echoed presence in memory
    }
  }

  test("droppable events are dropped for a slow consumer but seq still advances (the client sees a gap)", { timeout: 60_000 }, async () => {
    const g = await startTestGateway({ intervals: { tickMs: 100 } });
    const admin = (await connectClient(g.url, { scopes: ADMIN_SCOPES }, { maxPayload: 200 * 1024 * 1024 })).client;
    const slow = (await connectClient(g.url, {}, { maxPayload: 200 * 1024 * 1024 })).client;
    slow.pauseSocket();
    await floodPresence(admin, 8, 12);
    await sleep(300); // a few ticks are dropped as well
    const resumedAt = Date.now();
    slow.resumeSocket();
    // a tick broadcast after the consumer caught up again
    await slow.waitFor((f) => f.event === "tick" && f.payload.ts >= resumedAt + 100, { timeoutMs: 15_000, label: "tick after resume" });
    const seqs = slow.frames.filter((f) => f.type === "event" && f.seq !== undefined).map((f) => f.seq as number);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], "seq increases");
    const gaps = seqs.filter((s, i) => i > 0 && s !== seqs[i - 1] + 1);
    assert.ok(gaps.length > 0, `expected a seq gap from dropped events, got ${seqs.join(",")}`);
    assert.equal(slow.isOpen, true, "dropping droppable events must not close the socket");
    assert.equal((await slow.request("health", undefined, 10_000)).ok, true);
    await g.stop();
  });

  test("a non-droppable event to a consumer with > 50 MiB buffered closes it 1008 \"slow consumer\"", { timeout: 60_000 }, async () => {
    const g = await startTestGateway();
    const admin = (await connectClient(g.url, { scopes: ADMIN_SCOPES }, { maxPayload: 200 * 1024 * 1024 })).client;
    const slow = (await connectClient(g.url, {}, { maxPayload: 200 * 1024 * 1024 })).client;
    slow.pauseSocket();
    await floodPresence(admin, 8, 12);
    // health is broadcast without dropIfSlow
    assert.equal((await admin.request("health", { probe: true }, 20_000)).ok, true);
    slow.resumeSocket();
    const closed = await slow.waitForClose(20_000);
    assert.deepEqual(closed, { code: 1008, reason: "slow consumer" });
    assert.equal(admin.isOpen, true, "the fast client is unaffected");
    assert.equal((await admin.request("health")).ok, true);
    await g.stop();
  });
});
