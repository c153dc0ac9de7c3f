/**
 * Shared helpers for the benchmark suite: ports, child processes, /proc readers, probes and the
 * tiny bits of the v4 handshake the harness needs. Everything talks to 127.0.0.1 only.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { get as httpGet, request as httpRequest, type Agent } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

export const HOST = "127.0.0.1";
export const BENCH_TOKEN = "bench-token";
export const PROTOCOL_VERSION = 4;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Binds a throwaway server to port 0 on loopback and returns the port it got. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error("could not get a free port"))));
    });
  });
}

/** Clock ticks per second for /proc/<pid>/stat (100 on every Linux we care about). */
export function clockTicks(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 2000 }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime+stime of a process in clock ticks, or null when it is gone. */
export function procCpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** VmRSS of a process in KiB, or null when it is gone / not Linux. */
export function procRssKiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** One GET; resolves with the status code, rejects on connection errors or timeout. */
export function httpStatus(port: number, path: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: HOST, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export type HttpAnswer = { status: number; firstContentMs: number | null; totalMs: number; body: string };

/**
 * One timed JSON POST; resolves when the response ended. With `stream` (an SSE chat completion)
 * `firstContentMs` is the time to the first `data:` chunk whose delta carries content.
 */
export function timedPost(url: URL, agent: Agent, headers: Record<string, string>, body: string, stream: boolean, timeoutMs = 10_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, timeout: timeoutMs, headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } },
      (res) => {
        res.setEncoding("utf8");
        let text = "";
        let scanned = 0;
        let firstContentMs: number | null = null;
        res.on("data", (chunk: string) => {
          text += chunk;
          if (!stream || firstContentMs !== null) return;
          // Complete SSE events end with a blank line; look only at the ones not yet seen.
          for (let end = text.indexOf("\n\n", scanned); end >= 0; end = text.indexOf("\n\n", scanned)) {
            const event = text.slice(scanned, end);
            scanned = end + 2;
            if (hasContent(event)) {
              firstContentMs = performance.now() - t0;
              break;
            }
          }
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, firstContentMs, totalMs: performance.now() - t0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

function hasContent(event: string): boolean {
  for (const line of event.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") return false;
    try {
      const content = (JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> }).choices?.[0]?.delta?.content;
      if (typeof content === "string" && content.length > 0) return true;
    } catch {
      return false;
    }
  }
  return false;
}

export type Managed = {
  child: ChildProcess;
  pid: number;
  /** Last bytes of stdout+stderr, for error messages. */
  tail(): string;
  /** performance.now() at which a stdout line containing `marker` was first seen, if any. */
  markerAt(): number | null;
  exited(): boolean;
  exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | null;
  waitExit(timeoutMs: number): Promise<boolean>;
};

const children = new Set<ChildProcess>();

/** Kills (SIGKILL) every child still alive; safe to call repeatedly, also from an exit handler. */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        child.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

/**
 * Spawns a node script as a tracked child. stdout/stderr are drained continuously (a chatty
 * server must never block on a full pipe) and only a bounded tail is kept.
 */
export function spawnNode(
  script: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; marker?: string; captureStdout?: boolean },
): Managed & { stdout(): string } {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`failed to spawn ${script}`);
  children.add(child);
  let tail = "";
  let stdoutAll = "";
  let markerAt: number | null = null;
  let lineBuf = "";
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitWaiters: Array<() => void> = [];
  const keep = (s: string) => {
    tail = (tail + s).slice(-4000);
  };
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    keep(chunk);
    if (opts.captureStdout && stdoutAll.length < 1_000_000) stdoutAll += chunk;
    if (opts.marker && markerAt === null) {
      lineBuf = (lineBuf + chunk).slice(-2000);
      if (lineBuf.includes(opts.marker)) markerAt = performance.now();
    }
  });
  child.stderr!.on("data", (chunk: string) => keep(chunk));
  child.on("exit", (code, signal) => {
    exitInfo = { code, signal };
    children.delete(child);
    for (const w of exitWaiters.splice(0)) w();
  });
  child.on("error", (err) => keep(`\n[spawn error] ${err.message}\n`));
  return {
    child,
    pid: child.pid,
    tail: () => tail,
    stdout: () => stdoutAll,
    markerAt: () => markerAt,
    exited: () => exitInfo !== null,
    exitInfo: () => exitInfo,
    waitExit(timeoutMs: number): Promise<boolean> {
      if (exitInfo) return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs);
        exitWaiters.push(() => {
          clearTimeout(t);
          resolve(true);
        });
      });
    },
  };
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Returns how long the graceful part took (ms) or null if killed. */
export async function stopProcess(m: Managed, graceMs = 5000): Promise<number | null> {
  if (m.exited()) return 0;
  const t0 = performance.now();
  try {
    m.child.kill("SIGTERM");
  } catch {
    /* gone */
  }
  if (await m.waitExit(graceMs)) return performance.now() - t0;
  try {
    m.child.kill("SIGKILL");
  } catch {
    /* gone */
  }
  await m.waitExit(2000);
  return null;
}

/**
 * Polls GET /healthz every `intervalMs` until it answers 200. Returns performance.now() of the
 * first 200. Throws if the process exits or the deadline passes.
 */
export async function waitHealthy(m: Managed, port: number, opts: { intervalMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const intervalMs = opts.intervalMs ?? 5;
  const deadline = performance.now() + (opts.timeoutMs ?? 15_000);
  for (let attempt = 0; attempt < 100_000; attempt++) {
    if (m.exited()) throw new Error(`server exited before becoming healthy (${JSON.stringify(m.exitInfo())}):\n${m.tail()}`);
    try {
      const status = await httpStatus(port, "/healthz", 500);
      if (status === 200) return performance.now();
    } catch {
      /* not listening yet */
    }
    if (performance.now() > deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`server on port ${port} not healthy in time:\n${m.tail()}`);
}

export function connectFrame(id: string, token: string, scopes: string[] = ["operator.read"]): string {
  return JSON.stringify({
    type: "req",
    id,
    method: "connect",
    params: {
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      client: { id: "cli", version: "2026.9.6", platform: "linux", mode: "cli" },
      auth: { token },
      role: "operator",
      scopes,
    },
  });
}

type Frame = { type?: string; id?: string; event?: string; ok?: boolean; payload?: unknown; error?: unknown };

/**
 * Connects once, completes the handshake and makes one `health` call. Returns the raw payloads
 * (used to make the baseline answer with frames of the same size).
 */
export function captureGatewayPayloads(port: number, token: string, timeoutMs = 10_000): Promise<{ hello: unknown; health: unknown; helloBytes: number; healthBytes: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false });
    let hello: unknown;
    let helloBytes = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("capture timed out"));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on("error", fail);
    ws.on("message", (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      if (frame.type === "event" && frame.event === "connect.challenge") {
        ws.send(connectFrame("1:capture", token));
      } else if (frame.type === "res" && frame.id === "1:capture") {
        if (!frame.ok) return fail(new Error(`connect failed: ${JSON.stringify(frame.error)}`));
        hello = frame.payload;
        helloBytes = text.length;
        ws.send(JSON.stringify({ type: "req", id: "2", method: "health", params: {} }));
      } else if (frame.type === "res" && frame.id === "2") {
        if (!frame.ok) return fail(new Error(`health failed: ${JSON.stringify(frame.error)}`));
        clearTimeout(timer);
        const result = { hello, health: frame.payload, helloBytes, healthBytes: text.length };
        ws.once("close", () => resolve(result));
        ws.close();
      }
    });
  });
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** Closes a socket and waits for the close (terminating it after `timeoutMs`). */
export function closeAndWait(ws: WebSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, timeoutMs);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on("error", () => {});
    ws.close();
  });
}

/** Where a bench section runs: its workspace, the repo, the official CLI, dist/bench and CLK_TCK. */
export type SectionPaths = { root: string; repoRoot: string; cliPath: string; benchDir: string; clockTicks: number };

/**
 * `node dist/bench/<name>.js`: runs one section alone (for profiling and iteration) in a fresh
 * workspace, prints its progress, its rows and `<jsonTag> <json>`; exit code 1 when it failed.
 * BENCH_KEEP=1 keeps the workspace.
 */
export async function runSectionStandalone<S extends { ok: boolean }>(
  name: string,
  run: (paths: SectionPaths, log: (line: string) => void) => Promise<S>,
  rows: (section: S) => string[][],
  jsonTag: string,
  json: (section: S) => unknown,
): Promise<void> {
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const repoRoot = resolvePath(benchDir, "..", "..");
  const root = mkdtempSync(join(tmpdir(), `openclaw-bench-${name}-`));
  process.on("exit", killAllChildren);
  try {
    const section = await run({ root, repoRoot, cliPath: join(repoRoot, "dist", "openclaw.mjs"), benchDir, clockTicks: clockTicks() }, (line) => process.stdout.write(line + "\n"));
    for (const row of rows(section)) process.stdout.write(row.filter((c) => c !== "").join(" | ") + "\n");
    process.stdout.write(`${jsonTag} ` + JSON.stringify(json(section)) + "\n");
    if (!section.ok) process.exitCode = 1;
  } finally {
    if (process.env.BENCH_KEEP !== "1") rmSync(root, { recursive: true, force: true });
    else process.stdout.write(`workspace kept: ${root}\n`);
  }
}
