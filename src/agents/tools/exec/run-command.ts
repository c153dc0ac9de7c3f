import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { BoundedOutput, DEFAULT_OUTPUT_SIDE_BYTES } from "./bounded-output.js";
import { timerMs } from "./timers.js";

/** How long a process group has to exit after SIGTERM before it gets SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2000;

export type RunCommandOptions = {
  /** Run through `/bin/sh -c`; exactly one of `command` and `argv` is given. */
  command?: string;
  /** Spawned directly, no shell: metacharacters in the arguments stay literal. */
  argv?: string[];
  cwd: string;
  /** The whole environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
  /** Wall-clock limit; 0 disables it. */
  timeoutMs: number;
  signal?: AbortSignal;
  killGraceMs?: number;
  headBytes?: number;
  tailBytes?: number;
  /** A pipe the caller may write to; otherwise stdin is /dev/null. */
  keepStdinOpen?: boolean;
};

export type StopReason = "timeout" | "aborted" | "killed";

export type CommandOutcome = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Stdout and stderr interleaved as they arrived, head and tail kept around a cut marker. */
  output: string;
  truncated: boolean;
  totalBytes: number;
  durationMs: number;
  /** Why the gateway stopped the command, when it did. */
  stoppedBy: StopReason | null;
};

type OutputListener = (chunk: Buffer) => void;

/** A started command: its live output, its stdin and the means to stop it. */
export class RunningCommand {
  readonly done: Promise<CommandOutcome>;
  readonly output: BoundedOutput;
  readonly startedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly started = performance.now();
  private readonly listeners = new Set<OutputListener>();
  private readonly grace: number;
  private stopReason: StopReason | null = null;
  private exited = false;
  private killTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private signal: AbortSignal | undefined;
  private readonly onAbort = () => this.stop("aborted");

  constructor(opts: RunCommandOptions) {
    const argv = commandArgv(opts);
    if (opts.signal?.aborted) throw new Error("the run was aborted before the command started");
    this.grace = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.output = new BoundedOutput(opts.headBytes ?? DEFAULT_OUTPUT_SIDE_BYTES, opts.tailBytes ?? DEFAULT_OUTPUT_SIDE_BYTES);
    // Its own process group, so one kill reaches everything the command started.
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: [opts.keepStdinOpen ? "pipe" : "ignore", "pipe", "pipe"],
    });
    this.child.stdin?.on("error", () => {});
    this.done = this.watch();
    if (opts.timeoutMs > 0) this.timeoutTimer = setTimeout(() => this.stop("timeout"), timerMs(opts.timeoutMs));
    if (opts.signal) {
      this.signal = opts.signal;
      opts.signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  get stdinWritable(): boolean {
    return !this.exited && !!this.child.stdin && this.child.stdin.writable;
  }

  /** Receives each chunk of output from now on; returns the unsubscribe function. */
  onOutput(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After this, aborting the original signal no longer stops the command (it went to the background). */
  detachSignal(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.signal = undefined;
  }

  async writeStdin(data: string, eof = false): Promise<void> {
    const stdin = this.child.stdin;
    if (!stdin || !this.stdinWritable) throw new Error("stdin is closed");
    if (data.length > 0) await new Promise<void>((resolve, reject) => stdin.write(data, (err) => (err ? reject(err) : resolve())));
    if (eof) stdin.end();
  }

  /** SIGTERM to the whole group, SIGKILL after the grace period if anything is left. */
  stop(reason: StopReason): void {
    if (this.exited || this.stopReason) return;
    this.stopReason = reason;
    this.terminateGroup();
  }

  private terminateGroup(): void {
    signalGroup(this.child.pid, "SIGTERM");
    // Not unref'd: a gateway shutting down waits the grace out rather than leave a SIGTERM-ignoring group alive.
    this.killTimer ??= setTimeout(() => signalGroup(this.child.pid, "SIGKILL"), this.grace);
  }

  private watch(): Promise<CommandOutcome> {
    const child = this.child;
    const onData = (chunk: Buffer) => {
      this.output.push(chunk);
      for (const listener of this.listeners) listener(chunk);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    return new Promise((resolve, reject) => {
      let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      child.once("error", (err) => {
        this.finish();
        reject(new Error(`could not start ${child.spawnfile}: ${err.message}`));
      });
      child.once("exit", (code, signal) => {
        exit = { code, signal };
        this.exited = true;
        // Children left behind by `&` share the group and would keep the pipes open: stop them too.
        this.terminateGroup();
        // Something that escaped the group may still hold the pipes; do not wait on it forever.
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, this.grace + 500).unref();
      });
      child.once("close", (code, signal) => {
        this.finish();
        if (this.killTimer && !groupExists(child.pid)) clearTimeout(this.killTimer);
        const final = exit ?? { code, signal };
        resolve({
          exitCode: final.code,
          signal: final.signal,
          output: this.output.text(),
          truncated: this.output.truncated,
          totalBytes: this.output.totalBytes,
          durationMs: Math.round(performance.now() - this.started),
          stoppedBy: this.stopReason,
        });
      });
    });
  }

  private finish(): void {
    this.exited = true;
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.detachSignal();
    this.listeners.clear();
  }
}

export function commandArgv(opts: Pick<RunCommandOptions, "command" | "argv">): string[] {
  if (opts.argv !== undefined) {
    if (opts.command !== undefined) throw new Error("give either command or argv, not both");
    if (opts.argv.length === 0 || opts.argv[0] === "") throw new Error("argv needs a program");
    return opts.argv;
  }
  if (opts.command === undefined) throw new Error("a command or argv is required");
  return ["/bin/sh", "-c", opts.command];
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupExists(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function startCommand(opts: RunCommandOptions): RunningCommand {
  return new RunningCommand(opts);
}

/** Runs to completion; rejects only when the program could not be started. */
export function runCommand(opts: RunCommandOptions): Promise<CommandOutcome> {
  return startCommand(opts).done;
}
