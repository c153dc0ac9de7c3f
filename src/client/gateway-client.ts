import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { GATEWAY_VERSION, PROTOCOL_VERSION } from "../protocol/constants.js";
import type { ErrorShape } from "../protocol/errors.js";
import { normalizeTlsFingerprint } from "../infra/tls/tls-fingerprint.js";
import { verifyingTlsConnector, type CreateConnection } from "./tls-connector.js";

export type ClientOptions = {
  url: string;
  token?: string;
  password?: string;
  scopes?: string[];
  clientId?: string;
  clientMode?: "cli" | "probe" | "backend" | "ui" | "webchat" | "test";
  displayName?: string;
  timeoutMs?: number;
  minProtocol?: number;
  maxProtocol?: number;
  /** SHA-256 of the gateway's certificate (any common notation); a wss URL is then verified by this pin instead of by CAs. */
  tlsFingerprint?: string;
};

export type HelloOk = {
  type: "hello-ok";
  protocol: number;
  server: { version: string; connId: string; bootId?: string };
  features: { methods: string[]; events: string[] };
  snapshot: Record<string, unknown>;
  auth: { role: string; scopes: string[]; method?: string };
  policy: { maxPayload: number; maxBufferedBytes: number; tickIntervalMs: number };
};

/** The gateway answered with a protocol error. */
export class GatewayRequestError extends Error {
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
}

/** The gateway could not be reached, or the socket dropped before an answer. */
export class GatewayUnreachableError extends Error {
  constructor(message: string, readonly reachedGateway = false) {
    super(message);
  }
}

export class GatewayTimeoutError extends Error {}

/** The gateway's TLS certificate was refused (pin mismatch, or untrusted without a pin), or a pin was given for a non-TLS URL. */
export class GatewayTlsError extends GatewayUnreachableError {}

function tlsOptionsFor(opts: ClientOptions, onRefused: (message: string) => void): { createConnection?: CreateConnection } {
  const secure = /^(wss|https):/i.test(opts.url);
  if (opts.tlsFingerprint === undefined) return secure ? { createConnection: verifyingTlsConnector(undefined, onRefused) } : {};
  const pin = normalizeTlsFingerprint(opts.tlsFingerprint);
  if (!pin) throw new GatewayTlsError(`Invalid TLS fingerprint "${opts.tlsFingerprint}": expected a SHA-256 fingerprint (64 hex digits; "sha256:" prefix and colons are fine).`);
  if (!secure) throw new GatewayTlsError(`A TLS fingerprint is pinned but ${opts.url} does not use TLS: use a wss:// URL, or drop the fingerprint.`);
  return { createConnection: verifyingTlsConnector(pin, onRefused) };
}

type Pending = { resolve(value: unknown): void; reject(err: Error): void; timer: NodeJS.Timeout; expectFinal: boolean };
type EventFrame = { type: "event"; event: string; payload?: unknown; seq?: number };

/** A WebSocket client of the gateway protocol, as the CLI and the tests use it. */
export class GatewayClient {
  private pending = new Map<string, Pending>();
  private counter = 0;
  private listeners = new Set<(event: EventFrame) => void>();
  private closeInfo: { code: number; reason: string } | null = null;
  private cleanups: Array<() => Promise<void> | void> = [];
  private cleaned: Promise<void> | null = null;

  private constructor(
    private ws: WebSocket,
    readonly hello: HelloOk,
    private defaultTimeoutMs: number,
  ) {
    ws.on("message", (data) => this.onFrame(String(data)));
    ws.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      void this.runCleanups();
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new GatewayUnreachableError(`gateway closed the connection (${code}${reason.length ? ` ${reason}` : ""})`, true));
        this.pending.delete(id);
      }
    });
  }

  static connect(opts: ClientOptions): Promise<GatewayClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      let reached = false;
      let tlsRefusal: string | null = null;
      let tls: ReturnType<typeof tlsOptionsFor>;
      try {
        tls = tlsOptionsFor(opts, (message) => (tlsRefusal = message));
      } catch (err) {
        reject(err);
        return;
      }
      const ws = new WebSocket(opts.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, ...tls });
      const finish = (err: Error | null, client?: GatewayClient) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.removeAllListeners("message");
          ws.terminate();
          reject(err);
        } else resolve(client!);
      };
      const timer = setTimeout(
        () => finish(new GatewayTimeoutError(reached ? `timed out after reaching the gateway (${timeoutMs}ms)` : `timed out before reaching the gateway (${timeoutMs}ms)`)),
        timeoutMs,
      );
      const connectId = `1:${randomUUID()}`;
      ws.on("error", (err) =>
        finish(tlsRefusal ? new GatewayTlsError(`refused the gateway at ${opts.url}: ${tlsRefusal}`) : new GatewayUnreachableError(`cannot reach gateway at ${opts.url}: ${err.message}`, reached)),
      );
      ws.on("close", (code, reason) => finish(new GatewayUnreachableError(`gateway closed the connection during the handshake (${code}${reason.length ? ` ${reason}` : ""})`, reached)));
      ws.on("open", () => (reached = true));
      ws.on("message", (data) => {
        let frame: { type?: string; event?: string; id?: string; ok?: boolean; payload?: unknown; error?: ErrorShape };
        try {
          frame = JSON.parse(String(data));
        } catch {
          return;
        }
        if (frame.type === "event" && frame.event === "connect.challenge") {
          const auth: Record<string, string> = {};
          if (opts.token) auth.token = opts.token;
          if (opts.password) auth.password = opts.password;
          ws.send(JSON.stringify({
            type: "req",
            id: connectId,
            method: "connect",
            params: {
              minProtocol: opts.minProtocol ?? PROTOCOL_VERSION,
              maxProtocol: opts.maxProtocol ?? PROTOCOL_VERSION,
              client: {
                id: opts.clientId ?? "cli",
                ...(opts.displayName ? { displayName: opts.displayName } : {}),
                version: GATEWAY_VERSION,
                platform: process.platform,
                mode: opts.clientMode ?? "cli",
                instanceId: randomUUID(),
              },
              caps: [],
              auth,
              role: "operator",
              scopes: opts.scopes ?? ["operator.read"],
            },
          }));
        } else if (frame.type === "res" && frame.id === connectId) {
          ws.removeAllListeners("message");
          ws.removeAllListeners("close");
          ws.removeAllListeners("error");
          ws.on("error", () => {});
          if (frame.ok) finish(null, new GatewayClient(ws, frame.payload as HelloOk, timeoutMs));
          else finish(new GatewayRequestError(frame.error ?? { code: "UNAVAILABLE", message: "connect failed" }));
        }
      });
    });
  }

  get closed(): { code: number; reason: string } | null {
    return this.closeInfo;
  }

  /**
   * One RPC. With `expectFinal`, an interim `{status:"accepted"}` answer (two-stage methods such
   * as `agent`) is skipped and the promise settles with the next answer to the same id.
   */
  request<T = unknown>(method: string, params: unknown = {}, timeoutMs = this.defaultTimeoutMs, opts: { expectFinal?: boolean } = {}): Promise<T> {
    if (this.closeInfo) return Promise.reject(new GatewayUnreachableError("gateway connection is closed", true));
    const id = `${++this.counter + 1}:${randomUUID()}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayTimeoutError(`${method} timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, expectFinal: opts.expectFinal === true });
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  onEvent(listener: (event: EventFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `cleanup` once the connection has ended (closed by either side); close() waits for it. */
  onClosed(cleanup: () => Promise<void> | void): void {
    if (this.cleaned) void Promise.resolve().then(cleanup).catch(() => {});
    else this.cleanups.push(cleanup);
  }

  private runCleanups(): Promise<void> {
    this.cleaned ??= Promise.all(this.cleanups.map((c) => Promise.resolve().then(c).catch(() => {}))).then(() => {});
    return this.cleaned;
  }

  async close(): Promise<void> {
    if (!this.closeInfo) {
      await new Promise<void>((resolve) => {
        this.ws.once("close", () => resolve());
        this.ws.close(1000);
        setTimeout(() => {
          this.ws.terminate();
          resolve();
        }, 1000).unref();
      });
    }
    await this.runCleanups();
  }

  private onFrame(text: string): void {
    let frame: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: ErrorShape; event?: string };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === "res" && frame.id) {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      if (pending.expectFinal && frame.ok && (frame.payload as { status?: unknown } | undefined)?.status === "accepted") return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.payload);
      else pending.reject(new GatewayRequestError(frame.error ?? { code: "UNAVAILABLE", message: "request failed" }));
    } else if (frame.type === "event") {
      for (const listener of this.listeners) listener(frame as EventFrame);
    }
  }
}
