/**
 * A real OpenSSH server for the SSH-tunnel tests: Debian's /usr/sbin/sshd on a loopback port with
 * a throw-away host key, accepting one throw-away client key for the current user. The client
 * side never touches ~/.ssh: `clientEnv` puts a small `ssh` wrapper first on PATH that runs
 * /usr/bin/ssh with its own ssh_config (known_hosts in the scratch dir, no agent), so the tunnel
 * code under test runs unchanged. sshd is spawned through the process harness, so
 * useProcessCleanup() stops it; `cleanup()` (call it from a top-level after()) stops it and
 * removes the keys.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort, spawnProcess, type Proc } from "./process-harness.js";

export type SshServer = {
  port: number;
  user: string;
  /** `user@127.0.0.1:port` */
  target: string;
  clientKey: string;
  /** A valid key the server does not know. */
  wrongKey: string;
  proc: Proc;
  /** Env for a CLI child: the ssh wrapper first on PATH; `trustHostKey: false` gives it an empty known_hosts. */
  clientEnv(base: NodeJS.ProcessEnv, opts?: { trustHostKey?: boolean }): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
};

export const hasSshd = () => existsSync("/usr/sbin/sshd") && existsSync("/usr/bin/ssh") && existsSync("/usr/bin/ssh-keygen");

function keygen(path: string): void {
  execFileSync("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ocgw-test", "-f", path], { stdio: "ignore" });
}

/** ssh processes whose command line holds `needle` (e.g. a tunnel's -L spec). */
export function sshProcessesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline[0]?.endsWith("ssh") && cmdline.some((arg) => arg.includes(needle))) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

export async function startSshd(): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-sshd-"));
  const user = execFileSync("id", ["-un"], { encoding: "utf8" }).trim();
  const [hostKey, clientKey, wrongKey] = ["host_key", "client_key", "wrong_key"].map((name) => join(dir, name));
  for (const key of [hostKey, clientKey, wrongKey]) keygen(key);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`));
  // sshd insists on its privilege-separation directory; Debian's service unit normally creates it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const port = await getFreePort();
  const sshdConfig = join(dir, "sshd_config");
  writeFileSync(sshdConfig, [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "StrictModes no",
    "UsePAM no",
    user === "root" ? "PermitRootLogin prohibit-password" : "PermitRootLogin no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "AllowTcpForwarding yes",
    "AllowAgentForwarding no",
    "X11Forwarding no",
    "LogLevel VERBOSE",
    "",
  ].join("\n"));
  const proc = spawnProcess("/usr/sbin/sshd", ["-D", "-e", "-f", sshdConfig], { env: { PATH: process.env.PATH } });
  await proc.waitForOutput(`Server listening on 127.0.0.1 port ${port}`, 10_000);

  const hostLine = `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`;
  const wrapperDir = (trusted: boolean) => {
    const bin = join(dir, trusted ? "bin-trusted" : "bin-untrusted");
    if (existsSync(join(bin, "ssh"))) return bin;
    mkdirSync(bin, { recursive: true });
    const knownHosts = join(dir, trusted ? "known_hosts" : "known_hosts_empty");
    writeFileSync(knownHosts, trusted ? hostLine : "");
    const sshConfig = join(bin, "ssh_config");
    writeFileSync(sshConfig, `Host *\n  UserKnownHostsFile ${knownHosts}\n  GlobalKnownHostsFile /dev/null\n  IdentityAgent none\n  UpdateHostKeys no\n`);
    writeFileSync(join(bin, "ssh"), `#!/bin/sh\nexec /usr/bin/ssh -F ${sshConfig} "$@"\n`);
    chmodSync(join(bin, "ssh"), 0o755);
    return bin;
  };

  return {
    port,
    user,
    target: `${user}@127.0.0.1:${port}`,
    clientKey,
    wrongKey,
    proc,
    clientEnv(base, opts = {}) {
      return { ...base, PATH: `${wrapperDir(opts.trustHostKey !== false)}:${base.PATH ?? process.env.PATH}` };
    },
    async cleanup() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
