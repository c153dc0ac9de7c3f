/**
 * SSH tunnels end to end against a real OpenSSH server (Debian's sshd on a loopback port, a
 * throw-away host key and client key): `gateway probe --ssh` reaches a gateway that listens on
 * loopback only, failures (unknown client key, unknown host key) come back fast as
 * ssh_tunnel_failed warnings, remote mode with transport "ssh" runs `openclaw health` through a
 * tunnel, and no ssh process outlives the command.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { dump, getFreePort, makeSandbox, OPENCLAW_BIN, runOpenclaw, startSandboxGateway, stdoutJson, useProcessCleanup, type Sandbox } from "./process-harness.js";
import { hasSshd, sshProcessesWith, startSshd, type SshServer } from "./sshd-harness.js";

useProcessCleanup();

let sshd: SshServer;
let gatewayPort = 0;
let token = "";
let gatewaySandbox: Sandbox;

type Target = { id: string; url: string; connect: { ok: boolean; error?: string }; auth: { role: string } | null; tunnel: { target: string; localPort: number; remotePort: number; pid: number } | null; health: { ok?: boolean } | null };
type Report = { ok: boolean; primaryTargetId: string; warnings: Array<{ code: string; message: string; targetIds?: string[] }>; targets: Target[] };

after(() => sshd?.cleanup());

before(async () => {
  if (!hasSshd()) throw new Error("openssh-server and openssh-client are required (apt install openssh-server openssh-client)");
  sshd = await startSshd();
  const gw = await startSandboxGateway();
  ({ port: gatewayPort, token } = gw);
  gatewaySandbox = gw.sb;
});

/** Another machine's CLI: no gateway of its own on its configured port, the remote gateway on remotePort. */
async function clientSandbox(gateway: Record<string, unknown> = {}): Promise<Sandbox> {
  const sb = makeSandbox();
  sb.writeConfig({ gateway: { mode: "local", port: await getFreePort(gatewayPort), remote: { remotePort: gatewayPort, token }, ...gateway } });
  return sb;
}

test("gateway probe --ssh reaches the loopback-only gateway through the tunnel and closes it", async () => {
  const sb = await clientSandbox();
  const env = sshd.clientEnv(sb.env);
  const r = await runOpenclaw(["gateway", "probe", "--ssh", sshd.target, "--ssh-identity", sshd.clientKey, "--json"], env);
  assert.equal(r.code, 0, dump(r));
  const report = stdoutJson<Report>(r);
  const tunnel = report.targets.find((t) => t.id === "sshTunnel");
  assert.ok(tunnel, r.stdout);
  assert.equal(tunnel.connect.ok, true, r.stdout);
  assert.equal(tunnel.auth?.role, "operator");
  assert.equal(tunnel.health?.ok, true);
  assert.deepEqual({ target: tunnel.tunnel?.target, remotePort: tunnel.tunnel?.remotePort }, { target: sshd.target, remotePort: gatewayPort });
  assert.equal(tunnel.url, `ws://127.0.0.1:${tunnel.tunnel?.localPort}`);
  assert.equal(report.primaryTargetId, "sshTunnel");
  assert.equal(report.targets.find((t) => t.id === "localLoopback")?.connect.ok, false, "only the tunnel leads to a gateway");
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(sshProcessesWith(`127.0.0.1:${tunnel.tunnel!.localPort}:127.0.0.1:${gatewayPort}`), [], "the tunnel's ssh must be gone");

  const human = await runOpenclaw(["gateway", "probe", "--ssh", sshd.target, "--ssh-identity", sshd.clientKey], env);
  assert.equal(human.code, 0, dump(human));
  assert.match(human.stdout, /Remote over SSH: ws:\/\/127\.0\.0\.1:\d+/);
  assert.ok(human.stdout.includes(`SSH: ${sshd.target} (local port`), human.stdout);
});

test("without --ssh the probe tunnels to gateway.remote.sshTarget with gateway.remote.sshIdentity (--ssh-auto accepted)", async () => {
  const sb = await clientSandbox({ remote: { remotePort: gatewayPort, token, sshTarget: sshd.target, sshIdentity: sshd.clientKey } });
  const r = await runOpenclaw(["gateway", "probe", "--ssh-auto", "--json"], sshd.clientEnv(sb.env));
  assert.equal(r.code, 0, dump(r));
  const tunnel = stdoutJson<Report>(r).targets.find((t) => t.id === "sshTunnel");
  assert.equal(tunnel?.connect.ok, true, r.stdout);
  assert.equal(tunnel?.tunnel?.target, sshd.target);
});

test("a key the server does not accept fails fast with ssh_tunnel_failed; exit 1 only when nothing else answers", async () => {
  const sb = await clientSandbox();
  const started = Date.now();
  const r = await runOpenclaw(["gateway", "probe", "--ssh", sshd.target, "--ssh-identity", sshd.wrongKey, "--json"], sshd.clientEnv(sb.env));
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started}ms`);
  assert.equal(r.code, 1, dump(r));
  const report = stdoutJson<Report>(r);
  const warning = report.warnings.find((w) => w.code === "ssh_tunnel_failed");
  assert.ok(warning, r.stdout);
  assert.deepEqual(warning.targetIds, ["sshTunnel"]);
  assert.match(warning.message, /SSH tunnel failed: SSH authentication to .* failed .*Permission denied/);
  assert.equal(report.targets.some((t) => t.id === "sshTunnel"), false);

  // The same failure next to a reachable local gateway: reported, but the probe succeeds.
  const withLocal = await runOpenclaw(["gateway", "probe", "--ssh", sshd.target, "--ssh-identity", sshd.wrongKey, "--json"], sshd.clientEnv(gatewaySandbox.env));
  assert.equal(withLocal.code, 0, dump(withLocal));
  const local = stdoutJson<Report>(withLocal);
  assert.ok(local.warnings.some((w) => w.code === "ssh_tunnel_failed"));
  assert.equal(local.targets.find((t) => t.id === "localLoopback")?.connect.ok, true);
});

test("an unknown host key is refused (strict policy): ssh_tunnel_failed names the host key", async () => {
  const sb = await clientSandbox();
  const started = Date.now();
  const r = await runOpenclaw(["gateway", "probe", "--ssh", sshd.target, "--ssh-identity", sshd.clientKey, "--json"], sshd.clientEnv(sb.env, { trustHostKey: false }));
  assert.ok(Date.now() - started < 10_000);
  assert.equal(r.code, 1, dump(r));
  const warning = stdoutJson<Report>(r).warnings.find((w) => w.code === "ssh_tunnel_failed");
  assert.match(warning?.message ?? "", /host key verification failed for .*known_hosts/, r.stdout);
});

test("remote mode with transport ssh: openclaw health goes through a tunnel from gateway.remote.*", async () => {
  const sb = makeSandbox();
  sb.writeConfig({ gateway: { mode: "remote", remote: { sshTarget: sshd.target, sshIdentity: sshd.clientKey, remotePort: gatewayPort, token } } });
  const env = sshd.clientEnv(sb.env);
  const r = await runOpenclaw(["health", "--json"], env);
  assert.equal(r.code, 0, dump(r));
  assert.equal(stdoutJson<{ ok: boolean }>(r).ok, true);
  assert.deepEqual(sshProcessesWith(`127.0.0.1:${gatewayPort}`), [], "no tunnel left after the command");

  const wrongToken = makeSandbox();
  wrongToken.writeConfig({ gateway: { mode: "remote", remote: { sshTarget: sshd.target, sshIdentity: sshd.clientKey, remotePort: gatewayPort, token: "wrong" } } });
  const refused = await runOpenclaw(["health"], sshd.clientEnv(wrongToken.env));
  assert.equal(refused.code, 1, dump(refused));
  assert.match(refused.stderr, /through the SSH tunnel to/, "the tunnel does not bypass gateway auth");
  assert.deepEqual(sshProcessesWith(`127.0.0.1:${gatewayPort}`), []);
});

test("a host that accepts TCP but never speaks SSH costs the probe its --timeout, not more", async (t) => {
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const socket of held) socket.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const sb = await clientSandbox();
  const started = Date.now();
  const r = await runOpenclaw(["gateway", "probe", "--ssh", `${sshd.user}@127.0.0.1:${port}`, "--timeout", "1500", "--json"], sshd.clientEnv(sb.env));
  const took = Date.now() - started;
  assert.equal(r.code, 1, dump(r));
  assert.ok(took < 4000, `took ${took}ms with --timeout 1500`);
  const warning = stdoutJson<Report>(r).warnings.find((w) => w.code === "ssh_tunnel_failed");
  assert.match(warning?.message ?? "", /timed out/, r.stdout);
});

test("gateway probe --help explains the SSH and TLS flags", async () => {
  const r = await runOpenclaw(["gateway", "probe", "--help"], makeSandbox().env);
  assert.equal(r.code, 0, dump(r));
  const help = r.stdout.replace(/\s+/g, " ");
  assert.match(help, /--ssh <user@host\[:port\]> also probe the gateway on that host's loopback through an SSH tunnel/);
  assert.match(help, /--ssh-identity <path> private key file for the SSH tunnel \(default: gateway\.remote\.sshIdentity\)/);
  assert.match(help, /--ssh-auto accepted for compatibility: without --ssh, gateway\.remote\.sshTarget is used anyway/);
  assert.match(help, /--tls-fingerprint <sha256> trust a wss:\/\/ gateway by its certificate's SHA-256 fingerprint/);
  assert.match(help, /--timeout is the budget for all of it/);
});

/** The chunks dist/openclaw.mjs loads before any command runs (its static imports, transitively). */
function startupChunks(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/^import\s+(?:[^"']*?\s+from\s+)?["'](\.[^"']+)["']/gm)) visit(resolve(dirname(file), spec));
  };
  visit(OPENCLAW_BIN);
  return [...seen];
}

test("starting the CLI loads no WebSocket client, TLS pinning or SSH code: only the commands that connect load it", () => {
  const loaded = startupChunks().map((file) => readFileSync(file, "utf8")).join("\n");
  assert.ok(loaded.includes("addClientOptions"), "the walk must see the command tree's own code");
  for (const marker of ["ExitOnForwardFailure", "presented a different certificate than the pinned one", "timed out before reaching the gateway"]) {
    assert.ok(!loaded.includes(marker), `"${marker}" is in a chunk loaded at start-up`);
  }
});
