import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import { GatewayClient, GatewayTlsError } from "./gateway-client.js";

const dir = mkdtempSync(join(tmpdir(), "ocgw-tls-connector-"));
let server: Server;
let wss: WebSocketServer;
let url = "";
let fingerprint = "";
const seen = { upgrades: 0, frames: [] as string[] };

before(async () => {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", keyPath, "-out", certPath], { stdio: "ignore" });
  fingerprint = new X509Certificate(readFileSync(certPath)).fingerprint256;
  server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) });
  server.on("upgrade", () => seen.upgrades++);
  wss = new WebSocketServer({ server });
  // Just enough of the gateway handshake: a challenge, then hello-ok for any connect.
  wss.on("connection", (ws) => {
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n" } }));
    ws.on("message", (data) => {
      seen.frames.push(String(data));
      const frame = JSON.parse(String(data));
      ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", protocol: 4, server: { version: "t", connId: "c" }, features: { methods: [], events: [] }, snapshot: {}, auth: { role: "operator", scopes: [] }, policy: {} } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test("the pinned certificate connects, whatever notation the pin uses", async () => {
  for (const pin of [fingerprint, `sha256:${fingerprint.toLowerCase()}`, fingerprint.replace(/:/g, "")]) {
    const client = await GatewayClient.connect({ url, token: "secret", tlsFingerprint: pin, timeoutMs: 3000 });
    await client.close();
  }
});

test("a wrong pin is refused before the WebSocket upgrade, so the token is never sent", async () => {
  const before = { upgrades: seen.upgrades, frames: seen.frames.length };
  const wrong = "0".repeat(64);
  await assert.rejects(GatewayClient.connect({ url, token: "secret", tlsFingerprint: wrong, timeoutMs: 3000 }), (err: Error) => {
    assert.ok(err instanceof GatewayTlsError);
    assert.match(err.message, new RegExp(`expected ${wrong}, got ${fingerprint.replace(/:/g, "").toLowerCase()}`));
    return true;
  });
  await new Promise((r) => setTimeout(r, 200)); // a request that did leave would have arrived by now
  assert.equal(seen.upgrades, before.upgrades);
  assert.equal(seen.frames.length, before.frames);
});

test("without a pin, normal CA validation refuses the self-signed certificate and suggests the pin", async () => {
  const before = seen.frames.length;
  await assert.rejects(GatewayClient.connect({ url, token: "secret", timeoutMs: 3000 }), (err: Error) => {
    assert.ok(err instanceof GatewayTlsError);
    assert.match(err.message, /self-signed/);
    assert.ok(err.message.includes(`--tls-fingerprint ${fingerprint.replace(/:/g, "").toLowerCase()}`), err.message);
    return true;
  });
  assert.equal(seen.frames.length, before);
});

test("a pin on ws:// and a malformed pin are errors, not silent plaintext", async () => {
  await assert.rejects(GatewayClient.connect({ url: "ws://127.0.0.1:1", tlsFingerprint: fingerprint }), /does not use TLS/);
  await assert.rejects(GatewayClient.connect({ url, tlsFingerprint: "abc" }), /Invalid TLS fingerprint "abc"/);
});
