/**
 * Load generator, run as its own process so it never shares an event loop with a server:
 *   node dist/bench/load.js '<json LoadConfig>'
 * Prints exactly one line of JSON (LoadResult) on stdout and exits 0, or prints the error on
 * stderr and exits 1. The same code drives the gateway and the baseline.
 *
 * Modes:
 * - "rpc": `connections` sockets, each completes the handshake, then keeps `inflight` `health`
 *   requests outstanding (a new one is sent as each response arrives). Responses are counted in
 *   the window [warmupMs, warmupMs + durationMs].
 * - "handshake": `loops` parallel loops of open -> challenge -> connect -> hello-ok -> close
 *   (waits for the close to finish). Completed handshakes are counted in the same kind of window.
 * Server CPU (utime+stime from /proc) is sampled at the window edges when `serverPid` is given.
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { closeAndWait, connectFrame, percentileSorted, procCpuTicks, sleep } from "./common.js";
import { newDeviceKey, signConnect, type DeviceKey } from "../test/devices/device-keys.js";

export type LoadConfig = {
  mode: "rpc" | "handshake";
  url: string;
  token: string;
  warmupMs: number;
  durationMs: number;
  serverPid?: number;
  clockTicks?: number;
  /** rpc */
  connections?: number;
  inflight?: number;
  /** handshake */
  loops?: number;
  /** handshake: each loop connects with its own signed device identity (paired on its first connect). */
  device?: boolean;
  /** hard cap on operations (requests or handshakes) over the whole run */
  maxOps?: number;
};

export type LoadResult = {
  mode: "rpc" | "handshake";
  windowMs: number;
  ops: number;
  opsPerSec: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  samples: number;
  serverCpuMs: number | null;
  serverCpuUsPerOp: number | null;
  serverCpuUtil: number | null;
  loadCpuUtil: number;
  responseBytes: number;
  totalOps: number;
};

const MAX_SAMPLES = 2_000_000;

type Frame = { type?: string; id?: string; event?: string; ok?: boolean; payload?: unknown };

class Window {
  startedAt = 0;
  endedAt = 0;
  active = false;
  ops = 0;
  errors = 0;
  latencies = new Float64Array(MAX_SAMPLES);
  samples = 0;
  serverTicks0: number | null = null;
  serverTicks1: number | null = null;
  cpu0: NodeJS.CpuUsage | null = null;
  cpu1: NodeJS.CpuUsage | null = null;

  constructor(private readonly serverPid: number | undefined) {}

  record(latencyMs: number): void {
    if (!this.active) return;
    this.ops++;
    if (this.samples < MAX_SAMPLES) this.latencies[this.samples++] = latencyMs;
  }

  error(): void {
    if (this.active) this.errors++;
  }

  open(): void {
    this.serverTicks0 = this.serverPid ? procCpuTicks(this.serverPid) : null;
    this.cpu0 = process.cpuUsage();
    this.startedAt = performance.now();
    this.active = true;
  }

  close(): void {
    this.active = false;
    this.endedAt = performance.now();
    this.cpu1 = process.cpuUsage();
    this.serverTicks1 = this.serverPid ? procCpuTicks(this.serverPid) : null;
  }

  result(mode: LoadConfig["mode"], clockTicks: number, responseBytes: number, totalOps: number): LoadResult {
    const windowMs = this.endedAt - this.startedAt;
    const sorted = this.latencies.subarray(0, this.samples).sort();
    const serverCpuMs =
      this.serverTicks0 !== null && this.serverTicks1 !== null ? ((this.serverTicks1 - this.serverTicks0) * 1000) / clockTicks : null;
    const loadCpuUs = this.cpu0 && this.cpu1 ? this.cpu1.user - this.cpu0.user + (this.cpu1.system - this.cpu0.system) : 0;
    return {
      mode,
      windowMs: round(windowMs, 1),
      ops: this.ops,
      opsPerSec: round((this.ops * 1000) / windowMs, 1),
      errors: this.errors,
      latencyMs: {
        p50: round(percentileSorted(sorted, 50), 3),
        p90: round(percentileSorted(sorted, 90), 3),
        p99: round(percentileSorted(sorted, 99), 3),
        max: round(this.samples ? sorted[this.samples - 1] : NaN, 3),
      },
      samples: this.samples,
      serverCpuMs: serverCpuMs === null ? null : round(serverCpuMs, 1),
      serverCpuUsPerOp: serverCpuMs === null || this.ops === 0 ? null : round((serverCpuMs * 1000) / this.ops, 2),
      serverCpuUtil: serverCpuMs === null ? null : round(serverCpuMs / windowMs, 3),
      loadCpuUtil: round(loadCpuUs / 1000 / windowMs, 3),
      responseBytes,
      totalOps,
    };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A v3-signed connect frame, as the official CLI sends it when it holds a device identity. */
function deviceConnectFrame(id: string, token: string, key: DeviceKey, nonce: string): string {
  const frame = JSON.parse(connectFrame(id, token)) as { params: Record<string, any> };
  const p = frame.params;
  const device = signConnect(key, { nonce, connect: { clientId: p.client.id, clientMode: p.client.mode, role: p.role, scopes: p.scopes, token, platform: p.client.platform } });
  return JSON.stringify({ ...frame, params: { ...p, device } });
}

/** Opens a socket and completes the v4 handshake; resolves with the socket once hello-ok arrived. */
function handshake(url: string, token: string, id: string, timeoutMs: number, key?: DeviceKey): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      cleanup();
      ws.terminate();
      reject(new Error("handshake timeout"));
    }, timeoutMs);
    const onError = (err: Error) => {
      cleanup();
      ws.terminate();
      reject(err);
    };
    const onClose = (code: number) => {
      cleanup();
      reject(new Error(`closed during handshake (${code})`));
    };
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.type === "event" && frame.event === "connect.challenge") {
        ws.send(key ? deviceConnectFrame(id, token, key, (frame.payload as { nonce: string }).nonce) : connectFrame(id, token));
      } else if (frame.type === "res" && frame.id === id) {
        cleanup();
        if (frame.ok && (frame.payload as { type?: string } | undefined)?.type === "hello-ok") resolve(ws);
        else {
          ws.terminate();
          reject(new Error(`connect rejected: ${JSON.stringify(frame).slice(0, 300)}`));
        }
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      ws.off("message", onMessage);
      ws.off("error", onError);
      ws.off("close", onClose);
    };
    ws.on("message", onMessage);
    ws.on("error", onError);
    ws.on("close", onClose);
  });
}

async function runRpc(cfg: LoadConfig): Promise<LoadResult> {
  const connections = cfg.connections ?? 10;
  const inflight = cfg.inflight ?? 8;
  const maxOps = cfg.maxOps ?? 20_000_000;
  const win = new Window(cfg.serverPid);
  const sockets = await Promise.all(Array.from({ length: connections }, (_, i) => handshake(cfg.url, cfg.token, `1:load-${i}`, 10_000)));
  let stopping = false;
  let sent = 0;
  let received = 0;
  let responseBytes = 0;
  let outstanding = 0;
  let fatal: Error | null = null;
  let drained: (() => void) | null = null;

  for (const ws of sockets) {
    const sentAt = new Map<string, number>();
    let next = 0;
    const send = () => {
      const id = String(++next);
      sentAt.set(id, performance.now());
      sent++;
      outstanding++;
      ws.send(`{"type":"req","id":"${id}","method":"health","params":{}}`);
    };
    ws.on("message", (data: Buffer) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      if (frame.type !== "res" || typeof frame.id !== "string") return; // presence/tick events
      const t0 = sentAt.get(frame.id);
      if (t0 === undefined) return;
      sentAt.delete(frame.id);
      outstanding--;
      received++;
      if (frame.ok === true && frame.payload !== undefined) {
        win.record(performance.now() - t0);
        if (responseBytes === 0) responseBytes = text.length;
      } else win.error();
      if (!stopping && sent < maxOps) send();
      else if (outstanding === 0 && drained) drained();
    });
    ws.on("close", (code) => {
      if (!stopping) fatal = new Error(`socket closed during load (${code})`);
    });
    ws.on("error", (err) => {
      if (!stopping) fatal = err;
    });
    for (let i = 0; i < inflight; i++) send();
  }

  await sleep(cfg.warmupMs);
  if (fatal) throw fatal;
  win.open();
  await sleep(cfg.durationMs);
  win.close();
  stopping = true;
  if (fatal) throw fatal;
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, 3000);
    });
  }
  await Promise.all(sockets.map((ws) => closeAndWait(ws, 2000)));
  return win.result("rpc", cfg.clockTicks ?? 100, responseBytes, received);
}

async function runHandshakes(cfg: LoadConfig): Promise<LoadResult> {
  const loops = cfg.loops ?? 4;
  const maxOps = cfg.maxOps ?? 200_000;
  const win = new Window(cfg.serverPid);
  const t0 = performance.now();
  const end = t0 + cfg.warmupMs + cfg.durationMs;
  let started = 0;
  let done = 0;
  let errors = 0;
  let seq = 0;

  const loop = async () => {
    const key = cfg.device ? newDeviceKey() : undefined;
    while (performance.now() < end && started < maxOps) {
      started++;
      const begin = performance.now();
      try {
        const ws = await handshake(cfg.url, cfg.token, `1:hs-${++seq}`, 5000, key);
        await closeAndWait(ws, 2000);
        done++;
        win.record(performance.now() - begin);
      } catch {
        errors++;
        win.error();
        if (errors > 50) throw new Error("too many handshake errors");
        await sleep(10);
      }
    }
  };

  const warmup = sleep(cfg.warmupMs).then(() => win.open());
  const closeWin = sleep(cfg.warmupMs + cfg.durationMs).then(() => win.close());
  await Promise.all([warmup, closeWin, ...Array.from({ length: loops }, loop)]);
  return win.result("handshake", cfg.clockTicks ?? 100, 0, done);
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: load.js '<json config>'");
  const cfg = JSON.parse(raw) as LoadConfig;
  if (!/^ws:\/\/127\.0\.0\.1:\d+\/?$/.test(cfg.url)) throw new Error(`refusing non-loopback url ${cfg.url}`);
  // Hard stop: never outlive the planned run by much.
  const hardMs = cfg.warmupMs + cfg.durationMs + 20_000;
  setTimeout(() => {
    process.stderr.write(`load generator hard timeout after ${hardMs} ms\n`);
    process.exit(1);
  }, hardMs).unref();
  const result = cfg.mode === "rpc" ? await runRpc(cfg) : await runHandshakes(cfg);
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`load generator failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
