/**
 * Shared helpers for the end-to-end protocol tests: an in-process gateway on an ephemeral port with a
 * throw-away state dir, a WebSocket client that records every frame, and a raw RFC 6455 client for
 * hostile byte-level input. Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { after, afterEach } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { startGateway, type GatewayOptions, type RunningGateway } from "../../src/server/gateway.js";
import { snapshotFromText } from "../../src/config/snapshot.js";
import type { ResolvedAuth } from "../../src/server/auth.js";
import { logSink } from "../../src/infra/logger.js";

export const TEST_TOKEN = "test-token";
export const PROTOCOL = 4;

// Keep test output clean and never write into the real /tmp/openclaw log dir.
const logDir = mkdtempSync(join(tmpdir(), "ocgw-log-"));
export const TEST_LOG_FILE = join(logDir, "gateway.log");
logSink.configure({ consoleLevel: process.env.OCGW_TEST_LOGS ? "debug" : "silent", fileLevel: "info", file: TEST_LOG_FILE });
process.on("exit", () => {
  try {
    rmSync(logDir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or the time runs out. */
export async function until(check: () => boolean, timeoutMs = 3000, label = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${label}`);
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

export type TestGatewayOptions = {
  auth?: ResolvedAuth;
  /** Merged into the `gateway` section of the config (mode "local" is always set). */
  gateway?: Record<string, unknown>;
  /** Extra top-level config sections. */
  extraConfig?: Record<string, unknown>;
  handshakeTimeoutMs?: number;
  intervals?: GatewayOptions["intervals"];
  /** Default: an ephemeral port. */
  port?: number;
};

export type TestGateway = {
  readonly gw: RunningGateway;
  readonly port: number;
  readonly url: string;
  readonly httpUrl: string;
  readonly stateDir: string;
  readonly configPath: string;
  stop(reason?: string, restartExpectedMs?: number): Promise<void>;
};

const gateways = new Set<TestGateway>();

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), "ocgw-"));
  const configPath = join(stateDir, "openclaw.json");
  const text = JSON.stringify({ ...(opts.extraConfig ?? {}), gateway: { mode: "local", ...(opts.gateway ?? {}) } }, null, 2);
  writeFileSync(configPath, text);
  const config = snapshotFromText(configPath, text);
  if (!config.valid) throw new Error(`test config invalid: ${JSON.stringify(config.issues)}`);
  const gw = await startGateway({
    port: opts.port ?? 0,
    bindHost: "127.0.0.1",
    config,
    auth: opts.auth ?? { mode: "token", token: TEST_TOKEN },
    stateDir,
    ...(opts.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}),
    ...(opts.intervals ? { intervals: opts.intervals } : {}),
  });
  let stopped: Promise<void> | null = null;
  const tg: TestGateway = {
    gw,
    port: gw.port,
    url: `ws://127.0.0.1:${gw.port}`,
    httpUrl: `http://127.0.0.1:${gw.port}`,
    stateDir,
    configPath,
    stop(reason?: string, restartExpectedMs?: number) {
      stopped ??= (async () => {
        try {
          await gw.stop(reason, restartExpectedMs === undefined ? {} : { restartExpectedMs });
        } finally {
          gateways.delete(tg);
          rmSync(stateDir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
  gateways.add(tg);
  return tg;
}

// ---------------------------------------------------------------------------------------------
// WebSocket client that records frames
// ---------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = { type?: string; id?: string; ok?: boolean; event?: string; payload?: any; error?: any; seq?: number; stateVersion?: any; [key: string]: any };
export type CloseInfo = { code: number; reason: string };

const clients = new Set<{ terminate(): void }>();

export class TestClient {
  readonly ws: WebSocket;
  /** Every JSON frame received, in order. */
  readonly frames: Frame[] = [];
  /** Text that was not JSON (should stay empty). */
  readonly nonJson: string[] = [];
  readonly errors: Error[] = [];
  readonly pings: number[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null = null;
  upgradeStatus: number | null = null;
  private listeners = new Set<() => void>();
  private counter = 0;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    clients.add(this);
    this.ws.on("message", (data) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
      try {
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        this.nonJson.push(text);
      }
      this.notify();
    });
    this.ws.on("ping", () => this.pings.push(Date.now()));
    this.ws.on("error", (err) => {
      this.errors.push(err);
      this.notify();
    });
    this.opened = new Promise<void>((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
      this.ws.once("unexpected-response", (req, res) => {
        this.upgradeStatus = res.statusCode ?? null;
        res.resume();
        reject(new Error(`upgrade rejected with HTTP ${res.statusCode}`));
        this.ws.terminate(); // aborts the handshake and emits "close", so `closed` always settles
      });
    });
    this.opened.catch(() => {});
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString("utf8") };
        clients.delete(this);
        resolve(this.closeInfo);
        this.notify();
      });
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  nextId(): string {
    return `${++this.counter}:${randomUUID()}`;
  }

  /** Resolves with the first frame at index >= `from` that matches; rejects on timeout or close. */
  waitFor(pred: (f: Frame) => boolean, opts: { timeoutMs?: number; from?: number; label?: string } = {}): Promise<Frame> {
    const { timeoutMs = 5000, from = 0, label = "frame" } = opts;
    return new Promise<Frame>((resolve, reject) => {
      let index = from;
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = () => {
        for (; index < this.frames.length; index++) {
          const frame = this.frames[index];
          if (pred(frame)) {
            finish();
            resolve(frame);
            return;
          }
        }
        if (this.closeInfo) {
          finish();
          reject(new Error(`socket closed (${this.closeInfo.code} "${this.closeInfo.reason}") while waiting for ${label}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${label}; got ${JSON.stringify(this.frames.map(brief))}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  waitForEvent(event: string, opts: { timeoutMs?: number; from?: number } = {}): Promise<Frame> {
    return this.waitFor((f) => f.type === "event" && f.event === event, { ...opts, label: `event ${event}` });
  }

  waitForResponse(id: string, timeoutMs = 5000): Promise<Frame> {
    return this.waitFor((f) => f.type === "res" && f.id === id, { timeoutMs, label: `res ${id}` });
  }

  async waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs}ms; frames ${JSON.stringify(this.frames.map(brief))}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  sendBinary(data: Buffer): void {
    this.ws.send(data, { binary: true });
  }

  /** Sends a request frame and returns its id (does not wait). */
  sendRequest(method: string, params?: unknown, extra: Record<string, unknown> = {}): string {
    const id = this.nextId();
    this.send({ type: "req", id, method, ...(params !== undefined ? { params } : {}), ...extra });
    return id;
  }

  /** Sends a request and resolves with its `res` frame (ok or not). */
  request(method: string, params?: unknown, timeoutMs = 5000): Promise<Frame> {
    return this.waitForResponse(this.sendRequest(method, params), timeoutMs);
  }

  /** Sends a request and resolves with its payload; throws when the response is an error. */
  async call(method: string, params?: unknown): Promise<any> {
    const res = await this.request(method, params);
    if (!res.ok) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
    return res.payload;
  }

  events(name?: string): Frame[] {
    return this.frames.filter((f) => f.type === "event" && (name === undefined || f.event === name));
  }

  /** Closes politely and waits for the close (terminates when that takes too long). */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    } else {
      this.ws.close();
    }
    try {
      await this.waitForClose(2000);
    } catch {
      this.ws.terminate();
    }
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Stops reading from the socket, so pings stay unanswered and the server's send buffer grows. */
  pauseSocket(): void {
    (this.ws as unknown as { _socket: net.Socket })._socket.pause();
  }

  resumeSocket(): void {
    (this.ws as unknown as { _socket: net.Socket })._socket.resume();
  }
}

function brief(f: Frame): string {
  if (f.type === "res") return `res ${f.id} ${f.ok ? "ok" : `${f.error?.code} ${f.error?.message}`}`;
  if (f.type === "event") return `event ${f.event}${f.seq !== undefined ? ` #${f.seq}` : ""}`;
  return JSON.stringify(f).slice(0, 80);
}

// ---------------------------------------------------------------------------------------------
// Connect helpers
// ---------------------------------------------------------------------------------------------

export type ClientOverrides = Partial<{ id: string; version: string; platform: string; deviceFamily: string; mode: string; instanceId: string; displayName: string }>;
export type ConnectOverrides = { client?: ClientOverrides; [key: string]: unknown };

/** The connect params the official CLI sends, with overrides (an `undefined` value removes a field). */
export function connectParams(overrides: ConnectOverrides = {}): Record<string, unknown> {
  const { client, ...rest } = overrides;
  return {
    minProtocol: PROTOCOL,
    maxProtocol: PROTOCOL,
    client: { id: "cli", version: "2026.9.6", platform: "linux", deviceFamily: "Linux", mode: "cli", instanceId: randomUUID(), ...(client ?? {}) },
    caps: [],
    auth: { token: TEST_TOKEN },
    role: "operator",
    scopes: ["operator.read"],
    ...rest,
  };
}

/** Opens a socket and waits for the connect.challenge. */
export async function openClient(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const client = new TestClient(url, options);
  await client.opened;
  await client.waitForEvent("connect.challenge", { timeoutMs: 3000 });
  return client;
}

/** Sends a connect request with the given params and returns its response frame. */
export function sendConnect(client: TestClient, params: unknown, timeoutMs = 5000): Promise<Frame> {
  return client.request("connect", params, timeoutMs);
}

/** Opens, handshakes and returns the client with its hello-ok payload (throws on an error res). */
export async function connectClient(
  url: string,
  overrides: ConnectOverrides = {},
  options: WebSocket.ClientOptions = {},
): Promise<{ client: TestClient; hello: any; res: Frame }> {
  const client = await openClient(url, options);
  const res = await sendConnect(client, connectParams(overrides));
  if (!res.ok) throw new Error(`connect failed: ${JSON.stringify(res.error)}`);
  return { client, hello: res.payload, res };
}

export const ADMIN_SCOPES = ["operator.admin", "operator.read", "operator.write"];

// ---------------------------------------------------------------------------------------------
// Raw RFC 6455 client for malformed input
// ---------------------------------------------------------------------------------------------

export type RawFrame = { fin: boolean; opcode: number; payload: Buffer };

/** Encodes one client frame (masked unless told otherwise). */
export function encodeFrame(payload: Buffer | string, opts: { opcode?: number; fin?: boolean; mask?: boolean; rsv?: number; declaredLength?: number } = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const { opcode = 1, fin = true, mask = true, rsv = 0 } = opts;
  const length = opts.declaredLength ?? data.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.alloc(2);
    header[1] = length;
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  header[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f);
  if (!mask) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ key[i & 3];
  return Buffer.concat([header, key, masked]);
}

export class RawWsClient {
  readonly frames: RawFrame[] = [];
  statusLine = "";
  ended = false;
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private listeners = new Set<() => void>();
  readonly endedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    clients.add(this);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("error", () => {});
    this.endedPromise = new Promise<void>((resolve) => {
      socket.once("close", () => {
        this.ended = true;
        clients.delete(this);
        resolve();
        this.notify();
      });
    });
  }

  /** Connects and performs the HTTP upgrade; resolves once the 101 (or other status) line arrived. */
  static async connect(port: number, path = "/", headers: Record<string, string> = {}): Promise<RawWsClient> {
    const socket = net.connect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new RawWsClient(socket);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    );
    await client.until(() => client.statusLine !== "" || client.ended, 3000, "upgrade response");
    return client;
  }

  get status(): number {
    return Number(this.statusLine.split(" ")[1] ?? 0);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.statusLine = this.buffer.subarray(0, this.buffer.indexOf("\r\n")).toString("latin1");
      this.buffer = this.buffer.subarray(end + 4);
      this.upgraded = true;
    }
    for (;;) {
      if (this.buffer.length < 2) break;
      const b0 = this.buffer[0];
      const b1 = this.buffer[1];
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOffset = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) break;
      let payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      if (masked) {
        const key = this.buffer.subarray(maskOffset, maskOffset + 4);
        payload = Buffer.from(payload.map((byte, i) => byte ^ key[i & 3]));
      }
      this.frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
      this.buffer = this.buffer.subarray(offset + length);
    }
    this.notify();
  }

  async until(check: () => boolean, timeoutMs = 3000, label = "condition"): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const listener = () => {
        if (check()) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`raw client: timed out after ${timeoutMs}ms waiting for ${label}; frames ${JSON.stringify(this.describe())}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** JSON text frames received so far. */
  json(): Frame[] {
    return this.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString("utf8")) as Frame);
  }

  closeFrame(): CloseInfo | null {
    const frame = this.frames.find((f) => f.opcode === 8);
    if (!frame) return null;
    if (frame.payload.length < 2) return { code: 1005, reason: "" };
    return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString("utf8") };
  }

  describe(): string[] {
    return this.frames.map((f) => (f.opcode === 1 ? f.payload.toString("utf8").slice(0, 100) : `opcode ${f.opcode} (${f.payload.length} bytes)`));
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  sendText(text: string): void {
    this.write(encodeFrame(text));
  }

  sendJson(value: unknown): void {
    this.sendText(JSON.stringify(value));
  }

  async waitForJson(pred: (f: Frame) => boolean, timeoutMs = 3000, label = "json frame"): Promise<Frame> {
    await this.until(() => this.json().some(pred), timeoutMs, label);
    return this.json().find(pred)!;
  }

  async waitForCloseFrame(timeoutMs = 3000): Promise<CloseInfo> {
    await this.until(() => this.closeFrame() !== null, timeoutMs, "close frame");
    return this.closeFrame()!;
  }

  async waitForEnd(timeoutMs = 3000): Promise<void> {
    await this.until(() => this.ended, timeoutMs, "socket end");
  }

  terminate(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup and memory helpers
// ---------------------------------------------------------------------------------------------

/** Terminates every client still open. */
export function closeAllClients(): void {
  for (const client of [...clients]) client.terminate();
  clients.clear();
}

/** Terminates all clients and stops all gateways started through this harness. */
export async function cleanup(): Promise<void> {
  closeAllClients();
  await Promise.all([...gateways].map((g) => g.stop("test cleanup").catch(() => {})));
}

/** Registers the hooks of a test file: `closeAllClients` after each test, `cleanup` after the file. */
export function useGatewayCleanup(): void {
  afterEach(() => closeAllClients());
  after(cleanup);
}

/** `useGatewayCleanup()` plus one gateway that serves all tests of the file (stopped by `cleanup`). */
export async function startFileGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  useGatewayCleanup();
  return startTestGateway(opts);
}

let gcFn: (() => void) | null | undefined;
/** `global.gc` when exposed, otherwise enabled at runtime through V8 flags; null when impossible. */
export function getGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return (gcFn = g);
  try {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc") as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

/** Runs `fn` on `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

/** Simple GET/POST/HEAD helper for the HTTP probes. */
export async function http(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
