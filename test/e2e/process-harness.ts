/**
 * Helpers for the end-to-end tests that run real processes (cli-*, ops-*): each test gets a
 * throw-away HOME / state dir / config, spawns the bundled CLI (dist/openclaw.mjs, the installed
 * `openclaw` bin) as child processes, and talks to the gateway over real sockets.
 * `useProcessCleanup()` registers the hooks that close clients, kill processes and remove sandboxes.
 * Not a *.test.ts file, so `node --test` does not run it by itself. The in-process gateway used by
 * the protocol tests is in harness.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, afterEach } from "node:test";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

/** dist/test/e2e/process-harness.js -> dist/openclaw.mjs */
export const OPENCLAW_BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../openclaw.mjs");

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
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs = 5000, label = "condition", intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${label}`);
    await sleep(intervalMs);
  }
}

export function randomToken(): string {
  return randomBytes(12).toString("hex");
}

const matches = (text: string, pattern: RegExp | string) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));

// ---------------------------------------------------------------------------------------------
// Environment, sandboxes and config files
// ---------------------------------------------------------------------------------------------

/** The inherited environment without any OPENCLAW_* variable (they would leak the developer's setup). */
const SUPERVISOR_MARKERS = new Set(["INVOCATION_ID", "JOURNAL_STREAM", "SYSTEMD_EXEC_PID", "LAUNCH_JOB_LABEL", "LAUNCH_JOB_NAME", "XPC_SERVICE_NAME"]);

export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("OPENCLAW_")) continue;
    if (key === "NODE_TEST_CONTEXT" || key === "NODE_OPTIONS") continue;
    // A CI runner started by a service manager must not make the gateways under test look supervised.
    if (SUPERVISOR_MARKERS.has(key)) continue;
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
  /** HOME points into the sandbox, and so do OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH unless `stateEnv` is false. */
  env: NodeJS.ProcessEnv;
  /**
   * Writes a config file (default: the sandbox config) with mode 0600 and returns the text written:
   * an object gets logging.file added (unless it has `logging`); a string is written as is.
   */
  writeConfig(config: Record<string, unknown> | string, path?: string): string;
  readConfig(): Record<string, unknown>;
  cleanup(): void;
};

const sandboxes = new Set<Sandbox>();

/** A fresh root with `home` and `state` folders in it. */
export function makeSandbox(opts: { stateEnv?: boolean } = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "ocgw-e2e-"));
  const home = join(root, "home");
  const stateDir = join(root, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
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
      const text = typeof config === "string" ? config : JSON.stringify("logging" in config ? config : { ...config, logging: { file: logFile } }, null, 2) + "\n";
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { mode: 0o600 });
      return text;
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

/** Local mode, a port, token auth, a file log. */
export function baseConfig(port: number, token: string, logFile: string, extraGateway: Record<string, unknown> = {}): Record<string, unknown> {
  return { gateway: { mode: "local", port, auth: { mode: "token", token }, ...extraGateway }, logging: { file: logFile } };
}

export type ConfiguredSandboxOptions = {
  /**
   * What `writeConfig` writes; a function gets the port, token and log file. Default:
   * baseConfig(port, token, logFile, extraGateway).
   */
  config?: Record<string, unknown> | string | ((port: number, token: string, logFile: string) => Record<string, unknown> | string);
  extraGateway?: Record<string, unknown>;
  /** Added to the sandbox env. */
  env?: Record<string, string>;
  /** Runs after the sandbox exists and before the config is written (e.g. to write included files). */
  beforeConfig?: (sb: Sandbox) => void;
  /** Default: a free port. */
  port?: number;
  /** Default: a random token. */
  token?: string;
};

export type ConfiguredSandbox = { sb: Sandbox; port: number; token: string; configText: string };

/** A fresh sandbox with its config written; nothing started yet. */
export async function makeConfiguredSandbox(opts: ConfiguredSandboxOptions = {}): Promise<ConfiguredSandbox> {
  const sb = makeSandbox();
  Object.assign(sb.env, opts.env);
  opts.beforeConfig?.(sb);
  const port = opts.port ?? (await getFreePort());
  const token = opts.token ?? randomToken();
  const config = typeof opts.config === "function" ? opts.config(port, token, sb.logFile) : (opts.config ?? baseConfig(port, token, sb.logFile, opts.extraGateway));
  const configText = sb.writeConfig(config);
  return { sb, port, token, configText };
}

/** Writes `text` to a temp file in the same folder and renames it over `path` (how many editors save). */
export function writeByRename(path: string, text: string): void {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

// ---------------------------------------------------------------------------------------------
// Ports and HTTP
// ---------------------------------------------------------------------------------------------

/** A port that was free a moment ago (bound to 0 on loopback, read, closed), other than `exclude`. */
export async function getFreePort(...exclude: number[]): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
        const address = server.address();
        server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
      });
    });
    if (!exclude.includes(port)) return port;
  }
}

/** `n` distinct free ports. */
export async function getFreePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await getFreePort(...ports));
  return ports;
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

export type HttpResult = { status: number; headers: Record<string, string | string[] | undefined>; body: string; json?: any };

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
  return !!res && res.status === 200 && res.json?.ok === true;
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

export function spawnProcess(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Proc {
  const child = spawn(command, args, { env: opts.env, cwd: opts.cwd ?? tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
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
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!matches(out, pattern) && !matches(err, pattern)) {
        if (exit) throw new Error(`process exited before printing ${pattern}\n${dump(proc)}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${pattern}\n${dump(proc)}`);
        await sleep(20);
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

/** Spawns `node dist/openclaw.mjs ...args`. */
export function spawnOpenclaw(args: string[], env: NodeJS.ProcessEnv): Proc {
  return spawnProcess(process.execPath, [OPENCLAW_BIN, ...args], { env });
}

export type CliResult = Exit & { stdout: string; stderr: string };

/** Runs `openclaw ...args` to completion (SIGKILL after `timeoutMs`). */
export async function runOpenclaw(args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  const proc = spawnOpenclaw(args, env);
  const timer = setTimeout(() => {
    try {
      proc.child.kill("SIGKILL");
    } catch {}
  }, opts.timeoutMs ?? 20_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Exit and output of a finished run or a (running or exited) process, for assertion messages. */
export function dump(result: CliResult | Proc): string {
  const [exit, stdout, stderr] = "child" in result ? [result.exitInfo(), result.stdout(), result.stderr()] : [result, result.stdout, result.stderr];
  return `exit=${exit ? `${exit.code} signal=${exit.signal}` : "(running)"}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
}

/** The CLI's stdout as one JSON document (the failure shows the whole run). */
export function stdoutJson<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${dump(r)}`);
  }
}

/**
 * Starts `openclaw [rootArgs] gateway ...args` and resolves once it printed "gateway ready" and,
 * when `port` is given, /healthz answers on it.
 */
export async function startGateway(env: NodeJS.ProcessEnv, args: string[] = [], port?: number, opts: { rootArgs?: string[]; timeoutMs?: number } = {}): Promise<Proc> {
  const proc = spawnOpenclaw([...(opts.rootArgs ?? []), "gateway", ...args], env);
  try {
    await proc.waitForOutput("gateway ready", opts.timeoutMs ?? 15_000);
    if (port !== undefined) await waitUntil(() => healthzOk(port), 5000, `/healthz on port ${port}`, 50);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw err;
  }
  return proc;
}

/**
 * makeConfiguredSandbox, then a gateway on that config. With `portFlag` it is started as
 * `gateway --port <port> ...args` and also waited for on /healthz; otherwise as `gateway ...args`
 * (the port comes from the config).
 */
export async function startSandboxGateway(opts: ConfiguredSandboxOptions & { args?: string[]; portFlag?: boolean } = {}): Promise<ConfiguredSandbox & { proc: Proc }> {
  const configured = await makeConfiguredSandbox(opts);
  const { sb, port } = configured;
  const args = opts.args ?? [];
  const proc = opts.portFlag ? await startGateway(sb.env, ["--port", String(port), ...args], port) : await startGateway(sb.env, args);
  return { ...configured, proc };
}

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

// ---------------------------------------------------------------------------------------------
// Cleanup
// ---------------------------------------------------------------------------------------------

/** SIGKILLs every process this harness spawned that still runs. */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop("SIGKILL", 2000)));
}

/** Terminates the open clients, kills the live processes and removes the sandboxes. */
export async function cleanupAll(): Promise<void> {
  closeAllClients();
  await killAll();
  for (const sandbox of [...sandboxes]) sandbox.cleanup();
}

/** Registers `cleanupAll` after the test file, and after each test too when `eachTest` is set. */
export function useProcessCleanup(opts: { eachTest?: boolean } = {}): void {
  if (opts.eachTest) afterEach(cleanupAll);
  after(cleanupAll);
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
// Log files
// ---------------------------------------------------------------------------------------------

export type LogLine = { time?: string; level?: string; subsystem?: string; message?: string; [key: string]: unknown };

/**
 * The JSON lines of a file. Strict (the default): a missing file or a non-empty line that is not
 * JSON throws. Not strict: they are skipped (a missing file gives []).
 */
export function readJsonLines(path: string, strict = true): LogLine[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (strict) throw err;
    return [];
  }
  const lines: LogLine[] = [];
  text.split("\n").forEach((line, i) => {
    if (strict ? line.length === 0 : !line.trim()) return;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      if (strict) throw new Error(`line ${i + 1} of ${path} is not JSON: ${line}`);
    }
  });
  return lines;
}

/** The gateway's file log so far (lines that do not parse are skipped). */
export const readLog = (path: string): LogLine[] => readJsonLines(path, false);

export function logCount(path: string): number {
  return readLog(path).length;
}

/** Waits until a log message after the first `after` lines matches (the sink flushes asynchronously). */
export async function waitForLog(path: string, pattern: RegExp | string, timeoutMs = 5000, after = 0): Promise<LogLine> {
  let found: LogLine | undefined;
  try {
    await waitUntil(
      () => (found = readLog(path).slice(after).find((l) => typeof l.message === "string" && matches(l.message, pattern))),
      timeoutMs,
      `log line ${pattern}`,
    );
  } catch (err) {
    const tail = readLog(path)
      .slice(-30)
      .map((l) => `${l.level} [${l.subsystem}] ${l.message}`)
      .join("\n");
    throw new Error(`${(err as Error).message}\n--- log tail ---\n${tail}`);
  }
  return found!;
}

export function localDate(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
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

// ---------------------------------------------------------------------------------------------
// WebSocket operator client (frames as in the 2026.9.6 traces)
// ---------------------------------------------------------------------------------------------

export type Frame = { type: string; id?: string; event?: string; ok?: boolean; payload?: any; error?: { code?: string; message?: string; details?: any }; seq?: number };
/** `order` is frames.length when the socket closed. */
export type CloseInfo = { code: number; reason: string; at: number; order: number };

export class OperatorClient {
  /** Every frame received after the hello-ok, in order. */
  readonly frames: Frame[] = [];
  closeInfo: CloseInfo | null = null;
  readonly closed: Promise<CloseInfo>;
  private waiters = new Map<string, (f: Frame) => void>();
  private listeners = new Set<() => void>();
  private counter = 1;

  constructor(
    readonly ws: WebSocket,
    readonly hello: any,
  ) {
    this.closed = new Promise<CloseInfo>((resolveClosed) => {
      const onClose = (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString("utf8"), at: performance.now(), order: this.frames.length };
        for (const l of [...this.listeners]) l();
        resolveClosed(this.closeInfo);
      };
      if (ws.readyState === WebSocket.CLOSED) onClose(1006, Buffer.alloc(0));
      else ws.on("close", onClose);
    });
    ws.on("message", (data) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(data)) as Frame;
      } catch {
        return;
      }
      this.frames.push(frame);
      if (frame.type === "res" && frame.id && this.waiters.has(frame.id)) {
        this.waiters.get(frame.id)!(frame);
        this.waiters.delete(frame.id);
      }
      for (const l of [...this.listeners]) l();
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a request and resolves with its `res` frame (ok or not). */
  request(method: string, params: unknown = {}, timeoutMs = 5000): Promise<Frame> {
    const id = `${++this.counter}:${randomUUID()}`;
    return new Promise<Frame>((resolveReq, rejectReq) => {
      const t = setTimeout(() => {
        this.waiters.delete(id);
        rejectReq(new Error(`${method} timed out after ${timeoutMs}ms (socket ${this.closeInfo ? `closed ${this.closeInfo.code}` : "open"})`));
      }, timeoutMs);
      this.waiters.set(id, (f) => {
        clearTimeout(t);
        resolveReq(f);
      });
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  /** Request that must succeed; returns the payload. */
  async call(method: string, params: unknown = {}, timeoutMs = 5000): Promise<any> {
    const res = await this.request(method, params, timeoutMs);
    if (!res.ok) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
    return res.payload;
  }

  events(name: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && f.event === name);
  }

  /** Resolves with the first event `name` (already received or future); rejects on timeout. */
  waitForEvent(name: string, timeoutMs = 5000): Promise<Frame> {
    return new Promise<Frame>((resolveEv, rejectEv) => {
      const check = () => {
        const ev = this.frames.find((f) => f.type === "event" && f.event === name);
        if (ev) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolveEv(ev);
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        rejectEv(new Error(`timed out waiting for event ${name}; events so far: ${this.frames.filter((f) => f.type === "event").map((f) => f.event).join(",")}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  async waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs}ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000);
    try {
      await this.waitForClose(1500);
    } catch {
      this.ws.terminate();
    }
  }
}

export class ConnectRejected extends Error {
  constructor(readonly error: Frame["error"]) {
    super(`connect rejected: ${JSON.stringify(error)}`);
  }
}

const openClients = new Set<OperatorClient>();

/**
 * Opens ws://127.0.0.1:<port>/, waits for connect.challenge, sends the connect request the
 * official CLI sends and resolves once hello-ok arrived. Rejects with ConnectRejected when the
 * gateway answers with an error, or with a plain Error when the socket fails.
 */
export function connectOperator(port: number, token: string, opts: { scopes?: string[]; timeoutMs?: number; origin?: string } = {}): Promise<OperatorClient> {
  return new Promise((resolveClient, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, ...(opts.origin ? { headers: { Origin: opts.origin } } : {}) });
    const connectId = `1:${randomUUID()}`;
    let done = false;
    const finish = (err: Error | null, client?: OperatorClient) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.removeListener("message", onMessage);
      if (err) {
        ws.terminate();
        reject(err);
      } else {
        openClients.add(client!);
        void client!.closed.then(() => openClients.delete(client!));
        resolveClient(client!);
      }
    };
    const timer = setTimeout(() => finish(new Error("handshake timed out")), opts.timeoutMs ?? 5000);
    ws.on("error", (err) => finish(err));
    ws.on("close", (code, reason) => finish(new Error(`closed during handshake: ${code} ${reason.toString()}`)));
    const onMessage = (data: WebSocket.RawData) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(data)) as Frame;
      } catch {
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
              client: { id: "cli", version: "2026.9.6", platform: "linux", deviceFamily: "Linux", mode: "cli", instanceId: randomUUID() },
              caps: [],
              auth: { token },
              role: "operator",
              scopes: opts.scopes ?? ["operator.read"],
            },
          }),
        );
      } else if (frame.type === "res" && frame.id === connectId) {
        if (frame.ok) finish(null, new OperatorClient(ws, frame.payload));
        else finish(new ConnectRejected(frame.error));
      }
    };
    ws.on("message", onMessage);
  });
}

export const ADMIN = ["operator.admin", "operator.read", "operator.write"];

export function closeAllClients(): void {
  for (const c of [...openClients]) c.ws.terminate();
  openClients.clear();
}

/** Retries `connectOperator` every `intervalMs` until it succeeds (or `timeoutMs` passes). */
export async function connectWithRetry(port: number, token: string, opts: { scopes?: string[]; timeoutMs?: number; intervalMs?: number } = {}): Promise<OperatorClient> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      return await connectOperator(port, token, { scopes: opts.scopes, timeoutMs: 2000 });
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`could not connect to port ${port}: ${(last as Error)?.message}`);
    await sleep(opts.intervalMs ?? 20);
  }
}
