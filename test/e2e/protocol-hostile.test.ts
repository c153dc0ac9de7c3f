/** Hostile input and robustness: oversized and malformed frames, RFC 6455 violations, socket limits, churn. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  ADMIN_SCOPES,
  RawWsClient,
  TestClient,
  closeAllClients,
  connectClient,
  connectParams,
  encodeFrame,
  getGc,
  openClient,
  pool,
  sendConnect,
  sleep,
  startFileGateway,
  startTestGateway,
  until,
  type TestGateway,
} from "./harness.js";

const MAX_PAYLOAD = 25 * 1024 * 1024;

const gw = await startFileGateway();

async function assertStillServing(target: TestGateway = gw): Promise<void> {
  const { client } = await connectClient(target.url);
  const res = await client.request("health");
  assert.equal(res.ok, true, "a fresh client must still be served");
  await client.close();
}

/** Raw socket that completed the upgrade and the connect handshake. */
async function rawConnected(target: TestGateway = gw): Promise<RawWsClient> {
  const raw = await RawWsClient.connect(target.port);
  assert.equal(raw.status, 101);
  await raw.until(() => raw.json().length > 0, 3000, "challenge");
  raw.sendJson({ type: "req", id: "c", method: "connect", params: connectParams() });
  const hello = await raw.waitForJson((f) => f.type === "res" && f.id === "c");
  assert.equal(hello.ok, true, JSON.stringify(hello.error));
  return raw;
}

describe("payload limits after auth", () => {
  test("a frame larger than 25 MiB closes that socket with 1009, other clients keep working", async () => {
    const bystander = (await connectClient(gw.url)).client;
    const { client } = await connectClient(gw.url);
    const big = JSON.stringify({ type: "req", id: "big", method: "health", params: { pad: "x".repeat(MAX_PAYLOAD) } });
    assert.ok(Buffer.byteLength(big) > MAX_PAYLOAD);
    client.send(big);
    const closed = await client.waitForClose(10_000);
    assert.equal(closed.code, 1009);
    assert.equal(client.frames.filter((f) => f.id === "big").length, 0, "no response to the oversized frame");
    assert.equal(bystander.isOpen, true);
    assert.equal((await bystander.request("health")).ok, true);
    await assertStillServing();
  });

  test("after admission a 1 MiB frame (far above the 64 KiB pre-auth cap) is accepted", async () => {
    const { client } = await connectClient(gw.url);
    const id = "x".repeat(1024 * 1024);
    client.send({ type: "req", id, method: "health" });
    const res = await client.waitForResponse(id, 10_000);
    assert.equal(res.ok, true);
  });
});

describe("malformed JSON content", () => {
  test("deeply nested JSON before auth closes 1008 and does not crash the server", async () => {
    const client = await openClient(gw.url);
    client.send("[".repeat(30_000) + "]".repeat(30_000));
    assert.deepEqual(await client.waitForClose(), { code: 1008, reason: "invalid request frame" });
    await assertStillServing();
  });

  test("deeply nested params after auth do not crash the server", async () => {
    const { client } = await connectClient(gw.url, { scopes: ADMIN_SCOPES });
    const deep = "[".repeat(500_000) + "]".repeat(500_000);
    client.send(`{"type":"req","id":"deep1","method":"health","params":{"probe":${deep}}}`);
    client.send(`{"type":"req","id":"deep2","method":"no.such.method","params":${deep}}`);
    client.send(`{"type":"req","id":"deep3","method":"system-event","params":{"text":"t","tags":${deep}}}`);
    const res = await client.request("health", undefined, 10_000);
    assert.equal(res.ok, true);
    for (const id of ["deep1", "deep2", "deep3"]) {
      const r = client.frames.find((f) => f.type === "res" && f.id === id);
      if (r) assert.equal(r.ok, false, `${id} must not succeed`);
    }
  });

  test("__proto__ keys in connect params and request params do not pollute Object.prototype", async () => {
    const client = await openClient(gw.url);
    const params = JSON.stringify(connectParams()).replace(/^\{/, '{"__proto__":{"pollutedByConnect":"yes"},');
    client.send(`{"type":"req","id":"c","method":"connect","params":${params}}`);
    await client.waitForResponse("c");
    const { client: adm } = await connectClient(gw.url, { scopes: ADMIN_SCOPES });
    adm.send('{"type":"req","id":"p1","method":"health","params":{"__proto__":{"probe":true,"pollutedByHealth":1}}}');
    adm.send('{"type":"req","id":"p2","method":"system-event","params":{"text":"x","instanceId":"proto-1","__proto__":{"pollutedBySysEvent":1}}}');
    adm.send('{"type":"req","id":"p3","method":"system-event","params":{"text":"x","instanceId":"__proto__","host":"h"}}');
    adm.send('{"type":"req","id":"p4","method":"system-event","params":{"text":"x","deviceId":"constructor","host":"h"}}');
    for (const id of ["p1", "p2", "p3", "p4"]) await adm.waitForResponse(id);
    const probe = {} as Record<string, unknown>;
    for (const key of ["pollutedByConnect", "pollutedByHealth", "pollutedBySysEvent", "host", "text"]) {
      assert.equal(probe[key], undefined, `Object.prototype.${key} was polluted`);
    }
    assert.equal((await adm.request("system-presence", {})).ok, true);
    await assertStillServing();
  });

  test("a flood of 5000 tiny non-JSON frames after auth is ignored", async () => {
    const { client } = await connectClient(gw.url);
    for (let i = 0; i < 5000; i++) client.send(`garbage-${i}`);
    const res = await client.request("health", undefined, 10_000);
    assert.equal(res.ok, true);
    assert.equal(client.frames.filter((f) => f.type === "res").length, 2, "connect + health only");
  });

  test("a 10 KB method name gets a clean error (missing scope for non-admins, unknown method for admins)", async () => {
    const name = "m".repeat(10_000);
    const reader = (await connectClient(gw.url)).client;
    const r1 = await reader.request(name, {});
    assert.equal(r1.error?.code, "FORBIDDEN");
    const adm = (await connectClient(gw.url, { scopes: ADMIN_SCOPES })).client;
    const r2 = await adm.request(name, {});
    assert.equal(r2.error?.code, "INVALID_REQUEST");
    assert.equal(r2.error?.message, `unknown method: ${name}`);
  });
});

describe("RFC 6455 violations", () => {
  const violations: Array<[string, () => Buffer, number]> = [
    ["unmasked client frame", () => encodeFrame('{"type":"req","id":"1","method":"health"}', { mask: false }), 1002],
    ["invalid UTF-8 in a text frame", () => encodeFrame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 1007],
    ["reserved opcode 0x3", () => encodeFrame("x", { opcode: 0x3 }), 1002],
    ["RSV1 set without an extension", () => encodeFrame("{}", { rsv: 4 }), 1002],
    ["control frame longer than 125 bytes", () => encodeFrame(Buffer.alloc(200), { opcode: 0x9 }), 1002],
    ["fragmented control frame", () => encodeFrame("ping", { opcode: 0x9, fin: false }), 1002],
    ["continuation frame without a start", () => encodeFrame("x", { opcode: 0x0 }), 1002],
    ["close frame with an invalid status code", () => encodeFrame(Buffer.from([0x03, 0xe7]), { opcode: 0x8 }), 1002],
    ["close frame with a 1-byte payload", () => encodeFrame(Buffer.from([0x03]), { opcode: 0x8 }), 1002],
    ["text frame inside a fragmented message", () => Buffer.concat([encodeFrame("{", { fin: false }), encodeFrame("}")]), 1002],
  ];
  for (const [label, frame, code] of violations) {
    test(`pre-auth ${label} closes ${code} and the server keeps serving`, async () => {
      const raw = await RawWsClient.connect(gw.port);
      await raw.until(() => raw.json().length > 0, 3000, "challenge");
      raw.write(frame());
      await raw.until(() => raw.closeFrame() !== null || raw.ended, 3000, "close");
      const close = raw.closeFrame();
      if (close) assert.equal(close.code, code);
      raw.terminate();
      await assertStillServing();
    });
    test(`post-auth ${label} closes ${code} and the server keeps serving`, async () => {
      const raw = await rawConnected();
      raw.write(frame());
      await raw.until(() => raw.closeFrame() !== null || raw.ended, 3000, "close");
      const close = raw.closeFrame();
      if (close) assert.equal(close.code, code);
      raw.terminate();
      await until(() => gw.gw.context.events.size === 0, 3000, "connection removed from the event hub");
      await assertStillServing();
    });
  }

  test("a fragmented text request (valid RFC 6455) is reassembled and answered", async () => {
    const raw = await rawConnected();
    const text = JSON.stringify({ type: "req", id: "frag", method: "health" });
    raw.write(Buffer.concat([encodeFrame(text.slice(0, 10), { fin: false }), encodeFrame(text.slice(10, 20), { opcode: 0, fin: false }), encodeFrame(text.slice(20), { opcode: 0 })]));
    const res = await raw.waitForJson((f) => f.type === "res" && f.id === "frag");
    assert.equal(res.ok, true);
    raw.terminate();
  });

  test("a client ping is answered with a pong carrying the same payload", async () => {
    const raw = await rawConnected();
    raw.write(encodeFrame("hello-ping", { opcode: 0x9 }));
    await raw.until(() => raw.frames.some((f) => f.opcode === 0xa), 3000, "pong");
    assert.equal(raw.frames.find((f) => f.opcode === 0xa)!.payload.toString(), "hello-ping");
    raw.terminate();
  });

  test("garbage instead of an HTTP upgrade is dropped and the server keeps serving", async () => {
    const socket = net.connect({ port: gw.port, host: "127.0.0.1" });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]));
    await Promise.race([closed, sleep(3000).then(() => assert.fail("garbage connection not closed"))]);
    await assertStillServing();
  });

  for (const [label, headers] of [
    ["an unsupported Sec-WebSocket-Version", "Sec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"],
    ["a malformed Sec-WebSocket-Key", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n"],
    ["no Sec-WebSocket-Key", "Sec-WebSocket-Version: 13\r\n"],
  ] as const) {
    test(`an upgrade with ${label} is refused with a 4xx and the server keeps serving`, async () => {
      const socket = net.connect({ port: gw.port, host: "127.0.0.1" });
      socket.on("error", () => {});
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      let response = "";
      socket.on("data", (d) => (response += d.toString("latin1")));
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`);
      await Promise.race([closed, sleep(3000)]);
      socket.destroy();
      assert.match(response, /^HTTP\/1\.1 4\d\d /, `response: ${response.slice(0, 80)}`);
      await assertStillServing();
    });
  }

  test("a stalled half-sent HTTP upgrade does not block other clients", async () => {
    const socket = net.connect({ port: gw.port, host: "127.0.0.1" });
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    await assertStillServing();
    socket.destroy();
  });
});

describe("unauthenticated socket limit (32 per IP)", () => {
  test("the 33rd pre-auth socket is refused with HTTP 503, and slots are released on close and on auth", async () => {
    const g = await startTestGateway();
    const preauth = await Promise.all(Array.from({ length: 32 }, () => openClient(g.url)));
    const extra = new TestClient(g.url);
    await assert.rejects(extra.opened);
    assert.equal(extra.upgradeStatus, 503);
    // Authenticating one frees its pre-auth slot.
    const res = await sendConnect(preauth[0], connectParams());
    assert.equal(res.ok, true);
    const next = await openClient(g.url);
    const again = new TestClient(g.url);
    await assert.rejects(again.opened);
    // Closing pre-auth sockets frees their slots.
    await Promise.all(preauth.slice(1, 6).map((c) => c.close()));
    await next.close();
    await sleep(50);
    const fresh = await Promise.all(Array.from({ length: 6 }, () => openClient(g.url)));
    assert.equal(fresh.length, 6);
    closeAllClients();
    await g.stop();
  });
});

describe("connection churn", () => {
  test("1000 rapid connect/disconnect cycles leave no connections behind and do not leak memory", { timeout: 60_000 }, async () => {
    // Wrong-token cycles are part of the mix: turn the loopback back-off delay off and never lock out.
    const g = await startTestGateway({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 1_000_000 } } } });
    const gc = getGc();
    const cycle = async (i: number) => {
      switch (i % 6) {
        case 0: {
          // open and drop immediately, maybe before the challenge
          const c = new TestClient(g.url);
          await c.opened.catch(() => {});
          c.terminate();
          await c.closed;
          return;
        }
        case 1: {
          // connect sent, socket closed before hello-ok can be read
          const c = await openClient(g.url);
          c.send({ type: "req", id: "c", method: "connect", params: connectParams() });
          c.terminate();
          await c.closed;
          return;
        }
        case 2: {
          const { client } = await connectClient(g.url, i % 50 === 2 ? { client: { id: "webchat", mode: "webchat", instanceId: `churn-${i}` } } : {});
          await client.close();
          return;
        }
        case 3: {
          const { client } = await connectClient(g.url);
          client.sendRequest("status");
          client.terminate();
          await client.closed;
          return;
        }
        case 4: {
          const c = await openClient(g.url);
          c.send("not json");
          await c.waitForClose();
          return;
        }
        default: {
          const c = await openClient(g.url);
          await sendConnect(c, connectParams({ auth: { token: "wrong" } }));
          await c.waitForClose();
        }
      }
    };
    // warm-up so lazy allocations do not count as growth
    await pool(Array.from({ length: 60 }, (_, i) => i), 12, (i) => cycle(i));
    await until(() => g.gw.context.events.size === 0, 3000, "warm-up connections closed");
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    await pool(Array.from({ length: 1000 }, (_, i) => i), 12, (i) => cycle(i));
    const churnMs = Date.now() - started;
    await until(() => g.gw.context.events.size === 0, 5000, "all authenticated connections removed from the event hub");
    await sleep(100);
    gc?.();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(growth < 50 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(1)} MB over 1000 cycles`);
    assert.ok(churnMs < 40_000, `1000 cycles took ${churnMs}ms`);
    // No pre-auth slot leaked: 32 simultaneous unauthenticated sockets are still accepted.
    const preauth = await Promise.all(Array.from({ length: 32 }, () => openClient(g.url)));
    assert.equal(preauth.length, 32);
    closeAllClients();
    await until(() => g.gw.context.events.size === 0, 3000);
    await assertStillServing(g);
    await g.stop();
  });

  test("100 concurrent clients issuing requests are all answered", async () => {
    const g = await startTestGateway();
    const clients: TestClient[] = [];
    await pool(Array.from({ length: 100 }, (_, i) => i), 20, async () => {
      clients.push((await connectClient(g.url)).client);
    });
    const results = await Promise.all(clients.flatMap((c) => [c.request("health"), c.request("status"), c.request("system-presence", {})]));
    assert.equal(results.length, 300);
    assert.ok(results.every((r) => r.ok));
    assert.equal(g.gw.context.events.size, 100);
    closeAllClients();
    await until(() => g.gw.context.events.size === 0, 3000, "all closed");
    await g.stop();
  });
});
