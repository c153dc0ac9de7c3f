import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { BOOTSTRAP_FILES } from "../../workspace.js";

/** What a sandboxed command may do, as configured for its agent (see sandbox-config.ts). */
export type SandboxPolicy = {
  /** Share the host's network; otherwise only a private loopback exists inside. */
  network: boolean;
  /** CPU seconds per process before SIGXCPU (SIGKILL a second later); 0 = no cap. */
  cpuSeconds: number;
  /** Extra variables set inside the sandbox. */
  env: Record<string, string>;
};

const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** Only what programs need to start and verify TLS: not passwd, shadow or the rest of /etc. */
const ETC_ENTRIES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/localtime", "/etc/hosts", "/etc/nsswitch.conf"];
const ETC_NETWORK_ENTRIES = ["/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf"];

const mountCache = new Map<boolean, string[]>();

/** Read-only system directories (merged-/usr symlinks recreated as symlinks) and the few /etc entries needed. */
export function systemMountArgs(network = false): string[] {
  const cached = mountCache.get(network);
  if (cached) return cached;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const stat = lstatSync(dir);
      if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
      else if (stat.isDirectory()) args.push("--ro-bind", dir, dir);
    } catch {
      // Not on this system.
    }
  }
  for (const entry of network ? [...ETC_ENTRIES, ...ETC_NETWORK_ENTRIES] : ETC_ENTRIES) {
    if (existsSync(entry)) args.push("--ro-bind-try", entry, entry);
  }
  mountCache.set(network, args);
  return args;
}

/** Sets the CPU cap inside the sandbox, then execs the command with its arguments untouched. */
function cpuCapPrefix(cpuSeconds: number): string[] {
  if (cpuSeconds <= 0) return [];
  const soft = Math.ceil(cpuSeconds);
  return ["/bin/sh", "-c", `ulimit -S -t ${soft} && ulimit -H -t ${soft + 1} && exec "$@"`, "openclaw-sandbox"];
}

export type SandboxCommand = {
  bwrapPath: string;
  policy: SandboxPolicy;
  /** Bound read-write at the same path; the only writable host directory. */
  workspace: string;
  /** Inside the workspace. */
  cwd: string;
  /** The program to run inside, e.g. `["/bin/sh", "-c", command]`. */
  argv: string[];
};

/**
 * The workspace's bootstrap files (AGENTS.md, SOUL.md …) stay read-only inside: they become part of
 * every session's system prompt, the owner's too, so a sandboxed session must not rewrite them.
 */
function bootstrapReadOnly(workspace: string): string[] {
  return BOOTSTRAP_FILES.map((f) => join(workspace, f.name))
    .filter((path) => existsSync(path))
    .flatMap((path) => ["--ro-bind", path, path]);
}

/** The full argv that runs `argv` inside a fresh bubblewrap sandbox. */
export function bwrapArgv(cmd: SandboxCommand): string[] {
  return [
    cmd.bwrapPath,
    "--unshare-all",
    ...(cmd.policy.network ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    ...systemMountArgs(cmd.policy.network),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--bind",
    cmd.workspace,
    cmd.workspace,
    ...bootstrapReadOnly(cmd.workspace),
    "--chdir",
    cmd.cwd,
    "--",
    ...cpuCapPrefix(cmd.policy.cpuSeconds),
    ...cmd.argv,
  ];
}
