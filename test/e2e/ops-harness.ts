/**
 * Helpers for the operations end-to-end tests (hot reload, in-process restart, crash-loop breaker,
 * profiles, config CLI): each test gets a throw-away HOME / state dir / config, spawns the bundled
 * CLI (dist/openclaw.mjs, the installed `openclaw` bin) as real processes, and talks to the gateway
 * over real sockets. Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

/** dist/test/e2e/ops-harness.js -> dist/openclaw.mjs */
export const OPENCLAW_BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../openclaw.mjs");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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

// ---------------------------------------------------------------------------------------------
// Environment and sandboxes
// ---------------------------------------------------------------------------------------------

/** The inherited environment without OPENCLAW_* (gateway port/token/profile would leak in). */
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

export type OpsSandbox = {
  root: string;
  home: string;
  stateDir: string;
  configPath: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
};

const sandboxes = new Set<OpsSandbox>();

/** A fresh root with HOME, OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH inside it (all set unless `stateEnv` is false). */
export function makeOpsSandbox(opts: { stateEnv?: boolean } = {}): OpsSandbox {
  const root = mkdtempSync(join(tmpdir(), "ocgw-ops-"));
  const home = join(root, "home");
  const stateDir = join(root, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const env = cleanEnv();
  env.HOME = home;
  env.USERPROFILE = home;
  const configPath = join(stateDir, "openclaw.json");
  if (opts.stateEnv !== false) {
    env.OPENCLAW_STATE_DIR = stateDir;
    env.OPENCLAW_CONFIG_PATH = configPath;
  }
  const sandbox: OpsSandbox = {
    root,
    home,
    stateDir,
    configPath,
    logFile: join(root, "gw.log"),
    env,
    cleanup() {
      sandboxes.delete(sandbox);
      rmSync(root, { recursive: true, force: true });
    },
  };
  sandboxes.add(sandbox);
  return sandbox;
}

/** The config the brief asks for: local mode, a port, token auth, a file log. */
export function baseConfig(port: number, token: string, logFile: string, extraGateway: Record<string, unknown> = {}): Record<string, unknown> {
  return { gateway: { mode: "local", port, auth: { mode: "token", token }, ...extraGateway }, logging: { file: logFile } };
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
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

/** Distinct free ports. */
export async function getFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await getFreePort());
  return [...ports];
}

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

export type HttpResult = { status: number; body: string; json?: any };

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
        resolveGet({ status: res.statusCode ?? 0, body, json });
      });
      res.on("error", () => resolveGet(null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolveGet(null));
    req.end();
  });
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
  readonly exited: Promise<Exit>;
  exitInfo(): Exit | null;
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and waits for the exit; escalates to SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
  dump(): string;
};

const live = new Set<Proc>();

const matches = (text: string, pattern: RegExp | string) => (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text));

/** Spawns `node dist/openclaw.mjs ...args`. */
export function spawnOpenclaw(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, [OPENCLAW_BIN, ...args], { env, cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
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
    exited,
    exitInfo: () => exit,
    dump: () => `exit=${JSON.stringify(exit)}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!matches(out, pattern) && !matches(err, pattern)) {
        if (exit) throw new Error(`process exited before printing ${pattern}\n${proc.dump()}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${pattern}\n${proc.dump()}`);
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

export type CliResult = Exit & { stdout: string; stderr: string };

/** Runs `openclaw ...args` to completion (SIGKILL after `timeoutMs`). */
export async function runOpenclaw(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliResult> {
  const proc = spawnOpenclaw(args, env);
  const timer = setTimeout(() => {
    try {
      proc.child.kill("SIGKILL");
    } catch {}
  }, timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

export function dumpResult(r: CliResult): string {
  return `exit=${r.code} signal=${r.signal}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** Starts `openclaw [rootArgs] gateway [args]` and resolves once "gateway ready" is on stdout. */
export async function startGatewayProc(env: NodeJS.ProcessEnv, opts: { rootArgs?: string[]; args?: string[]; timeoutMs?: number } = {}): Promise<Proc> {
  const proc = spawnOpenclaw([...(opts.rootArgs ?? []), "gateway", ...(opts.args ?? [])], env);
  try {
    await proc.waitForOutput("gateway ready", opts.timeoutMs ?? 15_000);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw err;
  }
  return proc;
}

/** SIGKILLs every process this harness spawned that still runs. */
export async function killAllProcs(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop("SIGKILL", 2000)));
}

export function cleanupAllSandboxes(): void {
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
// File log
// ---------------------------------------------------------------------------------------------

export type LogLine = { time?: string; level?: string; subsystem?: string; message?: string };

/** The JSON lines of the gateway's file log (lines that do not parse are skipped). */
export function readLog(path: string): LogLine[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const lines: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {}
  }
  return lines;
}

/** Waits until a log message matches (the sink flushes asynchronously). */
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

export function logCount(path: string): number {
  return readLog(path).length;
}

// ---------------------------------------------------------------------------------------------
// WebSocket operator client
// ---------------------------------------------------------------------------------------------

export type Frame = { type: string; id?: string; event?: string; ok?: boolean; payload?: any; error?: { code?: string; message?: string; details?: any }; seq?: number };
export type CloseInfo = { code: number; reason: string; at: number };

export class OpsClient {
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
        this.closeInfo = { code, reason: reason.toString("utf8"), at: performance.now() };
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

const openClients = new Set<OpsClient>();

/**
 * Opens ws://127.0.0.1:<port>/, waits for connect.challenge, sends the connect request the
 * official CLI sends and resolves once hello-ok arrived. Rejects with ConnectRejected when the
 * gateway answers with an error, or with a plain Error when the socket fails.
 */
export function connectOps(port: number, token: string, opts: { scopes?: string[]; timeoutMs?: number; origin?: string } = {}): Promise<OpsClient> {
  return new Promise((resolveClient, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, ...(opts.origin ? { headers: { Origin: opts.origin } } : {}) });
    const connectId = `1:${randomUUID()}`;
    let done = false;
    const finish = (err: Error | null, client?: OpsClient) => {
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
        if (frame.ok) finish(null, new OpsClient(ws, frame.payload));
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

/** Retries `connectOps` every `intervalMs` until it succeeds (or `timeoutMs` passes). */
export async function connectWithRetry(port: number, token: string, opts: { scopes?: string[]; timeoutMs?: number; intervalMs?: number } = {}): Promise<OpsClient> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      return await connectOps(port, token, { scopes: opts.scopes, timeoutMs: 2000 });
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`could not connect to port ${port}: ${(last as Error)?.message}`);
    await sleep(opts.intervalMs ?? 20);
  }
}

/** Starts a gateway in a fresh sandbox with the base config (plus `mutate`), returns everything a test needs. */
export async function startSandboxGateway(
  opts: {
    extraGateway?: Record<string, unknown>;
    mutate?: (config: Record<string, any>) => void;
    configText?: (port: number, token: string, logFile: string) => string;
    /** Runs after the sandbox exists and before the gateway starts (e.g. to write included files). */
    beforeStart?: (sb: OpsSandbox) => void;
  } = {},
): Promise<{ sb: OpsSandbox; port: number; token: string; proc: Proc; configText: string }> {
  const sb = makeOpsSandbox();
  opts.beforeStart?.(sb);
  const port = await getFreePort();
  const token = randomToken();
  let text: string;
  if (opts.configText) text = opts.configText(port, token, sb.logFile);
  else {
    const config = baseConfig(port, token, sb.logFile, opts.extraGateway);
    opts.mutate?.(config as Record<string, any>);
    text = JSON.stringify(config, null, 2) + "\n";
  }
  writeFileSync(sb.configPath, text, { mode: 0o600 });
  const proc = await startGatewayProc(sb.env);
  return { sb, port, token, proc, configText: text };
}
