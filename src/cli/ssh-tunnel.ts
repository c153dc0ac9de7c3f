import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { ownsLoopbackListener } from "../infra/listener-owner.js";
import { formatSshTarget, parseSshTarget, type SshTarget } from "./ssh-target.js";
import { sshFailure, SshTunnelError } from "./ssh-failure.js";

export type SshHostKeyPolicy = "strict" | "openssh";

export type SshTunnelOptions = {
  /** `user@host[:port]` */
  target: string;
  identity?: string;
  /** The gateway's port on the remote host's loopback. */
  remotePort: number;
  hostKeyPolicy?: SshHostKeyPolicy;
  /** Until the forward accepts connections (default 10 s). */
  timeoutMs?: number;
};

export type SshTunnel = {
  target: string;
  localPort: number;
  remotePort: number;
  pid: number | null;
  close(): Promise<void>;
};

const POLL_MS = 50;
const KILL_GRACE_MS = 1500;
const STDERR_LIMIT = 16_384;

export function buildSshArgs(opts: {
  target: SshTarget;
  identity?: string;
  localPort: number;
  remotePort: number;
  hostKeyPolicy: SshHostKeyPolicy;
  connectTimeoutSeconds: number;
}): string[] {
  const destination = opts.target.user ? `${opts.target.user}@${opts.target.host}` : opts.target.host;
  return [
    "-N",
    "-L", `127.0.0.1:${opts.localPort}:127.0.0.1:${opts.remotePort}`,
    "-p", String(opts.target.port),
    "-o", "BatchMode=yes",
    "-o", "ExitOnForwardFailure=yes",
    "-o", `ConnectTimeout=${opts.connectTimeoutSeconds}`,
    "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=3",
    // "openssh" leaves host-key trust to the user's own OpenSSH configuration.
    ...(opts.hostKeyPolicy === "strict" ? ["-o", "StrictHostKeyChecking=yes"] : []),
    ...(opts.identity ? ["-i", opts.identity, "-o", "IdentitiesOnly=yes"] : []),
    "--", destination,
  ];
}

/**
 * Tunnels still running. They are ended when the CLI exits, and also when it is stopped by a
 * signal, which skips "exit" handlers: a SIGTERM sent to the CLI alone must not orphan ssh.
 */
const liveChildren = new Set<ChildProcess>();
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill("SIGTERM");
}

/** Ends the tunnels, then lets the signal do what it would have done had no tunnel been open. */
function onStopSignal(signal: NodeJS.Signals): void {
  killLiveChildren();
  watchProcessEnd(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let watching = false;
function watchProcessEnd(on: boolean): void {
  if (watching === on) return;
  watching = on;
  const change = on ? process.on.bind(process) : process.off.bind(process);
  change("exit", killLiveChildren);
  for (const signal of STOP_SIGNALS) change(signal, onStopSignal);
}

function track(child: ChildProcess): void {
  liveChildren.add(child);
  watchProcessEnd(true);
  const forget = () => {
    if (liveChildren.delete(child) && liveChildren.size === 0) watchProcessEnd(false);
  };
  child.once("exit", forget);
  child.once("error", forget);
}

function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no local port"))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  return exited.finally(() => clearTimeout(timer));
}

async function attempt(target: SshTarget, opts: SshTunnelOptions, timeoutMs: number): Promise<SshTunnel> {
  const label = formatSshTarget(target);
  const localPort = await freeLocalPort();
  const args = buildSshArgs({
    target,
    identity: opts.identity,
    localPort,
    remotePort: opts.remotePort,
    hostKeyPolicy: opts.hostKeyPolicy ?? "strict",
    connectTimeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  });
  const child = spawn("ssh", args, { stdio: ["ignore", "ignore", "pipe"] });
  track(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_LIMIT)));
  let exit: { code: number | null; signal: string | null } | null = null;
  let spawnError: NodeJS.ErrnoException | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (err) => {
      spawnError = err;
      resolve();
    });
    child.once("close", (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  const close = () => stopChild(child, exited);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      const missing = (spawnError as NodeJS.ErrnoException).code === "ENOENT";
      throw new SshTunnelError(missing ? "not_found" : "other", missing ? "ssh client not found on PATH; install OpenSSH (e.g. apt install openssh-client)." : `cannot start ssh: ${(spawnError as Error).message}`);
    }
    if (exit) throw sshFailure(label, stderr, exit);
    if (await accepts(localPort)) {
      if (child.pid !== undefined && ownsLoopbackListener(child.pid, localPort)) break;
      // Someone else took the port before ssh could: never hand them the gateway credentials.
      await close();
      throw new SshTunnelError("other", `another local process is listening on 127.0.0.1:${localPort}, the port picked for the tunnel to ${label}; retry.`, "cannot listen to port: taken by another process");
    }
    if (Date.now() >= deadline) {
      await close();
      throw sshFailure(label, stderr, { timedOutMs: timeoutMs });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { target: label, localPort, remotePort: opts.remotePort, pid: child.pid ?? null, close };
}

/**
 * Opens `ssh -N -L 127.0.0.1:<free port>:127.0.0.1:<remotePort>` with the system's ssh (from
 * PATH) and resolves once the local end accepts connections. Host-key, authentication, refused
 * and timeout failures reject with an SshTunnelError instead of waiting for a prompt.
 */
export async function openSshTunnel(opts: SshTunnelOptions): Promise<SshTunnel> {
  const target = parseSshTarget(opts.target);
  if (opts.identity && !existsSync(opts.identity)) {
    throw new SshTunnelError("other", `SSH identity file ${opts.identity} does not exist; fix --ssh-identity / gateway.remote.sshIdentity.`);
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    return await attempt(target, opts, timeoutMs);
  } catch (err) {
    // Another process took the free port between our check and ssh's bind: one more try.
    if (err instanceof SshTunnelError && /Address already in use|cannot listen to port/i.test(err.stderr)) return attempt(target, opts, timeoutMs);
    throw err;
  }
}
