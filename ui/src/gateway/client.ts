import { deviceIdentity } from "./device-identity";

export type Frame = { type: "res" | "event" | "req"; id?: string; ok?: boolean; payload?: any; error?: { code: string; message: string; details?: any; retryAfterMs?: number }; event?: string; seq?: number };

/** Where the connection stands, as the page shows it. */
export type ConnectionState =
  | { phase: "idle" }
  | { phase: "connecting"; attempt: number }
  | { phase: "connected"; hello: any }
  | { phase: "needs-token"; message: string }
  | { phase: "pairing-required"; requestId?: string; message: string }
  | { phase: "waiting"; retryInMs: number; reason: string };

export class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: any,
  ) {
    super(message);
  }
}

const CLIENT = { id: "openclaw-control-ui", version: "control-ui", platform: "web", mode: "webchat" } as const;
const SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"];
const MIN_BACKOFF_MS = 800;
const MAX_BACKOFF_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;

type Pending = { resolve(v: any): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout>; expectFinal: boolean };

/**
 * One WebSocket to the gateway, kept open: the challenge, a `connect` signed with the browser's
 * device key, requests with timeouts, events to listeners, and reconnects with backoff (800 ms
 * up to 15 s) until the token is refused or the device waits for pairing; then it stops and says so.
 */
export class GatewayClient {
  private ws: WebSocket | null = null;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(f: Frame) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private attempt = 0;
  /** Set when the gateway asked us to wait (too many failed attempts): the next retry honours it. */
  private retryAfterMs = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  state: ConnectionState = { phase: "idle" };

  constructor(
    readonly url: string,
    private token: string,
  ) {}

  onEvent(fn: (f: Frame) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  start(token = this.token): void {
    this.token = token;
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
  }

  /** Reconnects now instead of waiting out the backoff. */
  retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.open();
  }

  private open(): void {
    this.retryTimer = null;
    this.attempt += 1;
    this.setState({ phase: "connecting", attempt: this.attempt });
    const ws = new WebSocket(this.url);
    this.ws = ws;
    let closedByUs: ConnectionState | null = null;
    ws.onmessage = (msg) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(msg.data)) as Frame;
      } catch {
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge") {
        void this.sendConnect(String(frame.payload?.nonce ?? "")).then(
          (hello) => {
            this.attempt = 0;
            this.setState({ phase: "connected", hello });
          },
          (err: RpcError) => {
            closedByUs = this.failureState(err);
            ws.close();
          },
        );
        return;
      }
      if (frame.type === "res" && frame.id) {
        const p = this.pending.get(frame.id);
        if (!p) return;
        if (frame.ok && p.expectFinal && frame.payload?.status === "accepted") return;
        clearTimeout(p.timer);
        this.pending.delete(frame.id);
        if (frame.ok) p.resolve(frame.payload);
        else p.reject(new RpcError(frame.error?.code ?? "UNAVAILABLE", frame.error?.message ?? "request failed", { ...frame.error?.details, retryAfterMs: frame.error?.retryAfterMs }));
        return;
      }
      if (frame.type === "event") for (const fn of this.listeners) fn(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new RpcError("UNAVAILABLE", "connection closed"));
        this.pending.delete(id);
      }
      if (this.stopped) return;
      const final = closedByUs ?? this.closeState(ev.code, ev.reason);
      if (final) return this.setState(final);
      const delay = Math.max(this.retryAfterMs, Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, this.attempt - 1)));
      this.retryAfterMs = 0;
      this.setState({ phase: "waiting", retryInMs: delay, reason: ev.reason || (ev.code === 1012 ? "gateway restarting" : "connection lost") });
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
  }

  /** A refused connect that retrying cannot fix: a token is needed, or the owner must approve this device. */
  private failureState(err: RpcError): ConnectionState | null {
    const code = err.details?.code as string | undefined;
    if (code === "AUTH_RATE_LIMITED") {
      this.retryAfterMs = Number(err.details?.retryAfterMs) || MAX_BACKOFF_MS;
      return null;
    }
    if (code === "PAIRING_REQUIRED" || err.code === "NOT_PAIRED") {
      return { phase: "pairing-required", requestId: err.details?.requestId, message: err.message };
    }
    if (err.code === "INVALID_REQUEST" && /unauthorized|token|password/i.test(err.message)) return { phase: "needs-token", message: err.message };
    if (/^AUTH_/.test(code ?? "")) return { phase: "needs-token", message: err.message };
    return null;
  }

  private closeState(code: number, reason: string): ConnectionState | null {
    if (code === 1008 && /unauthorized|token/i.test(reason)) return { phase: "needs-token", message: reason };
    if (code === 1008 && /pairing required/i.test(reason)) return { phase: "pairing-required", message: reason, requestId: /requestId: ([\w-]+)/.exec(reason)?.[1] };
    return null;
  }

  private async sendConnect(nonce: string): Promise<any> {
    const device = await deviceIdentity();
    const role = "operator";
    const params: Record<string, unknown> = {
      minProtocol: 4,
      maxProtocol: 4,
      client: CLIENT,
      role,
      scopes: SCOPES,
      caps: ["tool-events"],
      // The same secret goes as token and password: the gateway checks the one its auth mode uses.
      auth: this.token ? { token: this.token, password: this.token } : {},
      userAgent: navigator.userAgent,
      locale: navigator.language,
    };
    if (device) {
      const signedAt = Date.now();
      const payload = ["v2", device.deviceId, CLIENT.id, CLIENT.mode, role, SCOPES.join(","), String(signedAt), this.token, nonce].join("|");
      params.device = { id: device.deviceId, publicKey: device.publicKey, signature: await device.sign(payload), signedAt, nonce };
    }
    return this.send("connect", params, REQUEST_TIMEOUT_MS, false);
  }

  request<T = any>(method: string, params: unknown = {}, opts: { timeoutMs?: number; expectFinal?: boolean } = {}): Promise<T> {
    if (this.state.phase !== "connected") return Promise.reject(new RpcError("UNAVAILABLE", "not connected to the gateway"));
    return this.send(method, params, opts.timeoutMs ?? REQUEST_TIMEOUT_MS, opts.expectFinal ?? false);
  }

  private send(method: string, params: unknown, timeoutMs: number, expectFinal: boolean): Promise<any> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new RpcError("UNAVAILABLE", "not connected to the gateway"));
    const id = `ui-${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError("TIMEOUT", `${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, expectFinal });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }
}
