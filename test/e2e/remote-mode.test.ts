/**
 * The CLI as a remote client of a TLS gateway (a real process with an openssl-made self-signed
 * certificate): a pinned fingerprint connects, a wrong one or none is refused with a message that
 * says why and what to do; gateway.mode "remote" uses gateway.remote.{url,token,tlsFingerprint}
 * with no flags; a local TLS gateway is pinned to its own certificate; plain ws:// to a public
 * address is refused before any connection is made.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, makeSandbox, randomToken, runOpenclaw, startSandboxGateway, useProcessCleanup, type Sandbox } from "./process-harness.js";

useProcessCleanup();

const scratch = mkdtempSync(join(tmpdir(), "ocgw-remote-mode-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const certPath = join(scratch, "cert.pem");
const keyPath = join(scratch, "key.pem");
/** As `openssl x509 -fingerprint -sha256` prints it: upper case with colons (the CLI normalizes). */
let opensslFingerprint = "";
let hexFingerprint = "";
let port = 0;
let token = "";
let gatewaySandbox: Sandbox;

before(async () => {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=remote-gateway", "-keyout", keyPath, "-out", certPath], { stdio: "ignore" });
  opensslFingerprint = execFileSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", certPath], { encoding: "utf8" }).trim().split("=")[1];
  hexFingerprint = opensslFingerprint.replace(/:/g, "").toLowerCase();
  const gw = await startSandboxGateway({ extraGateway: { tls: { enabled: true, certPath, keyPath } } });
  ({ port, token } = gw);
  gatewaySandbox = gw.sb;
});

/** A separate machine's CLI: its own sandbox, no gateway of its own. */
function clientSandbox(config: Record<string, unknown> = {}): Sandbox {
  const sb = makeSandbox();
  sb.writeConfig(config);
  return sb;
}

test("health --url wss://… with the pinned fingerprint succeeds", async () => {
  const sb = clientSandbox();
  const r = await runOpenclaw(["health", "--url", `wss://127.0.0.1:${port}`, "--token", token, "--tls-fingerprint", `sha256:${opensslFingerprint}`, "--json"], sb.env);
  assert.equal(r.code, 0, dump(r));
  assert.equal(JSON.parse(r.stdout).ok, true);
});

test("a wrong fingerprint is refused and the message names both fingerprints", async () => {
  const sb = clientSandbox();
  const wrong = "ab".repeat(32);
  const r = await runOpenclaw(["health", "--url", `wss://127.0.0.1:${port}`, "--token", token, "--tls-fingerprint", wrong], sb.env);
  assert.equal(r.code, 1, dump(r));
  assert.match(r.stderr, new RegExp(`TLS certificate fingerprint mismatch: expected ${wrong}, got ${hexFingerprint}`), dump(r));
  assert.match(r.stderr, /pin the new fingerprint/);
});

test("without a pin the self-signed certificate is refused, with its fingerprint and the --tls-fingerprint hint", async () => {
  const sb = clientSandbox();
  const r = await runOpenclaw(["health", "--url", `wss://127.0.0.1:${port}`, "--token", token], sb.env);
  assert.equal(r.code, 1, dump(r));
  assert.match(r.stderr, /self-signed/, dump(r));
  assert.ok(r.stderr.includes(`--tls-fingerprint ${hexFingerprint}`), dump(r));
});

test("a pin on a ws:// URL is an error", async () => {
  const sb = clientSandbox();
  const r = await runOpenclaw(["health", "--url", `ws://127.0.0.1:${port}`, "--token", token, "--tls-fingerprint", hexFingerprint], sb.env);
  assert.equal(r.code, 1, dump(r));
  assert.match(r.stderr, /does not use TLS: use a wss:\/\/ URL/, dump(r));
});

test("remote mode uses gateway.remote.url, token and tlsFingerprint with no flags", async () => {
  const sb = clientSandbox({ gateway: { mode: "remote", remote: { url: `wss://127.0.0.1:${port}`, token, tlsFingerprint: opensslFingerprint } } });
  const r = await runOpenclaw(["health", "--json"], sb.env);
  assert.equal(r.code, 0, dump(r));
  assert.equal(JSON.parse(r.stdout).ok, true);

  const wrongPin = clientSandbox({ gateway: { mode: "remote", remote: { url: `wss://127.0.0.1:${port}`, token, tlsFingerprint: "cd".repeat(32) } } });
  const refused = await runOpenclaw(["health"], wrongPin.env);
  assert.equal(refused.code, 1, dump(refused));
  assert.match(refused.stderr, /fingerprint mismatch/);
});

test("in remote mode the remote token wins over gateway.auth.token; --url never uses it", async () => {
  const sb = clientSandbox({ gateway: { mode: "remote", auth: { token: "not-this-one" }, remote: { url: `wss://127.0.0.1:${port}`, token, tlsFingerprint: hexFingerprint } } });
  const viaConfig = await runOpenclaw(["health", "--json"], sb.env);
  assert.equal(viaConfig.code, 0, dump(viaConfig));
  const viaUrl = await runOpenclaw(["health", "--url", `wss://127.0.0.1:${port}`, "--tls-fingerprint", hexFingerprint], sb.env);
  assert.notEqual(viaUrl.code, 0, dump(viaUrl));
  assert.match(viaUrl.stderr + viaUrl.stdout, /unauthorized|token/i);
});

test("gateway probe shows the configured remote, active only in remote mode, with its own pin and credentials", async () => {
  const remote = { url: `wss://127.0.0.1:${port}`, token, tlsFingerprint: hexFingerprint };
  for (const [mode, label] of [["local", "Remote (configured, inactive)"], ["remote", "Remote (configured)"]] as const) {
    const sb = clientSandbox({ gateway: { mode, port: 1, remote } });
    const r = await runOpenclaw(["gateway", "probe", "--json"], sb.env);
    assert.equal(r.code, 0, dump(r));
    const target = JSON.parse(r.stdout).targets.find((t: { id: string }) => t.id === "configRemote");
    assert.deepEqual({ label: target.label, active: target.active, ok: target.connect.ok }, { label, active: mode === "remote", ok: true }, r.stdout);
    const human = await runOpenclaw(["gateway", "probe"], sb.env);
    assert.ok(human.stdout.includes(`${label}: wss://127.0.0.1:${port}`), human.stdout);
  }
  const refused = await runOpenclaw(["gateway", "probe", "--url", "ws://203.0.113.7:18789", "--json"], clientSandbox({ gateway: { port: 1 } }).env);
  assert.equal(refused.code, 1, dump(refused));
  assert.match(JSON.parse(refused.stdout).targets[0].connect.error, /Refusing plaintext ws:\/\//);
});

test("local mode with gateway.tls: the CLI connects to wss://127.0.0.1 pinned to the local certificate", async () => {
  const r = await runOpenclaw(["health", "--json"], gatewaySandbox.env);
  assert.equal(r.code, 0, dump(r));
  assert.equal(JSON.parse(r.stdout).ok, true);
  const probe = await runOpenclaw(["gateway", "probe", "--json"], gatewaySandbox.env);
  assert.equal(probe.code, 0, dump(probe));
  const local = JSON.parse(probe.stdout).targets.find((t: { id: string }) => t.id === "localLoopback");
  assert.equal(local.url, `wss://127.0.0.1:${port}`);
  assert.equal(local.connect.ok, true, probe.stdout);
});

test("local TLS whose certificate cannot be read: probe warns local_tls_runtime_unavailable, health says why", async () => {
  const sb = clientSandbox({ gateway: { mode: "local", port: 1, tls: { enabled: true, certPath: join(scratch, "missing.pem") } } });
  const probe = await runOpenclaw(["gateway", "probe", "--json"], sb.env);
  assert.equal(probe.code, 1, dump(probe));
  const warning = JSON.parse(probe.stdout).warnings.find((w: { code: string }) => w.code === "local_tls_runtime_unavailable");
  assert.match(warning?.message ?? "", /missing\.pem cannot be read/, probe.stdout);
  const health = await runOpenclaw(["health"], sb.env);
  assert.equal(health.code, 1, dump(health));
  assert.match(health.stderr, /cannot verify the local gateway's TLS certificate: .*missing\.pem/);
});

test("plain ws:// to a public address is refused before connecting; break-glass does not cover IP literals", async () => {
  const sb = clientSandbox();
  const started = Date.now();
  const r = await runOpenclaw(["health", "--url", "ws://203.0.113.7:18789", "--token", randomToken()], sb.env);
  assert.equal(r.code, 1, dump(r));
  assert.match(r.stderr, /Refusing plaintext ws:\/\/ to 203\.0\.113\.7:18789 \(from --url\)/);
  assert.match(r.stderr, /OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1/);
  assert.ok(Date.now() - started < 5000);

  const remote = clientSandbox({ gateway: { mode: "remote", remote: { transport: "direct", url: "ws://gateway.example.com:18789", token: "t" } } });
  const configured = await runOpenclaw(["health"], remote.env);
  assert.equal(configured.code, 1, dump(configured));
  assert.match(configured.stderr, /Refusing plaintext ws:\/\/ to gateway\.example\.com:18789 \(from gateway\.remote\.url\)/);

  const breakGlass = await runOpenclaw(["health", "--url", "ws://203.0.113.7:18789"], { ...sb.env, OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" });
  assert.match(breakGlass.stderr, /Refusing plaintext/, dump(breakGlass));
});
