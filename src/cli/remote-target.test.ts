import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isTrustedPlaintextHost, assertSafeGatewayUrl } from "./plaintext-ws-guard.js";
import { resolveEndpoint } from "./remote-target.js";

const dir = mkdtempSync(join(tmpdir(), "ocgw-remote-target-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { OPENCLAW_STATE_DIR: dir };
const fp = "ab".repeat(32);

test("--url: as given, no implicit credentials; --port: local loopback even in remote mode", () => {
  const remote = { mode: "remote" as const, remote: { url: "wss://gw.example", sshTarget: "me@gw.example" } };
  assert.deepEqual(resolveEndpoint(remote, { url: "ws://127.0.0.1:1234" }, env), { url: "ws://127.0.0.1:1234", portSource: "url", credentials: "none" });
  assert.deepEqual(resolveEndpoint(remote, { port: 4321 }, env), { url: "ws://127.0.0.1:4321", portSource: "cli", credentials: "local" });
});

test("OPENCLAW_GATEWAY_URL beats the config and may use only env credentials", () => {
  const endpoint = resolveEndpoint({ mode: "remote", remote: { url: "wss://gw.example" } }, {}, { ...env, OPENCLAW_GATEWAY_URL: "ws://192.168.1.5:18789" });
  assert.deepEqual(endpoint, { url: "ws://192.168.1.5:18789", portSource: "env", credentials: "env" });
});

test("remote mode: transport ssh (the default with an sshTarget) tunnels to remotePort; direct uses remote.url with its pin", () => {
  const remote = { url: "wss://gw.example:8443", sshTarget: "me@gw.example:2222", sshIdentity: "/k/id", remotePort: 19000, tlsFingerprint: `sha256:${fp.toUpperCase()}` };
  const tunnelled = resolveEndpoint({ mode: "remote", remote }, {}, env);
  assert.deepEqual(tunnelled.tunnel, { target: "me@gw.example:2222", identity: "/k/id", remotePort: 19000, hostKeyPolicy: "strict" });
  assert.equal(tunnelled.credentials, "remote");
  assert.deepEqual(resolveEndpoint({ mode: "remote", remote: { sshTarget: "gw" } }, {}, env).tunnel, { target: "gw", remotePort: 18789, hostKeyPolicy: "strict" });

  const direct = resolveEndpoint({ mode: "remote", remote: { ...remote, transport: "direct" } }, {}, env);
  assert.deepEqual(direct, { url: "wss://gw.example:8443", portSource: "remote", credentials: "remote", tlsFingerprint: fp });
  assert.deepEqual(resolveEndpoint({ mode: "remote", remote: { url: "ws://127.0.0.1:18789" } }, {}, env).tunnel, undefined, "transport ssh without sshTarget: the user runs the tunnel");
  assert.throws(() => resolveEndpoint({ mode: "remote", remote: { url: "wss://gw", tlsFingerprint: "nope" } }, {}, env), /Invalid gateway\.remote\.tlsFingerprint "nope"/);
});

test("local mode: ws://127.0.0.1:<port>; with gateway.tls wss:// pinned to the local certificate, or the reason it cannot be", () => {
  assert.deepEqual(resolveEndpoint({ mode: "local", port: 1555 }, {}, env), { url: "ws://127.0.0.1:1555", portSource: "config", credentials: "local" });
  const certPath = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t", "-keyout", join(dir, "key.pem"), "-out", certPath], { stdio: "ignore" });
  const expected = new X509Certificate(readFileSync(certPath)).fingerprint256.replace(/:/g, "").toLowerCase();
  const tls = resolveEndpoint({ port: 1555, tls: { enabled: true, certPath } }, {}, env);
  assert.equal(tls.url, "wss://127.0.0.1:1555");
  assert.equal(tls.tlsFingerprint, expected);
  const missing = resolveEndpoint({ port: 1555, tls: { enabled: true, certPath: join(dir, "absent.pem") } }, {}, env);
  assert.equal(missing.tlsFingerprint, undefined);
  assert.match(missing.tlsError ?? "", /absent\.pem cannot be read/);
});

test("plaintext ws:// only to private hosts; wss:// anywhere; break-glass trusts DNS names, never public IPs", () => {
  for (const host of ["127.0.0.1", "localhost", "[::1]", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.202", "169.254.1.1", "100.64.0.1", "100.127.255.254", "[fe80::1]", "[fd00::5]", "box.local", "gw.tailnet-abc.ts.net", "GW.LOCAL."]) {
    assert.equal(isTrustedPlaintextHost(host), true, host);
  }
  for (const host of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "[2001:db8::1]", "gateway.example.com", "local", "evil-ts.net"]) {
    assert.equal(isTrustedPlaintextHost(host), false, host);
  }
  assert.doesNotThrow(() => assertSafeGatewayUrl("wss://8.8.8.8:443", "--url", {}));
  assert.throws(() => assertSafeGatewayUrl("ws://gateway.example.com:18789", "--url", {}), /Refusing plaintext ws:\/\/ to gateway\.example\.com:18789 \(from --url\)/);
  assert.doesNotThrow(() => assertSafeGatewayUrl("ws://gateway.example.com:18789", "--url", { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" }));
  assert.throws(() => assertSafeGatewayUrl("ws://8.8.8.8:18789", "--url", { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" }), /Refusing plaintext/);
  assert.throws(() => assertSafeGatewayUrl("ftp://x", "--url", {}), /scheme must be ws:\/\/ or wss:\/\//);
  assert.throws(() => resolveEndpoint({}, { url: "ws://8.8.4.4:1" }, {}), /Refusing plaintext/);
});
