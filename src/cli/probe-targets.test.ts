import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../config/schema.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { directProbeTargets, probeTunnelSpec, tunnelProbeTarget } from "./probe-targets.js";

const fp = "ab".repeat(32);
const snapshot = (gateway: GatewayConfig["gateway"]) => ({ config: { gateway } }) as unknown as ConfigSnapshot;
const config = snapshot({
  mode: "local",
  port: 19001,
  auth: { token: "local-token" },
  remote: { url: "wss://gw.example:8443", token: "remote-token", tlsFingerprint: fp, sshTarget: "me@gw.example", sshIdentity: "/k/id" },
});

test("targets in priority order; --url gets no implicit credentials, the others their own; --tls-fingerprint pins only --url", () => {
  const flagPin = "cd".repeat(32);
  const targets = directProbeTargets(config, { url: "wss://other.example", tlsFingerprint: flagPin }, undefined, 3000);
  assert.deepEqual(targets.map((t) => [t.id, t.label, t.url]), [
    ["explicit", "URL (explicit)", "wss://other.example"],
    ["configRemote", "Remote (configured, inactive)", "wss://gw.example:8443"],
    ["localLoopback", "Local loopback", "ws://127.0.0.1:19001"],
  ]);
  const [explicit, remote, local] = targets.map((t) => t.target!);
  assert.deepEqual([explicit.token, explicit.password, explicit.tlsFingerprint], [undefined, undefined, flagPin]);
  assert.deepEqual([remote.token, remote.tlsFingerprint], ["remote-token", fp]);
  assert.deepEqual([local.token, local.tlsFingerprint], ["local-token", undefined]);
});

test("a plaintext --url to a public host is a target that fails with the reason, not a connection", () => {
  const [explicit] = directProbeTargets(config, { url: "ws://203.0.113.7:18789" }, undefined, 3000);
  assert.equal(explicit.target, undefined);
  assert.match(explicit.error ?? "", /Refusing plaintext ws:\/\/ to 203\.0\.113\.7:18789 \(from --url\)/);
});

test("the probe tunnel: --ssh beats gateway.remote.sshTarget; --port alone leaves the configured remote out", () => {
  assert.deepEqual(probeTunnelSpec(config, {}, undefined), { target: "me@gw.example", identity: "/k/id", remotePort: 19001, hostKeyPolicy: "strict" });
  assert.deepEqual(probeTunnelSpec(config, { ssh: "you@other:2222" }, undefined), { target: "you@other:2222", identity: "/k/id", remotePort: 19001, hostKeyPolicy: "strict" });
  assert.equal(probeTunnelSpec(config, {}, 4000), undefined);
  assert.deepEqual(probeTunnelSpec(config, { ssh: "you@other" }, 4000), { target: "you@other", remotePort: 4000, hostKeyPolicy: "strict" });
  const withRemotePort = snapshot({ ...config.config.gateway, remote: { sshTarget: "me@gw", remotePort: 18800, sshHostKeyPolicy: "openssh" } });
  assert.deepEqual(probeTunnelSpec(withRemotePort, {}, undefined), { target: "me@gw", remotePort: 18800, hostKeyPolicy: "openssh" });
});

test("the gateway behind the tunnel: wss to the local end when gateway.remote pins a certificate, remote credentials", () => {
  const pinned = tunnelProbeTarget(config, { tlsFingerprint: "cd".repeat(32) }, 40001, 3000);
  assert.deepEqual([pinned.url, pinned.target?.tlsFingerprint, pinned.target?.token], ["wss://127.0.0.1:40001", fp, "remote-token"]);
  const plain = tunnelProbeTarget(snapshot({ remote: { sshTarget: "me@gw", password: "pw" } }), {}, 40002, 3000);
  assert.deepEqual([plain.url, plain.target?.tlsFingerprint, plain.target?.password], ["ws://127.0.0.1:40002", undefined, "pw"]);
});
