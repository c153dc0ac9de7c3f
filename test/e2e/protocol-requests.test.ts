/** Requests after the handshake: authorization, params validation, frame errors, and broadcast events. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN_SCOPES,
  connectClient,
  connectParams,
  sleep,
  startFileGateway,
  startTestGateway,
  type Frame,
  type TestClient,
  type TestGateway,
} from "./harness.js";
import { healthProblems, presenceEntryProblems } from "./hello-ok-schema.js";

const gw = await startFileGateway({ gateway: { auth: { token: "super-secret-config-token-123" } } });

const reader = (overrides = {}) => connectClient(gw.url, overrides).then((r) => r.client);
const admin = () => connectClient(gw.url, { scopes: ADMIN_SCOPES }).then((r) => r.client);

function assertMissingScope(res: Frame, scope: string): void {
  assert.equal(res.ok, false, "request must be refused");
  assert.equal(res.error.code, "FORBIDDEN");
  assert.equal(res.error.message, `missing scope: ${scope}`);
  assert.deepEqual(res.error.details, { code: "MISSING_SCOPE", missingScope: scope, requiredScopes: [scope] });
}

describe("core methods", () => {
  test("health answers a HealthSummary", async () => {
    const client = await reader();
    const res = await client.request("health");
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(res.payload.ok, true);
    assert.ok(Number.isInteger(res.payload.ts));
    assert.deepEqual(healthProblems(res.payload), []);
    assert.ok(Array.isArray(res.payload.agents) && res.payload.agents.length > 0);
  });

  test("health is allowed for a client without any scope", async () => {
    const client = await reader({ scopes: [] });
    assert.equal((await client.request("health")).ok, true);
  });

  test("health with params null is treated as {}", async () => {
    const client = await reader();
    const id = client.nextId();
    client.send({ type: "req", id, method: "health", params: null });
    assert.equal((await client.waitForResponse(id)).ok, true);
  });

  test("status works with only operator.read", async () => {
    const client = await reader();
    const res = await client.request("status");
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.equal(typeof res.payload.runtimeVersion, "string");
    assert.ok(Array.isArray(res.payload.channelSummary));
    assert.ok(Array.isArray(res.payload.queuedSystemEvents));
  });

  test("status works with operator.write (write implies read)", async () => {
    const client = await reader({ scopes: ["operator.write"] });
    assert.equal((await client.request("status")).ok, true);
  });

  test("status without scopes is refused: missing scope operator.read", async () => {
    const client = await reader({ scopes: [] });
    assertMissingScope(await client.request("status"), "operator.read");
  });

  test("operator.approvals does not imply operator.read", async () => {
    const client = await reader({ scopes: ["operator.approvals"] });
    assertMissingScope(await client.request("system-presence", {}), "operator.read");
  });

  test("system-presence includes the gateway self entry; loopback clients have no ip", async () => {
    const instanceId = "req-presence-ui";
    await reader({ client: { id: "webchat", mode: "webchat", instanceId } });
    const client = await reader();
    const list = await client.call("system-presence", {});
    assert.ok(Array.isArray(list));
    for (const entry of list) assert.deepEqual(presenceEntryProblems(entry), [], JSON.stringify(entry));
    const self = list.find((p: any) => p.mode === "gateway" && p.reason === "self");
    assert.ok(self);
    assert.match(self.text, /^Gateway: /);
    const ui = list.find((p: any) => p.instanceId === instanceId);
    assert.ok(ui, "webchat client is tracked");
    assert.ok(!("ip" in ui), "ip is omitted for loopback clients");
  });

  test("last-heartbeat answers (null without a heartbeat runner)", async () => {
    const client = await reader();
    const res = await client.request("last-heartbeat", {});
    assert.equal(res.ok, true, JSON.stringify(res.error));
  });

  test("logs.tail answers {file, cursor, size, lines} and accepts its own cursor", async () => {
    const client = await reader();
    const first = await client.call("logs.tail", { limit: 200, maxBytes: 250000 });
    assert.equal(typeof first.file, "string");
    assert.ok(Number.isInteger(first.cursor) && first.cursor >= 0);
    assert.ok(Number.isInteger(first.size));
    assert.ok(Array.isArray(first.lines));
    const second = await client.call("logs.tail", { cursor: first.cursor, limit: 200 });
    assert.ok(Number.isInteger(second.cursor) && second.cursor >= first.cursor);
  });

  test("config.get is readable with operator.read and never contains secrets", async () => {
    const client = await reader();
    const cfg = await client.call("config.get", {});
    assert.equal(cfg.path, gw.configPath);
    assert.equal(cfg.exists, true);
    assert.equal(typeof cfg.hash, "string");
    assert.ok(!JSON.stringify(cfg).includes("super-secret-config-token-123"), "config.get leaks the configured token");
  });

  test("channels.status answers the ChannelsStatusResult maps", async () => {
    const client = await reader();
    const res = await client.call("channels.status", { probe: false, timeoutMs: 10000 });
    assert.ok(Number.isInteger(res.ts));
    assert.ok(Array.isArray(res.channelOrder));
    for (const key of ["channelLabels", "channels", "channelAccounts", "channelDefaultAccountId"]) {
      assert.equal(typeof res[key], "object", key);
      assert.ok(res[key] !== null && !Array.isArray(res[key]), key);
    }
  });
});

describe("authorization and unknown methods", () => {
  test("system-event with only operator.read is refused: missing scope operator.admin", async () => {
    const client = await reader();
    assertMissingScope(await client.request("system-event", { text: "hi" }), "operator.admin");
  });

  test("system-event with operator.write is refused: missing scope operator.admin", async () => {
    const client = await reader({ scopes: ["operator.write", "operator.read"] });
    assertMissingScope(await client.request("system-event", { text: "hi" }), "operator.admin");
  });

  test("an unknown method from a non-admin is refused as missing operator.admin (no method probing)", async () => {
    const client = await reader();
    assertMissingScope(await client.request("definitely.not.a.method", {}), "operator.admin");
    assertMissingScope(await client.request("config.set", {}), "operator.admin");
  });

  test("an unknown method from an admin gets INVALID_REQUEST \"unknown method: x\"", async () => {
    const client = await admin();
    const res = await client.request("x", {});
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.message, "unknown method: x");
  });

  for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
    test(`method name "${name}" is an unknown method, not an object-prototype lookup`, async () => {
      const client = await admin();
      const res = await client.request(name, {});
      assert.equal(res.ok, false);
      assert.equal(res.error.message, `unknown method: ${name}`);
      assert.equal((await client.request("health")).ok, true);
    });
  }

  test("connect after the handshake gets \"connect is only valid as the first request\" and the socket stays usable", async () => {
    const client = await reader();
    const res = await client.request("connect", connectParams());
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.message, "connect is only valid as the first request");
    assert.equal(client.isOpen, true);
    assert.equal((await client.request("health")).ok, true);
  });
});

describe("params validation", () => {
  const cases: Array<[string, string, unknown]> = [
    ["logs.tail", "limit as a string", { limit: "ten" }],
    ["logs.tail", "unknown key", { bogus: 1 }],
    ["logs.tail", "limit 0", { limit: 0 }],
    ["logs.tail", "limit above 5000", { limit: 5001 }],
    ["logs.tail", "negative cursor", { cursor: -1 }],
    ["logs.tail", "params an array", [1, 2]],
    ["health", "probe as a string", { probe: "yes" }],
    ["system-presence", "unknown key", { x: 1 }],
    ["status", "includeChannelSummary as a number", { includeChannelSummary: 1 }],
    ["channels.status", "timeoutMs as a string", { timeoutMs: "5s" }],
  ];
  for (const [method, label, params] of cases) {
    test(`${method} with ${label} gets INVALID_REQUEST "invalid ${method} params: …"`, async () => {
      const client = await reader();
      const res = await client.request(method, params);
      assert.equal(res.ok, false);
      assert.equal(res.error.code, "INVALID_REQUEST");
      assert.ok(res.error.message.startsWith(`invalid ${method} params: `), res.error.message);
      assert.ok(res.error.message.length > `invalid ${method} params: `.length, "the message lists the problems");
    });
  }

  test("system-event without text (admin) gets \"invalid system-event params: …\"", async () => {
    const client = await admin();
    const res = await client.request("system-event", {});
    assert.equal(res.error?.code, "INVALID_REQUEST");
    assert.match(res.error.message, /^invalid system-event params: /);
  });
});

describe("frame errors after the handshake", () => {
  test("{type:req, id:5} gets a res with id \"invalid\" and the socket stays open", async () => {
    const client = await reader();
    client.send({ type: "req", id: 5 });
    const res = await client.waitFor((f) => f.type === "res" && f.id === "invalid");
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.match(res.error.message, /^invalid request frame/);
    assert.equal((await client.request("health")).ok, true);
  });

  const bad: Array<[string, unknown, string]> = [
    ["missing method", { type: "req", id: "m1" }, "m1"],
    ["numeric method", { type: "req", id: "m2", method: 5 }, "m2"],
    ["extra field", { type: "req", id: "m3", method: "health", extra: 1 }, "m3"],
    ["type res", { type: "res", id: "m4", ok: true }, "m4"],
    ["traceparent too long", { type: "req", id: "m5", method: "health", traceparent: "0".repeat(129) }, "m5"],
    ["empty expectedProfileId", { type: "req", id: "m6", method: "health", expectedProfileId: "" }, "m6"],
    ["object id", { type: "req", id: { a: 1 }, method: "health" }, "invalid"],
    ["array frame", [{ type: "req", id: "m7", method: "health" }], "invalid"],
    ["null frame", null, "invalid"],
    ["string frame", "health", "invalid"],
  ];
  for (const [label, frame, expectedId] of bad) {
    test(`an invalid frame (${label}) gets res id "${expectedId}" with "invalid request frame: …"`, async () => {
      const client = await reader();
      const from = client.frames.length;
      client.send(JSON.stringify(frame));
      const res = await client.waitFor((f) => f.type === "res" && f.id === expectedId, { from });
      assert.equal(res.ok, false);
      assert.equal(res.error.code, "INVALID_REQUEST");
      assert.match(res.error.message, /^invalid request frame: /);
      assert.equal((await client.request("health")).ok, true, "socket still usable");
    });
  }

  test("a malformed (but short) traceparent is ignored", async () => {
    const client = await reader();
    const id = client.nextId();
    client.send({ type: "req", id, method: "health", traceparent: "not-a-traceparent" });
    assert.equal((await client.waitForResponse(id)).ok, true);
  });

  test("non-JSON text after the handshake is ignored and the connection keeps working", async () => {
    const client = await reader();
    const from = client.frames.length;
    client.send("{{{ definitely not json");
    client.send("");
    const res = await client.request("health");
    assert.equal(res.ok, true);
    assert.equal(client.frames.slice(from).filter((f) => f.type === "res").length, 1, "only the health res");
    assert.equal(client.isOpen, true);
  });

  test("a binary frame holding a JSON request never breaks the connection", async () => {
    const client = await reader();
    const binId = client.nextId();
    client.sendBinary(Buffer.from(JSON.stringify({ type: "req", id: binId, method: "health" })));
    client.sendBinary(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    const res = await client.request("health");
    assert.equal(res.ok, true);
    const binRes = client.frames.find((f) => f.type === "res" && f.id === binId);
    if (binRes) assert.equal(binRes.ok, true);
    assert.equal(client.isOpen, true);
  });

  test("request ids are echoed verbatim (unicode, quotes, long)", async () => {
    const client = await reader();
    for (const id of ["ümlaut-🙂-\"quoted\"-\\", "x".repeat(5000), "1:" + "\u2028\u2029"]) {
      client.send({ type: "req", id, method: "health" });
      const res = await client.waitForResponse(id);
      assert.equal(res.id, id);
      assert.equal(res.ok, true);
    }
  });

  test("200 pipelined requests are each answered exactly once", async () => {
    const client = await reader();
    const ids = Array.from({ length: 200 }, (_, i) => client.sendRequest(i % 2 ? "health" : "status"));
    await Promise.all(ids.map((id) => client.waitForResponse(id)));
    const counts = new Map<string, number>();
    for (const f of client.frames) if (f.type === "res") counts.set(f.id!, (counts.get(f.id!) ?? 0) + 1);
    for (const id of ids) assert.equal(counts.get(id), 1, `id ${id}`);
  });
});

describe("events", () => {
  let fast: TestGateway;
  before(async () => {
    fast = await startTestGateway({ intervals: { tickMs: 50 } });
  });
  after(() => fast.stop());

  function assertSeqContiguous(client: TestClient): number[] {
    const events = client.frames.filter((f) => f.type === "event" && f.event !== "connect.challenge");
    const seqs = events.map((f) => f.seq as number);
    assert.ok(seqs.length > 0);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `seq must start at 1 and step by 1: ${seqs}`);
    return seqs;
  }

  test("tick events carry {ts} and a per-connection seq starting at 1 and increasing by 1", async () => {
    const { client } = await connectClient(fast.url);
    await client.waitFor(() => client.events("tick").length >= 6, { timeoutMs: 3000, label: "6 ticks" });
    assertSeqContiguous(client);
    for (const tick of client.events("tick")) {
      assert.ok(Number.isInteger(tick.payload.ts));
      assert.ok(!("stateVersion" in tick), "tick has no stateVersion");
      assert.deepEqual(Object.keys(tick.payload), ["ts"]);
    }
  });

  test("seq counters are per connection", async () => {
    const a = (await connectClient(fast.url)).client;
    await a.waitFor(() => a.events("tick").length >= 4, { label: "ticks on a" });
    const b = (await connectClient(fast.url)).client;
    await b.waitFor(() => b.events("tick").length >= 2, { label: "ticks on b" });
    assertSeqContiguous(a);
    assertSeqContiguous(b);
    assert.equal(b.events().find((e) => e.event !== "connect.challenge")?.seq, 1);
  });

  test("ticks are delivered to a client without scopes (no scope required)", async () => {
    const { client } = await connectClient(fast.url, { scopes: [] });
    await client.waitForEvent("tick", { timeoutMs: 2000 });
  });

  test("presence events for a non-ephemeral client's connect and disconnect carry stateVersion", async () => {
    const observer = (await connectClient(fast.url)).client;
    const instanceId = "presence-webchat-1";
    let from = observer.frames.length;
    const { client: ui } = await connectClient(fast.url, { client: { id: "openclaw-control-ui", mode: "webchat", instanceId } });
    const joined = await observer.waitFor((f) => f.event === "presence" && f.payload.presence.some((p: any) => p.instanceId === instanceId), { from, label: "presence connect" });
    assert.ok(Number.isInteger(joined.seq));
    assert.ok(Number.isInteger(joined.stateVersion?.presence) && Number.isInteger(joined.stateVersion?.health), "presence carries stateVersion");
    const entry = joined.payload.presence.find((p: any) => p.instanceId === instanceId);
    assert.deepEqual(presenceEntryProblems(entry), []);
    assert.equal(entry.mode, "webchat");
    assert.ok(joined.payload.presence.some((p: any) => p.mode === "gateway" && p.reason === "self"));

    from = observer.frames.length;
    await ui.close();
    const left = await observer.waitFor(
      (f) => f.event === "presence" && f.payload.presence.some((p: any) => p.instanceId === instanceId && p.reason === "disconnect"),
      { from, label: "presence disconnect" },
    );
    assert.ok(left.stateVersion.presence > joined.stateVersion.presence, "presence stateVersion is bumped on change");
    assertSeqContiguous(observer);
  });

  test("a 'ui' mode client is tracked too", async () => {
    const observer = (await connectClient(fast.url)).client;
    const from = observer.frames.length;
    await connectClient(fast.url, { client: { id: "openclaw-macos", mode: "ui", instanceId: "presence-ui-2" } });
    await observer.waitFor((f) => f.event === "presence" && f.payload.presence.some((p: any) => p.instanceId === "presence-ui-2"), { from });
  });

  test("ephemeral cli/probe/backend clients do not cause presence broadcasts", async () => {
    const observer = (await connectClient(fast.url)).client;
    const from = observer.frames.length;
    const cli = (await connectClient(fast.url)).client;
    const probe = (await connectClient(fast.url, { client: { mode: "probe" } })).client;
    const backend = (await connectClient(fast.url, { client: { id: "gateway-client", mode: "backend" } })).client;
    await Promise.all([cli.close(), probe.close(), backend.close()]);
    await sleep(250);
    assert.deepEqual(observer.frames.slice(from).filter((f) => f.event === "presence"), []);
  });

  test("presence is not delivered to a client without operator.read", async () => {
    const noScope = (await connectClient(fast.url, { scopes: [] })).client;
    const from = noScope.frames.length;
    await connectClient(fast.url, { client: { id: "webchat", mode: "webchat", instanceId: "presence-hidden" } });
    await sleep(250);
    assert.deepEqual(noScope.frames.slice(from).filter((f) => f.event === "presence"), []);
    assertSeqContiguous(noScope);
  });

  test("health {probe:true} broadcasts a health event with stateVersion to every client", async () => {
    const a = (await connectClient(fast.url)).client;
    const b = (await connectClient(fast.url, { scopes: [] })).client;
    const fromA = a.frames.length;
    const fromB = b.frames.length;
    const before = (await a.request("health")).payload;
    const res = await a.request("health", { probe: true });
    assert.equal(res.ok, true);
    const evA = await a.waitForEvent("health", { from: fromA });
    const evB = await b.waitForEvent("health", { from: fromB });
    for (const ev of [evA, evB]) {
      assert.ok(Number.isInteger(ev.seq));
      assert.ok(Number.isInteger(ev.stateVersion?.health) && Number.isInteger(ev.stateVersion?.presence));
      assert.deepEqual(healthProblems(ev.payload), []);
      assert.equal(ev.payload.ok, true);
    }
    assert.ok(evA.payload.ts >= before.ts);
  });

  test("system-event with instanceId (admin) upserts presence and broadcasts it", async () => {
    const observer = (await connectClient(fast.url)).client;
    const adm = (await connectClient(fast.url, { scopes: ADMIN_SCOPES })).client;
    const from = observer.frames.length;
    const res = await adm.request("system-event", { text: "Node: lab-mac · mode ui", instanceId: "sysev-1", host: "lab-mac", mode: "ui", reason: "periodic", lastInputSeconds: 12 });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.deepEqual(res.payload, { ok: true });
    const ev = await observer.waitFor((f) => f.event === "presence" && f.payload.presence.some((p: any) => p.instanceId === "sysev-1"), { from });
    assert.ok(ev.stateVersion);
    const entry = ev.payload.presence.find((p: any) => p.instanceId === "sysev-1");
    assert.equal(entry.host, "lab-mac");
    assert.equal(entry.reason, "periodic");
    assert.equal(entry.lastInputSeconds, 12);
    assert.deepEqual(presenceEntryProblems(entry), []);
    const list = await observer.call("system-presence", {});
    assert.ok(list.some((p: any) => p.instanceId === "sysev-1" && p.host === "lab-mac"));
    const status = await observer.call("status");
    assert.ok(status.queuedSystemEvents.includes("Node: lab-mac · mode ui"));
  });
});

describe("system-event bookkeeping", () => {
  test("a repeated idempotencyKey is queued once (protocol.md §9.1)", async () => {
    const adm = await admin();
    const text = `dedupe-${Date.now()}`;
    for (let i = 0; i < 3; i++) assert.equal((await adm.request("system-event", { text, idempotencyKey: "same-key-1" })).ok, true);
    const status = await adm.call("status");
    assert.equal(status.queuedSystemEvents.filter((t: string) => t === text).length, 1);
  });

  test("presence is capped at 200 client entries", async () => {
    const adm = await admin();
    for (let i = 0; i < 230; i++) {
      const res = await adm.request("system-event", { text: `cap ${i}`, instanceId: `cap-${i}` });
      assert.equal(res.ok, true);
    }
    const list = await adm.call("system-presence", {});
    const clients = list.filter((p: any) => !(p.mode === "gateway" && p.reason === "self"));
    assert.ok(clients.length <= 200, `${clients.length} client entries`);
    assert.ok(list.some((p: any) => p.instanceId === "cap-229"), "the newest entry is kept");
    assert.ok(list.some((p: any) => p.mode === "gateway" && p.reason === "self"), "the self entry is never evicted");
  });
});

describe("periodic health broadcast", () => {
  test("health events are broadcast on the refresh interval with increasing stateVersion.health", async () => {
    const g = await startTestGateway({ intervals: { healthMs: 100 } });
    const { client } = await connectClient(g.url);
    await client.waitFor(() => client.events("health").length >= 3, { timeoutMs: 3000, label: "3 health events" });
    const versions = client.events("health").map((e) => e.stateVersion.health);
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i] > versions[i - 1], `versions ${versions}`);
    await g.stop();
  });
});
