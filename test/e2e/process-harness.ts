/**
 * Helpers for the CLI end-to-end tests: each test gets a throw-away HOME / state dir / config path,
 * spawns the real `openclaw` CLI (dist/src/cli/main.js) as child processes, and talks to it over
 * real sockets. Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer, createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";

/** dist/test/e2e/process-harness.js -> dist/src/cli/main.js */
export const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.js");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves with the promise's value, or null after `ms` (the timer does not keep the process alive). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it returns a truthy value; throws with `label` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, label = "condition", intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${label}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Sandboxes
// ---------------------------------------------------------------------------------------------

/** The inherited environment without any OPENCLAW_* variable (they would leak the developer's setup). */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("OPENCLAW_")) continue;
    if (key === "NODE_TEST_CONTEXT" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  env.NO_COLOR = "1";
  return env;
}

export type Sandbox = {
  root: string;
  home: string;
  stateDir: string;
  configPath: string;
  /** A log file inside the sandbox; `writeConfig` puts it in logging.file unless told otherwise. */
  logFile: string;
  /** HOME, OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH point into the sandbox. */
  env: NodeJS.ProcessEnv;
  /** Writes the config: an object gets logging.file added (unless `logging` is given); a string is written as is. */
  writeConfig(config: Record<string, unknown> | string, path?: string): void;
  readConfig(): Record<string, unknown>;
  cleanup(): void;
};

const sandboxes = new Set<Sandbox>();

export function makeSandbox(opts: { stateEnv?: boolean } = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "ocgw-cli-"));
  const home = join(root, "home");
  const stateDir = join(root, "state");
  mkdirSync(home, { recursive: true });
  const configPath = join(stateDir, "openclaw.json");
  const logFile = join(root, "gw.log");
  const env = cleanEnv();
  env.HOME = home;
  env.USERPROFILE = home;
  if (opts.stateEnv !== false) {
    env.OPENCLAW_STATE_DIR = stateDir;
    env.OPENCLAW_CONFIG_PATH = configPath;
  }
  const sandbox: Sandbox = {
    root,
    home,
    stateDir,
    configPath,
    logFile,
    env,
    writeConfig(config, path = configPath) {
      mkdirSync(dirname(path), { recursive: true });
      if (typeof config === "string") {
        writeFileSync(path, config, { mode: 0o600 });
        return;
      }
      const withLog = "logging" in config ? config : { ...config, logging: { file: logFile } };
      writeFileSync(path, JSON.stringify(withLog, null, 2) + "\n", { mode: 0o600 });
    },
    readConfig() {
      return JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    },
    cleanup() {
      sandboxes.delete(sandbox);
      rmSync(root, { recursive: true, force: true });
    },
  };
  sandboxes.add(sandbox);
  return sandbox;
}

// ---------------------------------------------------------------------------------------------
// Ports and HTTP
// ---------------------------------------------------------------------------------------------

/** A port that was free a moment ago (bound to 0 on loopback, read, closed). */
export function getFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = createConnection({ port, host });
    const done = (value: boolean) => {
      socket.destroy();
      resolveListening(value);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export type HttpResult = { status: number; headers: Record<string, string | string[] | undefined>; body: string; json?: unknown };

/** GET over HTTP; resolves null when nothing answers. */
export function httpGet(port: number, path: string, host = "127.0.0.1"): Promise<HttpResult | null> {
  return new Promise((resolveGet) => {
    const req = request({ host, port, path, method: "GET", timeout: 2000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolveGet({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on("error", () => resolveGet(null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolveGet(null));
    req.end();
  });
}

export async function healthzOk(port: number): Promise<boolean> {
  const res = await httpGet(port, "/healthz");
  return !!res && res.status === 200 && (res.json as { ok?: boolean } | undefined)?.ok === true;
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type Proc = {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr, each in order (stdout first). */
  output(): string;
  readonly exited: Promise<Exit>;
  exitInfo(): Exit | null;
  /** Waits until stdout or stderr matches; rejects early (with the output) if the process exits. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and waits for the exit; escalates to SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
};

const live = new Set<Proc>();

function matches(text: string, pattern: RegExp | string): boolean {
  return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
}

export function spawnProcess(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; stdin?: "ignore" | "pipe" }): Proc {
  const child = spawn(command, args, { env: opts.env, cwd: opts.cwd ?? tmpdir(), stdio: [opts.stdin ?? "ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let exit: Exit | null = null;
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => (out += chunk));
  child.stderr!.on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolveExit) => {
    child.once("close", (code, signal) => {
      exit = { code, signal };
      live.delete(proc);
      resolveExit(exit);
    });
    child.once("error", () => {
      exit = { code: null, signal: null };
      live.delete(proc);
      resolveExit(exit);
    });
  });
  const proc: Proc = {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    output: () => out + err,
    exited,
    exitInfo: () => exit,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!matches(out, pattern) && !matches(err, pattern)) {
        if (exit) throw new Error(`process exited (${JSON.stringify(exit)}) before printing ${pattern}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${pattern}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`);
        await sleep(25);
      }
    },
    async stop(signal = "SIGTERM", graceMs = 8000) {
      if (exit) return exit;
      try {
        child.kill(signal);
      } catch {}
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {}
      }, graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  live.add(proc);
  return proc;
}

/** Spawns `node dist/src/cli/main.js ...args`. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string } = {}): Proc {
  return spawnProcess(process.execPath, [CLI_ENTRY, ...args], { env, cwd: opts.cwd });
}

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const proc = spawnCli(args, env, opts);
  const timer = setTimeout(() => {
    try {
      proc.child.kill("SIGKILL");
    } catch {}
  }, opts.timeoutMs ?? 20_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Human-readable dump for assertion messages. */
export function dump(result: { code?: number | null; stdout: string; stderr: string } | Proc): string {
  if ("child" in result) return `exit=${JSON.stringify(result.exitInfo())}\n--- stdout ---\n${result.stdout()}\n--- stderr ---\n${result.stderr()}`;
  return `exit=${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}

/**
 * Starts `openclaw [rootArgs] gateway ...args` and resolves once it printed "gateway ready" and
 * /healthz answers on `port`.
 */
export async function startGateway(env: NodeJS.ProcessEnv, args: string[], port: number, opts: { rootArgs?: string[]; timeoutMs?: number } = {}): Promise<Proc> {
  const proc = spawnCli([...(opts.rootArgs ?? []), "gateway", ...args], env);
  try {
    await proc.waitForOutput("gateway ready", opts.timeoutMs ?? 15_000);
    await waitFor(() => healthzOk(port), 5000, `/healthz on port ${port}`);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw err;
  }
  return proc;
}

/** Kills every process the harness spawned that is still running. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop("SIGKILL", 2000)));
}

/** Removes every sandbox still on disk. */
export function cleanupAll(): void {
  for (const sandbox of [...sandboxes]) sandbox.cleanup();
}

process.on("exit", () => {
  for (const proc of live) {
    try {
      proc.child.kill("SIGKILL");
    } catch {}
  }
  for (const sandbox of sandboxes) {
    try {
      rmSync(sandbox.root, { recursive: true, force: true });
    } catch {}
  }
});

// ---------------------------------------------------------------------------------------------
// Misc
// ---------------------------------------------------------------------------------------------

/** The pid of a process that has just exited (so nothing alive owns it right now). */
export async function deadPid(): Promise<number> {
  const proc = spawnProcess(process.execPath, ["-e", ""], { env: cleanEnv() });
  await proc.exited;
  return proc.pid;
}

/** `script(1)` gives a child a pseudo-terminal; tests that need a TTY skip when it is missing. */
export function hasScript(): boolean {
  return existsSync("/usr/bin/script") || existsSync("/bin/script");
}

/** Deletes the default daily log files of a (test-only) profile: openclaw-<profile>-*.log. */
export function removeProfileLogs(profile: string): void {
  const uid = process.getuid?.();
  for (const dir of ["/tmp/openclaw", join(tmpdir(), `openclaw-${uid ?? ""}`)]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.startsWith(`openclaw-${profile}-`)) rmSync(join(dir, name), { force: true });
  }
}

export function localDate(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Reads a JSONL file into objects; throws on a line that is not JSON. */
export function readJsonLines(path: string): Array<Record<string, unknown>> {
  const text = readFileSync(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`line ${i + 1} of ${path} is not JSON: ${line}`);
      }
    });
}

// ---------------------------------------------------------------------------------------------
// A minimal WebSocket operator client (frames as in the 2026.9.6 traces)
// ---------------------------------------------------------------------------------------------

export type Frame = { type: string; id?: string; event?: string; ok?: boolean; payload?: unknown; error?: { code?: string; message?: string }; seq?: number };

export type WsSession = {
  ws: WebSocket;
  hello: Record<string, unknown>;
  /** Every frame received after the hello-ok, in order. */
  frames: Frame[];
  /** Close code and reason once the socket closed; `order` is frames.length at that moment. */
  closed: { code: number; reason: string; order: number } | null;
  closedPromise: Promise<{ code: number; reason: string }>;
  request(method: string, params?: unknown, timeoutMs?: number): Promise<Frame>;
};

export function connectOperator(port: number, auth: { token?: string; password?: string }, scopes: string[] = ["operator.read"]): Promise<WsSession> {
  return new Promise((resolveSession, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const connectId = `1:${randomUUID()}`;
    let session: WsSession | null = null;
    let counter = 1;
    const waiters = new Map<string, (frame: Frame) => void>();
    let closeResolve!: (v: { code: number; reason: string }) => void;
    const closedPromise = new Promise<{ code: number; reason: string }>((r) => (closeResolve = r));
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("handshake timed out"));
    }, 5000);
    ws.on("error", (err) => {
      if (!session) {
        clearTimeout(timer);
        reject(err);
      }
    });
    ws.on("close", (code, reason) => {
      const info = { code, reason: reason.toString() };
      if (session) session.closed = { ...info, order: session.frames.length };
      else {
        clearTimeout(timer);
        reject(new Error(`closed during handshake: ${code} ${info.reason}`));
      }
      closeResolve(info);
    });
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (session) {
        session.frames.push(frame);
        if (frame.type === "res" && frame.id && waiters.has(frame.id)) {
          waiters.get(frame.id)!(frame);
          waiters.delete(frame.id);
        }
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge") {
        ws.send(
          JSON.stringify({
            type: "req",
            id: connectId,
            method: "connect",
            params: {
              minProtocol: 4,
              maxProtocol: 4,
              client: { id: "cli", version: "2026.9.6", platform: process.platform, mode: "cli", instanceId: randomUUID() },
              caps: [],
              auth,
              role: "operator",
              scopes,
            },
          }),
        );
      } else if (frame.type === "res" && frame.id === connectId) {
        clearTimeout(timer);
        if (!frame.ok) {
          reject(new Error(`connect rejected: ${JSON.stringify(frame.error)}`));
          ws.close();
          return;
        }
        session = {
          ws,
          hello: frame.payload as Record<string, unknown>,
          frames: [],
          closed: null,
          closedPromise,
          request(method, params = {}, timeoutMs = 5000) {
            const id = `${++counter}:${randomUUID()}`;
            return new Promise<Frame>((resolveReq, rejectReq) => {
              const t = setTimeout(() => {
                waiters.delete(id);
                rejectReq(new Error(`${method} timed out`));
              }, timeoutMs);
              waiters.set(id, (f) => {
                clearTimeout(t);
                resolveReq(f);
              });
              ws.send(JSON.stringify({ type: "req", id, method, params }));
            });
          },
        };
        resolveSession(session);
      }
    });
  });
}
