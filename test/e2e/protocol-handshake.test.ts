/** Handshake: challenge, first-frame validation order, protocol negotiation, size limits, timeouts. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  RawWsClient,
  TestClient,
  connectClient,
  connectParams,
  encodeFrame,
  openClient,
  sendConnect,
  sleep,
  startFileGateway,
  startTestGateway,
  type TestGateway,
} from "./harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const gw = await startFileGateway();

/** The server must still accept and answer a fresh, valid client. */
async function assertStillServing(): Promise<void> {
  const { client } = await connectClient(gw.url);
  const res = await client.request("health");
  assert.equal(res.ok, true, "health after hostile handshake");
  await client.close();
}

describe("connect.challenge", () => {
  test("is the first frame, carries a uuid nonce and an integer ts, and has no seq", async () => {
    const before = Date.now();
    const client = new TestClient(gw.url);
    await client.opened;
    const challenge = await client.waitForEvent("connect.challenge");
    assert.equal(client.frames[0], challenge, "challenge must be the very first frame");
    assert.equal(challenge.type, "event");
    assert.ok(!("seq" in challenge), "challenge is sent directly, without seq");
    assert.ok(!("stateVersion" in challenge));
    assert.match(challenge.payload.nonce, UUID);
    assert.ok(Number.isSafeInteger(challenge.payload.ts) && challenge.payload.ts >= 0, "ts is a non-negative safe integer");
    assert.ok(challenge.payload.ts >= before - 1000 && challenge.payload.ts <= Date.now() + 1000, "ts is the server's Date.now()");
    for (const key of Object.keys(challenge.payload)) assert.ok(["nonce", "ts", "capabilities"].includes(key), `unexpected challenge key ${key}`);
    for (const key of Object.keys(challenge)) assert.ok(["type", "event", "payload"].includes(key), `unexpected frame key ${key}`);
  });

  test("every connection gets its own nonce", async () => {
    const a = await openClient(gw.url);
    const b = await openClient(gw.url);
    assert.notEqual(a.frames[0].payload.nonce, b.frames[0].payload.nonce);
  });

  test("a client offering permessage-deflate (like the real CLI) is served", async () => {
    const client = await openClient(gw.url, { perMessageDeflate: true });
    const res = await sendConnect(client, connectParams());
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal((await client.request("health")).ok, true);
  });

  test("is sent on any upgrade path, e.g. /some/path?x=1", async () => {
    const client = await openClient(`${gw.url}/some/path?x=1`);
    const res = await sendConnect(client, connectParams());
    assert.equal(res.ok, true);
  });
});

describe("first frame validation", () => {
  test("a non-connect first request gets INVALID_REQUEST and close 1008", async () => {
    const client = await openClient(gw.url);
    const id = client.sendRequest("health");
    const res = await client.waitForResponse(id);
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.message, "invalid handshake: first request must be connect");
    assert.deepEqual(await client.waitForClose(), { code: 1008, reason: "invalid handshake: first request must be connect" });
  });

  test("a non-JSON first frame closes 1000 with an empty reason and no response", async () => {
    const client = await openClient(gw.url);
    client.send("this is { not json");
    assert.deepEqual(await client.waitForClose(), { code: 1000, reason: "" });
    assert.equal(client.frames.length, 1, "only the challenge was received");
  });

  const badFrames: Array<[string, string]> = [
    ["missing method", JSON.stringify({ type: "req", id: "1" })],
    ["empty method", JSON.stringify({ type: "req", id: "1", method: "" })],
    ["numeric id", JSON.stringify({ type: "req", id: 1, method: "connect", params: connectParams() })],
    ["empty id", JSON.stringify({ type: "req", id: "", method: "connect", params: connectParams() })],
    ["wrong type", JSON.stringify({ type: "event", id: "1", method: "connect", params: connectParams() })],
    ["extra frame field", JSON.stringify({ type: "req", id: "1", method: "connect", params: connectParams(), bogus: true })],
    ["traceparent too long", JSON.stringify({ type: "req", id: "1", method: "connect", params: connectParams(), traceparent: "x".repeat(129) })],
    ["array", JSON.stringify([{ type: "req", id: "1", method: "connect" }])],
    ["null", "null"],
    ["number", "42"],
    ["string", JSON.stringify("connect")],
  ];
  for (const [label, text] of badFrames) {
    test(`an invalid request frame (${label}) closes 1008 "invalid request frame" without a response`, async () => {
      const client = await openClient(gw.url);
      client.send(text);
      assert.deepEqual(await client.waitForClose(), { code: 1008, reason: "invalid request frame" });
      assert.equal(client.frames.filter((f) => f.type === "res").length, 0, "no res frame");
    });
  }

  const badParams: Array<[string, Record<string, unknown> | undefined]> = [
    ["minProtocol as string", connectParams({ minProtocol: "4" })],
    ["maxProtocol 0", connectParams({ maxProtocol: 0 })],
    ["fractional protocol", connectParams({ minProtocol: 3.5 })],
    ["unknown client.id", connectParams({ client: { id: "evil-client" } })],
    ["unknown client.mode", connectParams({ client: { mode: "god" } })],
    ["extra top-level field", connectParams({ bogus: 1 })],
    ["extra client field", { ...connectParams(), client: { ...(connectParams().client as object), extra: "x" } }],
    ["client missing", (({ client: _omit, ...rest }) => rest)(connectParams())],
    ["client.version empty", connectParams({ client: { version: "" } })],
    ["scopes not an array", connectParams({ scopes: "operator.read" })],
    ["scope entry empty", connectParams({ scopes: [""] })],
    ["auth.token a number", connectParams({ auth: { token: 123 } })],
    ["auth extra field", connectParams({ auth: { token: "test-token", evil: "x" } })],
    ["device incomplete", connectParams({ device: { id: "abc" } })],
    ["params missing", undefined],
    ["params an array", [] as unknown as Record<string, unknown>],
  ];
  for (const [label, params] of badParams) {
    test(`invalid connect params (${label}) get INVALID_REQUEST "invalid connect params: …" and close 1008`, async () => {
      const client = await openClient(gw.url);
      const res = await sendConnect(client, params);
      assert.equal(res.ok, false);
      assert.equal(res.error.code, "INVALID_REQUEST");
      assert.match(res.error.message, /^invalid connect params: \S/);
      const closed = await client.waitForClose();
      assert.equal(closed.code, 1008);
      assert.ok(closed.reason.startsWith("invalid connect params:"), `close reason: ${closed.reason}`);
      assert.ok(Buffer.byteLength(closed.reason) <= 120, "close reason is truncated to 120 bytes");
    });
  }

  test("a long close reason is truncated to <= 120 bytes on a UTF-8 boundary", async () => {
    const client = await openClient(gw.url);
    const params = connectParams({ ["é".repeat(100)]: 1, ["ü".repeat(100)]: 2 });
    const res = await sendConnect(client, params);
    assert.equal(res.error.code, "INVALID_REQUEST");
    const closed = await client.waitForClose();
    assert.equal(closed.code, 1008);
    assert.ok(Buffer.byteLength(closed.reason) <= 120, `reason is ${Buffer.byteLength(closed.reason)} bytes`);
    assert.ok(!closed.reason.includes("\uFFFD"), "no broken multi-byte sequence");
    assert.ok(res.error.message.startsWith(closed.reason), "the reason is a prefix of the error message");
  });

  test("connect params validation does not crash the server", async () => {
    await assertStillServing();
  });
});

describe("protocol negotiation", () => {
  test("a cli offering 1..3 gets PROTOCOL_MISMATCH and close 1002", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 1, maxProtocol: 3 }));
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.message, "protocol mismatch");
    assert.deepEqual(res.error.details, {
      code: "PROTOCOL_MISMATCH",
      clientMinProtocol: 1,
      clientMaxProtocol: 3,
      expectedProtocol: 4,
      minimumProbeProtocol: 3,
    });
    assert.deepEqual(await client.waitForClose(), { code: 1002, reason: "protocol mismatch" });
  });

  test("a cli offering only 5..6 gets PROTOCOL_MISMATCH", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 5, maxProtocol: 6 }));
    assert.equal(res.error?.details?.code, "PROTOCOL_MISMATCH");
    assert.equal((await client.waitForClose()).code, 1002);
  });

  test("a cli offering 3..5 is accepted with protocol 4", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 3, maxProtocol: 5 }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.protocol, 4);
  });

  test("a probe client offering 3..4 is accepted (real `openclaw gateway probe` params)", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 3, maxProtocol: 4, client: { mode: "probe", version: "dev" } }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.type, "hello-ok");
    assert.equal(res.payload.protocol, 4);
  });

  test("a probe client offering only 3..3 is accepted", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 3, maxProtocol: 3, client: { mode: "probe" } }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });

  test("a probe client offering only 2..2 is rejected", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ minProtocol: 2, maxProtocol: 2, client: { mode: "probe" } }));
    assert.equal(res.error?.details?.code, "PROTOCOL_MISMATCH");
    assert.equal((await client.waitForClose()).code, 1002);
  });
});

describe("roles", () => {
  test('role "admin" is an invalid role (INVALID_REQUEST, close 1008)', async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ role: "admin" }));
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.message, "invalid role");
    assert.deepEqual(await client.waitForClose(), { code: 1008, reason: "invalid role" });
  });

  test('role "worker" is not accepted on the main socket', async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ role: "worker" }));
    assert.equal(res.ok, false);
    assert.equal((await client.waitForClose()).code, 1008);
  });

  test("an omitted role defaults to operator", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ role: undefined }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.auth.role, "operator");
  });

  test("a node without a device identity gets NOT_PAIRED DEVICE_IDENTITY_REQUIRED and the server keeps serving", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(
      client,
      connectParams({ role: "node", scopes: [], minProtocol: 3, maxProtocol: 4, caps: ["camera"], client: { id: "node-host", mode: "node" } }),
    );
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "NOT_PAIRED");
    assert.equal(res.error.message, "device identity required");
    assert.equal(res.error.details?.code, "DEVICE_IDENTITY_REQUIRED");
    assert.equal((await client.waitForClose()).code, 1008);
    await assertStillServing();
  });
});

describe("browser origin check", () => {
  test("a foreign Origin is refused with CONTROL_UI_ORIGIN_NOT_ALLOWED", async () => {
    const client = await openClient(gw.url, { origin: "https://evil.example" });
    const res = await sendConnect(client, connectParams({ client: { id: "openclaw-control-ui", mode: "webchat" } }));
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.match(res.error.message, /^origin not allowed/);
    assert.equal(res.error.details?.code, "CONTROL_UI_ORIGIN_NOT_ALLOWED");
    assert.equal((await client.waitForClose()).code, 1008);
  });

  test("a loopback Origin is accepted", async () => {
    const client = await openClient(gw.url, { origin: `http://127.0.0.1:${gw.port}` });
    const res = await sendConnect(client, connectParams({ client: { id: "openclaw-control-ui", mode: "webchat" } }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });
});

describe("pre-auth size limit", () => {
  test("a pre-auth frame larger than 64 KiB closes 1009 \"preauth payload too large\" without a response", async () => {
    const client = await openClient(gw.url);
    // Otherwise a perfectly valid connect: only its size is wrong.
    client.send({ type: "req", id: "1:big", method: "connect", params: connectParams({ userAgent: "x".repeat(70 * 1024) }) });
    assert.deepEqual(await client.waitForClose(), { code: 1009, reason: "preauth payload too large" });
    assert.equal(client.frames.filter((f) => f.type === "res").length, 0);
  });

  test("a pre-auth connect just under 64 KiB is accepted", async () => {
    const client = await openClient(gw.url);
    const res = await sendConnect(client, connectParams({ userAgent: "x".repeat(60 * 1024) }));
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });

  test("a pre-auth frame whose header announces > 64 KiB is refused before the payload arrives", async () => {
    // The ws receiver's maxPayload must be the pre-auth cap until admission (protocol.md §1.3), so an
    // unauthenticated peer cannot make the server buffer up to 25 MiB per socket.
    const raw = await RawWsClient.connect(gw.port);
    assert.equal(raw.status, 101);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    const declared = 20 * 1024 * 1024;
    raw.write(encodeFrame(Buffer.from(`{"type":"req","id":"1","method":"connect","params":{"userAgent":"`), { declaredLength: declared }));
    raw.write(Buffer.alloc(200 * 1024, 0x61));
    await raw.until(() => raw.closeFrame() !== null || raw.ended, 2000, "close after an oversized pre-auth frame header");
    const close = raw.closeFrame();
    if (close) assert.equal(close.code, 1009);
    raw.terminate();
    await assertStillServing();
  });
});

describe("handshake queueing", () => {
  test("requests sent right after connect (before hello-ok) are answered after hello-ok", async () => {
    const client = await openClient(gw.url);
    const connectId = client.sendRequest("connect", connectParams());
    const healthId = client.sendRequest("health");
    const statusId = client.sendRequest("status");
    const [hello, health, status] = await Promise.all([client.waitForResponse(connectId), client.waitForResponse(healthId), client.waitForResponse(statusId)]);
    assert.equal(hello.ok, true, JSON.stringify(hello.error));
    assert.equal(health.ok, true, JSON.stringify(health.error));
    assert.equal(status.ok, true, JSON.stringify(status.error));
    const order = [hello, health, status].map((f) => client.frames.indexOf(f));
    assert.ok(order[0] < order[1] && order[0] < order[2], `hello-ok first, got order ${order}`);
  });

  test("up to 15 frames arriving with the connect are queued and answered in order after hello-ok", async () => {
    const raw = await RawWsClient.connect(gw.port);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    const frames = [encodeFrame(JSON.stringify({ type: "req", id: "c", method: "connect", params: connectParams() }))];
    for (let i = 0; i < 15; i++) frames.push(encodeFrame(JSON.stringify({ type: "req", id: `q${i}`, method: "health" })));
    raw.write(Buffer.concat(frames)); // one write: all frames reach the server while the connect is pending
    await raw.until(() => raw.json().filter((f) => f.type === "res").length === 16, 3000, "16 responses");
    const ids = raw.json().filter((f) => f.type === "res").map((f) => f.id);
    assert.deepEqual(ids, ["c", ...Array.from({ length: 15 }, (_, i) => `q${i}`)]);
    assert.ok(raw.json().filter((f) => f.type === "res").every((f) => f.ok === true));
    raw.terminate();
  });

  test("a 16th pending frame closes 1008 \"too many pending handshake frames\"", async () => {
    const raw = await RawWsClient.connect(gw.port);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    const frames = [encodeFrame(JSON.stringify({ type: "req", id: "c", method: "connect", params: connectParams() }))];
    for (let i = 0; i < 16; i++) frames.push(encodeFrame(JSON.stringify({ type: "req", id: `q${i}`, method: "health" })));
    raw.write(Buffer.concat(frames));
    const close = await raw.waitForCloseFrame();
    assert.deepEqual(close, { code: 1008, reason: "too many pending handshake frames" });
    assert.equal(raw.json().filter((f) => f.type === "res" && f.ok === true && f.id !== "c").length, 0, "queued requests are not answered");
    raw.terminate();
    await assertStillServing();
  });
});

describe("handshake queueing: edge cases", () => {
  test("a second connect queued behind the first gets \"connect is only valid as the first request\"", async () => {
    const raw = await RawWsClient.connect(gw.port);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    raw.write(
      Buffer.concat([
        encodeFrame(JSON.stringify({ type: "req", id: "c1", method: "connect", params: connectParams() })),
        encodeFrame(JSON.stringify({ type: "req", id: "c2", method: "connect", params: connectParams() })),
      ]),
    );
    const second = await raw.waitForJson((f) => f.type === "res" && f.id === "c2");
    const first = raw.json().find((f) => f.type === "res" && f.id === "c1");
    assert.equal(first?.ok, true);
    assert.equal(second.ok, false);
    assert.equal(second.error.message, "connect is only valid as the first request");
    raw.terminate();
  });

  test("a connect refused for too many pending frames is not admitted (no presence for it)", async () => {
    const { client: observer } = await connectClient(gw.url);
    const from = observer.frames.length;
    const instanceId = "overflow-should-not-appear";
    const raw = await RawWsClient.connect(gw.port);
    await raw.until(() => raw.json().length > 0, 3000, "challenge");
    const frames = [encodeFrame(JSON.stringify({ type: "req", id: "c", method: "connect", params: connectParams({ client: { id: "webchat", mode: "webchat", instanceId } }) }))];
    for (let i = 0; i < 16; i++) frames.push(encodeFrame(JSON.stringify({ type: "req", id: `q${i}`, method: "health" })));
    raw.write(Buffer.concat(frames));
    assert.equal((await raw.waitForCloseFrame()).code, 1008);
    await sleep(200);
    assert.ok(!raw.json().some((f) => f.type === "res" && f.id === "c" && f.ok === true), "no hello-ok for the refused connect");
    const announced = observer.frames.slice(from).filter((f) => f.event === "presence" && f.payload.presence.some((p: any) => p.instanceId === instanceId && p.reason === "connect"));
    assert.deepEqual(announced, [], "a refused connection must not be announced as connected");
    const list = await observer.call("system-presence", {});
    assert.ok(!list.some((p: any) => p.instanceId === instanceId && p.reason === "connect"), "a refused connection must not be listed as connected");
    raw.terminate();
  });
});

describe("validation order (protocol.md §2.3)", () => {
  async function connectWith(params: Record<string, unknown>, origin?: string) {
    const client = await openClient(gw.url, origin ? { origin } : {});
    const res = await sendConnect(client, params);
    const close = await client.waitForClose();
    return { res, close };
  }

  test("params schema (4) before protocol (6): an extra field wins over a protocol mismatch", async () => {
    const { res } = await connectWith(connectParams({ minProtocol: 1, maxProtocol: 1, bogus: true }));
    assert.match(res.error.message, /^invalid connect params: /);
  });

  test("protocol (6) before role (7)", async () => {
    const { res, close } = await connectWith(connectParams({ minProtocol: 1, maxProtocol: 2, role: "admin" }));
    assert.equal(res.error.details?.code, "PROTOCOL_MISMATCH");
    assert.equal(close.code, 1002);
  });

  test("role (7) before authentication (9)", async () => {
    const { res } = await connectWith(connectParams({ role: "admin", auth: { token: "wrong" } }));
    assert.equal(res.error.message, "invalid role");
  });

  test("origin (8) before authentication (9)", async () => {
    const { res } = await connectWith(connectParams({ client: { id: "openclaw-control-ui", mode: "webchat" }, auth: { token: "wrong" } }), "https://evil.example");
    assert.equal(res.error.details?.code, "CONTROL_UI_ORIGIN_NOT_ALLOWED");
  });

  test("authentication (9) before the device check (10)", async () => {
    const { res } = await connectWith(connectParams({ role: "node", scopes: [], auth: { token: "wrong" }, client: { id: "node-host", mode: "node" } }));
    assert.equal(res.error.details?.code, "AUTH_TOKEN_MISMATCH");
  });
});

describe("handshake timeout", () => {
  let short: TestGateway;
  before(async () => {
    short = await startTestGateway({ handshakeTimeoutMs: 300 });
  });
  after(() => short.stop());

  test("a socket that never connects is closed with 1000 after the pre-auth timeout", async () => {
    const started = Date.now();
    const client = await openClient(short.url);
    const closed = await client.waitForClose(3000);
    const elapsed = Date.now() - started;
    assert.deepEqual(closed, { code: 1000, reason: "" });
    assert.ok(elapsed >= 250, `closed too early (${elapsed}ms)`);
    assert.ok(elapsed < 2500, `closed too late (${elapsed}ms)`);
  });

  test("a socket that connected in time is not closed by the pre-auth timer", async () => {
    const { client } = await connectClient(short.url);
    await sleep(600);
    assert.equal(client.isOpen, true);
    assert.equal((await client.request("health")).ok, true);
  });
});
