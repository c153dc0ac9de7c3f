/** hello-ok payload: closed schema, policy, snapshot, features and granted scopes (protocol.md §2.4, §4.4). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_SCOPES, connectClient, startFileGateway, type ConnectOverrides } from "./harness.js";
import {
  ALLOWED_AUTH_KEYS,
  ALLOWED_POLICY_KEYS,
  ALLOWED_SERVER_KEYS,
  ALLOWED_SNAPSHOT_KEYS,
  ALLOWED_TOP_LEVEL_KEYS,
  GATEWAY_EVENTS,
  helloOkProblems,
} from "./hello-ok-schema.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CORE_METHODS = ["health", "status", "system-presence", "system-event", "last-heartbeat", "config.get", "logs.tail", "channels.status"];

const gw = await startFileGateway();

function assertKeysSubset(obj: object, allowed: string[], where: string): void {
  for (const key of Object.keys(obj)) assert.ok(allowed.includes(key), `${where} has unexpected key "${key}"`);
}

function assertHelloConforms(hello: any, label: string): void {
  const problems = helloOkProblems(hello);
  assert.deepEqual(problems, [], `${label}: hello-ok does not match the closed HelloOk schema`);
  assertKeysSubset(hello, ALLOWED_TOP_LEVEL_KEYS, "hello-ok");
  assertKeysSubset(hello.server, ALLOWED_SERVER_KEYS, "hello-ok.server");
  assertKeysSubset(hello.snapshot, ALLOWED_SNAPSHOT_KEYS, "hello-ok.snapshot");
  assertKeysSubset(hello.auth, ALLOWED_AUTH_KEYS, "hello-ok.auth");
  assertKeysSubset(hello.policy, ALLOWED_POLICY_KEYS, "hello-ok.policy");
}

const variants: Array<[string, ConnectOverrides]> = [
  ["cli operator.read", {}],
  ["cli admin", { scopes: ADMIN_SCOPES }],
  ["probe", { minProtocol: 3, client: { mode: "probe", version: "dev" } }],
  ["control ui (webchat)", { client: { id: "openclaw-control-ui", mode: "webchat", version: "control-ui", platform: "Linux x86_64" }, auth: { token: "test-token", password: "test-token" }, caps: ["tool-events", "approvals"], locale: "en-US", userAgent: "Mozilla/5.0" }],
  ["ui mode, no scopes", { client: { id: "openclaw-macos", mode: "ui", platform: "macos", deviceFamily: "Mac" }, scopes: [] }],
  ["backend", { client: { id: "gateway-client", mode: "backend" }, scopes: ["operator.write"] }],
];

describe("hello-ok schema", () => {
  for (const [label, overrides] of variants) {
    test(`conforms to the closed HelloOk schema (${label})`, async () => {
      const { hello, res } = await connectClient(gw.url, overrides);
      assertKeysSubset(res, ["type", "id", "ok", "payload"], "res frame");
      assertHelloConforms(hello, label);
      assert.equal(hello.type, "hello-ok");
      assert.equal(hello.protocol, 4);
    });
  }

  test("policy is exactly maxPayload 25 MiB, maxBufferedBytes 50 MiB, tickIntervalMs 30000", async () => {
    const { hello } = await connectClient(gw.url);
    assert.deepEqual(hello.policy, { maxPayload: 26214400, maxBufferedBytes: 52428800, tickIntervalMs: 30000 });
  });

  test("server has a version, a per-process bootId and a per-connection uuid connId", async () => {
    const a = await connectClient(gw.url);
    const b = await connectClient(gw.url);
    assert.equal(typeof a.hello.server.version, "string");
    assert.ok(a.hello.server.version.length > 0);
    assert.match(a.hello.server.connId, UUID);
    assert.notEqual(a.hello.server.connId, b.hello.server.connId);
    if (a.hello.server.bootId !== undefined) assert.equal(a.hello.server.bootId, b.hello.server.bootId);
  });
});

describe("hello-ok snapshot", () => {
  test("presence contains the gateway self entry", async () => {
    const { hello } = await connectClient(gw.url);
    const self = hello.snapshot.presence.find((p: any) => p.mode === "gateway" && p.reason === "self");
    assert.ok(self, `no self entry in ${JSON.stringify(hello.snapshot.presence)}`);
    assert.ok(Number.isInteger(self.ts));
    assert.equal(typeof self.text, "string");
    assert.match(self.text, /^Gateway: .* · mode gateway · reason self$/);
    assert.equal(typeof self.host, "string");
    assert.equal(typeof self.version, "string");
  });

  test("stateVersion and uptimeMs are non-negative integers", async () => {
    const { hello } = await connectClient(gw.url);
    assert.ok(Number.isInteger(hello.snapshot.stateVersion.presence) && hello.snapshot.stateVersion.presence >= 1);
    assert.ok(Number.isInteger(hello.snapshot.stateVersion.health) && hello.snapshot.stateVersion.health >= 1);
    assert.ok(Number.isInteger(hello.snapshot.uptimeMs) && hello.snapshot.uptimeMs >= 0);
  });

  test("a non-ephemeral client sees itself in the presence snapshot", async () => {
    const instanceId = "hello-webchat-instance";
    const { hello } = await connectClient(gw.url, { client: { id: "webchat", mode: "webchat", instanceId } });
    const me = hello.snapshot.presence.find((p: any) => p.instanceId === instanceId);
    assert.ok(me, "own presence entry");
    assert.equal(me.mode, "webchat");
  });

  test("configPath, stateDir and authMode are only given to admins", async () => {
    const reader = await connectClient(gw.url);
    for (const key of ["configPath", "stateDir", "authMode"]) assert.ok(!(key in reader.hello.snapshot), `read-only client got snapshot.${key}`);
    const admin = await connectClient(gw.url, { scopes: ADMIN_SCOPES });
    assert.equal(admin.hello.snapshot.configPath, gw.configPath);
    assert.equal(admin.hello.snapshot.stateDir, gw.stateDir);
    assert.equal(admin.hello.snapshot.authMode, "token");
  });
});

describe("hello-ok features", () => {
  test("methods equal the registry's advertised methods and include the core set", async () => {
    const { hello } = await connectClient(gw.url);
    assert.deepEqual(hello.features.methods, gw.gw.context.methods.advertised());
    for (const m of CORE_METHODS) assert.ok(hello.features.methods.includes(m), `features.methods lacks ${m}`);
    assert.equal(new Set(hello.features.methods).size, hello.features.methods.length, "no duplicates");
    assert.ok(!hello.features.methods.includes("connect"), "connect is not advertised");
  });

  test("events are the advertised list, a subset of the OpenClaw event names", async () => {
    const { hello } = await connectClient(gw.url);
    for (const e of ["connect.challenge", "tick", "presence", "health", "shutdown"]) assert.ok(hello.features.events.includes(e), `missing event ${e}`);
    for (const e of hello.features.events) assert.ok(GATEWAY_EVENTS.includes(e), `unknown event advertised: ${e}`);
  });
});

describe("hello-ok auth", () => {
  test("scopes equal the requested known scopes (unknown ones dropped)", async () => {
    const { hello } = await connectClient(gw.url, { scopes: ["operator.read", "operator.write", "operator.bogus", "root"] });
    assert.equal(hello.auth.role, "operator");
    assert.deepEqual([...hello.auth.scopes].sort(), ["operator.read", "operator.write"]);
  });

  test("all ten known operator scopes are kept", async () => {
    const all = [
      "operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.questions", "operator.pairing",
      "operator.talk", "operator.talk.secrets", "operator.sessions.read", "operator.sessions.write",
    ];
    const { hello } = await connectClient(gw.url, { scopes: all });
    assert.deepEqual([...hello.auth.scopes].sort(), [...all].sort());
  });

  test("a probe client is granted operator.read and can run the probe RPCs", async () => {
    const { client, hello } = await connectClient(gw.url, { minProtocol: 3, client: { mode: "probe", version: "dev" } });
    assert.deepEqual(hello.auth.scopes, ["operator.read"]);
    const [health, status, presence, config] = await Promise.all([
      client.request("health"),
      client.request("status"),
      client.request("system-presence", {}),
      client.request("config.get", {}),
    ]);
    for (const res of [health, status, presence, config]) assert.equal(res.ok, true, JSON.stringify(res.error));
    assert.ok(presence.payload.some((p: any) => p.mode === "gateway" && p.reason === "self"));
  });
});
