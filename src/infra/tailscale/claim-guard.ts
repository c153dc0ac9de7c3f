import { spawn, type ChildProcess } from "node:child_process";

/**
 * Runs in its own `node` process between the gateway and the foreground `tailscale serve|funnel`:
 * it holds the read end of a pipe from the gateway, so when the gateway dies (even by SIGKILL)
 * the pipe closes and the guard ends the claim; a route must not outlive its gateway.
 */
const GUARD_SOURCE = `
const { spawn } = require("node:child_process");
const [bin, ...args] = process.argv.slice(1);
const child = spawn(bin, args, { stdio: ["ignore", "inherit", "inherit"] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 2000).unref();
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stop);
child.on("error", (err) => { process.stderr.write(err.message + "\\n"); process.exit(127); });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 143 : 1)));
`;

/**
 * Starts `bin args…` under the guard, in a process group of its own (a Ctrl+C in the terminal
 * reaches the gateway, which then ends the claim in order). The child's stdout and stderr are the
 * command's.
 */
export function spawnGuarded(bin: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["-e", GUARD_SOURCE, "--", bin, ...args], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
}

/** Kills the guard and whatever it started (the whole process group). */
export function killGuardGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
