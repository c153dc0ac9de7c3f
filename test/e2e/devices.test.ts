/**
 * Signed device identities at connect (protocol §3, §6): a local device is approved silently and
 * gets a device token it can connect with instead of the shared secret; a browser-style device
 * from a non-loopback address (behind a proxy) is held at "pairing required" until the owner
 * approves it; a revoked token is refused on its next connect and its live connection closes;
 * every proof failure has its documented code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newDeviceKey, signConnect, type DeviceKey } from "../devices/device-keys.js";
import { cleanEnv, dump, runOpenclaw } from "./process-harness.js";
import { ADMIN_SCOPES, TEST_TOKEN, connectParams, openClient, sendConnect, startFileGateway, type ConnectOverrides, type Frame, type TestClient } from "./harness.js";

const gw = await startFileGateway();
const PAIRING_ADMIN = [...ADMIN_SCOPES, "operator.pairing"];
const PROXIED = { headers: { "x-forwarded-for": "203.0.113.7", origin: "http://127.0.0.1:5173" } };

function nonceOf(client: TestClient): string {
  return client.frames.find((f) => f.event === "connect.challenge")!.payload.nonce;
}

type Options = { overrides?: ConnectOverrides; ws?: Record<string, unknown>; version?: "v2" | "v3"; tamper?: (proof: Record<string, unknown>) => void };

/** Connects with a signed device; the signature covers what the params say (role, scopes, token, client). */
async function deviceConnect(key: DeviceKey, opts: Options = {}): Promise<{ client: TestClient; res: Frame }> {
  const client = await openClient(gw.url, opts.ws ?? {});
  const params = connectParams(opts.overrides) as Record<string, any>;
  const token = params.auth?.token ?? params.auth?.deviceToken ?? "";
  const proof = signConnect(key, {
    version: opts.version ?? "v3",
    nonce: nonceOf(client),
    connect: { clientId: params.client.id, clientMode: params.client.mode, role: params.role ?? "operator", scopes: params.scopes ?? [], token, platform: params.client.platform, deviceFamily: params.client.deviceFamily },
  }) as unknown as Record<string, unknown>;
  opts.tamper?.(proof);
  const res = await sendConnect(client, { ...params, device: proof });
  return { client, res };
}

async function admin(): Promise<TestClient> {
  const client = await openClient(gw.url);
  const res = await sendConnect(client, connectParams({ scopes: PAIRING_ADMIN }));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

test("a local device is approved silently and gets a device token that replaces the shared secret", async () => {
  const key = newDeviceKey();
  const first = await deviceConnect(key, { overrides: { scopes: ["operator.read", "operator.write"] } });
  assert.equal(first.res.ok, true, JSON.stringify(first.res.error));
  const { deviceToken, issuedAtMs } = first.res.payload.auth;
  assert.match(deviceToken, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(issuedAtMs > 0);

  const op = await admin();
  const list = await op.request("device.pair.list", {});
  const paired = list.payload.paired.find((d: { deviceId: string }) => d.deviceId === key.deviceId);
  assert.ok(paired, "the device is listed as paired");
  assert.equal(paired.connected, true);
  assert.equal(paired.approvedScopes, undefined, "approved scopes are not listed");
  assert.ok(!JSON.stringify(list.payload).includes(deviceToken), "no token in the list");

  const again = await deviceConnect(key, { overrides: { auth: { token: deviceToken }, scopes: ["operator.read"] } });
  assert.equal(again.res.ok, true, JSON.stringify(again.res.error));
  assert.equal(again.res.payload.auth.method, "device-token");
  assert.deepEqual(again.res.payload.auth.scopes, ["operator.read"]);

  const wider = await deviceConnect(key, { overrides: { auth: { token: deviceToken }, scopes: ["operator.admin"] } });
  assert.equal(wider.res.ok, false);
  assert.equal(wider.res.error.details.code, "AUTH_SCOPE_MISMATCH");

  const wrong = await deviceConnect(key, { overrides: { auth: { token: "x".repeat(43) } } });
  assert.equal(wrong.res.ok, false);
  assert.equal(wrong.res.error.details.code, "AUTH_DEVICE_TOKEN_MISMATCH");
  assert.match(wrong.res.error.message, /device token mismatch/);
});

test("a browser device behind a proxy is held at pairing required until approved, with events to pairing operators", async () => {
  const op = await admin();
  const key = newDeviceKey();
  const browser = { client: { id: "openclaw-control-ui", mode: "webchat", platform: "MacIntel", deviceFamily: undefined }, scopes: ["operator.read"] };
  const held = await deviceConnect(key, { overrides: browser, ws: PROXIED, version: "v2" });
  assert.equal(held.res.ok, false);
  assert.equal(held.res.error.code, "NOT_PAIRED");
  assert.equal(held.res.error.details.code, "PAIRING_REQUIRED");
  assert.equal(held.res.error.details.reason, "not-paired");
  const requestId = held.res.error.details.requestId;
  const closed = await held.client.closed;
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /pairing required/);
  const requested = await op.waitForEvent("device.pair.requested", { timeoutMs: 2000 });
  assert.equal(requested.payload.requestId, requestId);
  assert.equal(requested.payload.deviceId, key.deviceId);

  const stillHeld = await deviceConnect(key, { overrides: browser, ws: PROXIED, version: "v2" });
  assert.equal(stillHeld.res.error.details.requestId, requestId, "a retry keeps the same request");

  const approved = await op.request("device.pair.approve", { requestId });
  assert.equal(approved.ok, true, JSON.stringify(approved.error));
  const resolved = await op.waitForEvent("device.pair.resolved", { timeoutMs: 2000 });
  assert.equal(resolved.payload.decision, "approved");

  const admitted = await deviceConnect(key, { overrides: browser, ws: PROXIED, version: "v2" });
  assert.equal(admitted.res.ok, true, JSON.stringify(admitted.res.error));
  const upgrade = await deviceConnect(key, { overrides: { ...browser, scopes: ["operator.read", "operator.write"] }, ws: PROXIED, version: "v2" });
  assert.equal(upgrade.res.error.details.reason, "scope-upgrade", "more scopes ask again");
});

test("revoking a device token closes its connection and refuses the token on the next connect", async () => {
  const key = newDeviceKey();
  const first = await deviceConnect(key);
  const token = first.res.payload.auth.deviceToken;
  const live = await deviceConnect(key, { overrides: { auth: { token } } });
  assert.equal(live.res.ok, true);
  const op = await admin();
  const revoked = await op.request("device.token.revoke", { deviceId: key.deviceId, role: "operator" });
  assert.equal(revoked.ok, true, JSON.stringify(revoked.error));
  const closed = await live.client.closed;
  assert.equal(closed.code, 1008);
  const refused = await deviceConnect(key, { overrides: { auth: { token } } });
  assert.equal(refused.res.error.details.code, "AUTH_DEVICE_TOKEN_MISMATCH");
  const removed = await op.request("device.pair.remove", { deviceId: key.deviceId });
  assert.equal(removed.ok, true);
});

test("each proof failure has its code, reason and message, and closes 1008", async () => {
  const cases: Array<[string, (p: Record<string, unknown>) => void, string]> = [
    ["DEVICE_AUTH_DEVICE_ID_MISMATCH", (p) => (p.id = "0".repeat(64)), "device identity mismatch"],
    ["DEVICE_AUTH_SIGNATURE_EXPIRED", (p) => (p.signedAt = Date.now() - 10 * 60_000), "device signature expired"],
    ["DEVICE_AUTH_NONCE_MISMATCH", (p) => (p.nonce = "not-the-challenge"), "device nonce mismatch"],
    ["DEVICE_AUTH_SIGNATURE_INVALID", (p) => (p.signature = Buffer.alloc(64, 1).toString("base64url")), "device signature invalid"],
    ["DEVICE_AUTH_PUBLIC_KEY_INVALID", (p) => (p.publicKey = "abc"), "device public key invalid"],
  ];
  for (const [code, tamper, message] of cases) {
    const { client, res } = await deviceConnect(newDeviceKey(), { tamper });
    assert.equal(res.ok, false, code);
    assert.equal(res.error.code, "INVALID_REQUEST");
    assert.equal(res.error.details.code, code);
    assert.equal(res.error.message, message);
    assert.equal((await client.closed).code, 1008);
  }
});

test("gateway.identity.get gives the gateway's own stable identity", async () => {
  const op = await admin();
  const a = await op.request("gateway.identity.get", {});
  const b = await op.request("gateway.identity.get", {});
  assert.match(a.payload.deviceId, /^[0-9a-f]{64}$/);
  assert.match(a.payload.publicKey, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(a.payload, b.payload);
});


test("the CLI lists a held device, shows how to approve the newest, approves it, and revokes its token", async () => {
  const key = newDeviceKey();
  const browser = { client: { id: "openclaw-control-ui", mode: "webchat", platform: "Linux x86_64", deviceFamily: undefined, displayName: "Kitchen laptop" }, scopes: ["operator.read"] };
  const held = await deviceConnect(key, { overrides: browser, ws: PROXIED, version: "v2" });
  const requestId = held.res.error.details.requestId;
  const env = cleanEnv();
  const cli = (...args: string[]) => runOpenclaw([...args, "--url", gw.url, "--token", TEST_TOKEN], env);

  const list = await cli("devices", "list");
  assert.equal(list.code, 0, dump(list));
  assert.match(list.stdout, new RegExp(`${requestId}\\s+Kitchen laptop`));
  const preview = await cli("devices", "approve");
  assert.equal(preview.code, 1, "without an id nothing is approved");
  assert.match(preview.stdout + preview.stderr, new RegExp(`openclaw devices approve ${requestId}`));
  const approved = await cli("devices", "approve", requestId);
  assert.equal(approved.code, 0, dump(approved));
  assert.match(approved.stdout, /Approved Kitchen laptop/);
  const admitted = await deviceConnect(key, { overrides: browser, ws: PROXIED, version: "v2" });
  assert.equal(admitted.res.ok, true, JSON.stringify(admitted.res.error));

  const revoked = await cli("devices", "revoke", "--device", key.deviceId, "--role", "operator");
  assert.equal(revoked.code, 0, dump(revoked));
  assert.equal((await admitted.client.closed).code, 1008, "the device's connection was closed");
  const json = await cli("devices", "list", "--json");
  const entry = JSON.parse(json.stdout).paired.find((d: { deviceId: string }) => d.deviceId === key.deviceId);
  assert.ok(entry.tokens[0].revokedAtMs > 0);
});

test("a new device with a wrong gateway token hears that the gateway token is wrong, not a device token", async () => {
  const key = newDeviceKey();
  const wrong = await deviceConnect(key, { overrides: { auth: { token: "not-the-gateway-token" } } });
  assert.equal(wrong.res.ok, false);
  assert.equal(wrong.res.error.details.code, "AUTH_TOKEN_MISMATCH");
  assert.match(wrong.res.error.message, /gateway token mismatch/);
});
