import { test, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { isProcessAlive as alive } from "../infra/process-info.js";
import { formatSshTarget, parseSshTarget } from "./ssh-target.js";
import { classifySshStderr, sshFailure, SshTunnelError } from "./ssh-failure.js";
import { buildSshArgs, openSshTunnel } from "./ssh-tunnel.js";

const dir = mkdtempSync(join(tmpdir(), "ocgw-ssh-tunnel-"));
const originalPath = process.env.PATH;
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.env.PATH = originalPath;
});

test("targets: user@host, host, :port and [v6]:port parse; option-like or spaced input is refused", () => {
  assert.deepEqual(parseSshTarget("admin@gw.example"), { user: "admin", host: "gw.example", port: 22 });
  assert.deepEqual(parseSshTarget("admin@gw.example:2222"), { user: "admin", host: "gw.example", port: 2222 });
  assert.deepEqual(parseSshTarget("gw.example"), { host: "gw.example", port: 22 });
  assert.deepEqual(parseSshTarget("root@[::1]:2200"), { user: "root", host: "::1", port: 2200 });
  assert.equal(formatSshTarget(parseSshTarget("root@127.0.0.1:2200")), "root@127.0.0.1:2200");
  for (const bad of ["", "-oProxyCommand=touch /tmp/x", "root@-oProxyCommand=x", "-l@host", "root@host -p 1", "root@host\n-oX=y", "root@host:0", "root@host:99999", "root@host:abc", "@host"]) {
    assert.throws(() => parseSshTarget(bad), /Invalid SSH target/, bad);
  }
});

test("arguments: a loopback-only forward, batch mode, strict host keys, the identity alone, -- before the destination", () => {
  const args = buildSshArgs({ target: parseSshTarget("root@10.0.0.5:2222"), identity: "/keys/id", localPort: 40001, remotePort: 18789, hostKeyPolicy: "strict", connectTimeoutSeconds: 5 });
  assert.deepEqual(args, [
    "-N", "-L", "127.0.0.1:40001:127.0.0.1:18789", "-p", "2222",
    "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-o", "ConnectTimeout=5", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
    "-o", "StrictHostKeyChecking=yes", "-i", "/keys/id", "-o", "IdentitiesOnly=yes", "--", "root@10.0.0.5",
  ]);
  const openssh = buildSshArgs({ target: parseSshTarget("gw"), localPort: 1, remotePort: 2, hostKeyPolicy: "openssh", connectTimeoutSeconds: 1 });
  assert.ok(!openssh.some((a) => a.startsWith("StrictHostKeyChecking")), "openssh policy leaves host keys to the user's OpenSSH config");
  assert.ok(!openssh.includes("-i"));
  assert.deepEqual(openssh.slice(-2), ["--", "gw"]);
});

test("stderr classification: host key (unknown and changed), auth, refused, timeout, other", () => {
  assert.equal(classifySshStderr("No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n"), "host_key");
  assert.equal(classifySshStderr("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n"), "host_key");
  assert.equal(classifySshStderr("root@127.0.0.1: Permission denied (publickey).\n"), "auth");
  assert.equal(classifySshStderr("ssh: connect to host 127.0.0.1 port 1: Connection refused\n"), "refused");
  assert.equal(classifySshStderr("ssh: connect to host 10.1.1.1 port 22: Connection timed out\n"), "timeout");
  assert.equal(classifySshStderr("ssh: Could not resolve hostname nope: Name or service not known\n"), "other");

  const auth = sshFailure("root@h:2222", "Warning: something\nroot@h: Permission denied (publickey).\n", { code: 255 });
  assert.equal(auth.kind, "auth");
  assert.match(auth.message, /SSH authentication to root@h:2222 failed \(ssh: root@h: Permission denied \(publickey\)\.\)/);
  assert.match(auth.message, /--ssh-identity/);
  assert.match(sshFailure("h", "", { code: null, timedOutMs: 500 }).message, /timed out after 500ms/);
  assert.match(sshFailure("h", "Host key verification failed.", { code: 255 }).message, /host key verification failed for h .*known_hosts/);
  assert.match(sshFailure("h", "kex_exchange_identification: read: Connection reset", { code: 255 }).message, /ssh to h exited with code 255 \(ssh: kex_exchange_identification/);
});

/** A stand-in `ssh` first on PATH (absolute node path in the shebang: PATH is replaced). */
function fakeSsh(name: string, body: string): string {
  const bin = join(dir, name);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "ssh"), `#!${process.execPath}\n${body}\n`);
  chmodSync(join(bin, "ssh"), 0o755);
  process.env.PATH = bin;
  return bin;
}

test("ready once the forwarded port accepts; close() ends ssh", async () => {
  const argsFile = join(dir, "args.json");
  fakeSsh("ready", `
    const args = process.argv.slice(2);
    require("node:fs").writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args));
    const [, port] = args[args.indexOf("-L") + 1].split(":");
    setTimeout(() => require("node:net").createServer((s) => s.destroy()).listen(Number(port), "127.0.0.1"), 150);`);
  const tunnel = await openSshTunnel({ target: "root@127.0.0.1:2222", remotePort: 18789, timeoutMs: 5000 });
  try {
    assert.equal(tunnel.target, "root@127.0.0.1:2222");
    const args = JSON.parse(readFileSync(argsFile, "utf8")) as string[];
    assert.ok(args.includes(`127.0.0.1:${tunnel.localPort}:127.0.0.1:18789`), args.join(" "));
    await new Promise<void>((resolve, reject) => createConnection({ port: tunnel.localPort, host: "127.0.0.1" }).once("connect", function (this: import("node:net").Socket) { this.destroy(); resolve(); }).once("error", reject));
  } finally {
    await tunnel.close();
  }
  assert.equal(alive(tunnel.pid!), false);
});

test("a local port taken between the check and ssh's bind is retried once with another port", async () => {
  const marker = join(dir, "bind-failed-once");
  fakeSsh("race", `
    const fs = require("node:fs");
    const args = process.argv.slice(2);
    const [, port] = args[args.indexOf("-L") + 1].split(":");
    if (!fs.existsSync(${JSON.stringify(marker)})) {
      fs.writeFileSync(${JSON.stringify(marker)}, port);
      process.stderr.write("bind [127.0.0.1]:" + port + ": Address already in use\\nCould not request local forwarding.\\n");
      process.exit(255);
    }
    require("node:net").createServer((s) => s.destroy()).listen(Number(port), "127.0.0.1");`);
  const tunnel = await openSshTunnel({ target: "root@127.0.0.1", remotePort: 1, timeoutMs: 5000 });
  await tunnel.close();
  assert.ok(readFileSync(marker, "utf8").length > 0);
});

test("a listener that is not ssh's own is never taken for the tunnel", { skip: process.platform === "linux" ? false : "needs /proc" }, async () => {
  const squatters = join(dir, "squatters");
  fakeSsh("squat", `
    const args = process.argv.slice(2);
    const [, port] = args[args.indexOf("-L") + 1].split(":");
    const other = require("node:child_process").spawn(process.execPath, ["-e", "require('node:net').createServer((s) => s.destroy()).listen(" + port + ", '127.0.0.1')"], { detached: true, stdio: "ignore" });
    require("node:fs").appendFileSync(${JSON.stringify(squatters)}, other.pid + "\\n");
    other.unref();
    setInterval(() => {}, 1000);`);
  try {
    const opened = openSshTunnel({ target: "root@127.0.0.1", remotePort: 1, timeoutMs: 5000 });
    await assert.rejects(opened.then((tunnel) => tunnel.close()), /another local process is listening on 127\.0\.0\.1:\d+/);
  } finally {
    for (const pid of readFileSync(squatters, "utf8").split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
  }
});

test("an ssh that exits first rejects at once with the classified error", async () => {
  fakeSsh("denied", `process.stderr.write("root@127.0.0.1: Permission denied (publickey).\\n"); process.exit(255);`);
  const started = Date.now();
  await assert.rejects(openSshTunnel({ target: "root@127.0.0.1", remotePort: 1, timeoutMs: 10_000 }), (err: unknown) => {
    assert.ok(err instanceof SshTunnelError);
    assert.equal(err.kind, "auth");
    return true;
  });
  assert.ok(Date.now() - started < 3000);
});

test("an ssh that never forwards is killed after the timeout", async () => {
  const pidFile = join(dir, "hang.pid");
  fakeSsh("hang", `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`);
  await assert.rejects(openSshTunnel({ target: "root@127.0.0.1", remotePort: 1, timeoutMs: 400 }), (err: unknown) => err instanceof SshTunnelError && err.kind === "timeout");
  assert.equal(alive(Number(readFileSync(pidFile, "utf8"))), false);
});

test("no ssh on PATH, a missing identity file and a bad target fail with what to do", async () => {
  process.env.PATH = join(dir, "empty");
  await assert.rejects(openSshTunnel({ target: "root@127.0.0.1", remotePort: 1 }), (err: unknown) => err instanceof SshTunnelError && err.kind === "not_found" && /install OpenSSH/.test(err.message));
  await assert.rejects(openSshTunnel({ target: "root@127.0.0.1", identity: join(dir, "no-such-key"), remotePort: 1 }), /identity file .* does not exist/);
  await assert.rejects(openSshTunnel({ target: "-oProxyCommand=sh", remotePort: 1 }), /Invalid SSH target/);
});

/** A fake ssh that forwards after a moment and stays up, as a real tunnel does. */
const READY_SSH = `
  const args = process.argv.slice(2);
  const [, port] = args[args.indexOf("-L") + 1].split(":");
  setTimeout(() => require("node:net").createServer((s) => s.destroy()).listen(Number(port), "127.0.0.1"), 50);`;

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`a CLI stopped by ${signal} while a tunnel is open takes ssh down with it, and still dies of the signal`, async (t) => {
    const bin = fakeSsh("stay-up", READY_SSH);
    const script = `
      const { openSshTunnel } = await import(${JSON.stringify(new URL("./ssh-tunnel.js", import.meta.url).href)});
      const tunnel = await openSshTunnel({ target: "root@127.0.0.1", remotePort: 1, timeoutMs: 5000 });
      console.log(tunnel.pid);
      setInterval(() => {}, 1000);`;
    const cli = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: bin }, stdio: ["ignore", "pipe", "inherit"] });
    let sshPid = 0;
    t.after(() => {
      cli.kill("SIGKILL");
      if (sshPid && alive(sshPid)) process.kill(sshPid, "SIGKILL");
    });
    sshPid = await new Promise<number>((resolve, reject) => {
      cli.stdout.setEncoding("utf8").once("data", (line: string) => resolve(Number(line.trim())));
      cli.once("exit", () => reject(new Error("the CLI stand-in exited before the tunnel was up")));
    });
    assert.ok(alive(sshPid));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.once("exit", (_code, sig) => resolve(sig)));
    cli.kill(signal);
    assert.equal(await exited, signal);
    const until = Date.now() + 3000;
    while (alive(sshPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(sshPid), false, "ssh must not outlive the CLI");
  });
}
