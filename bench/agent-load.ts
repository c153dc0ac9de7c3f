/**
 * Load generator for the agent section (bench/agents.ts), run as its own process:
 *   node dist/bench/agent-load.js '<json AgentLoadConfig>'
 * Prints exactly one line of JSON on stdout and exits 0, or prints the error on stderr and exits 1.
 *
 * Modes:
 * - "turn": one chat.send over the WebSocket, waits for its final (warms the provider client and
 *   the database before the idle RSS reading).
 * - "completions": sequential POST /v1/chat/completions, one request at a time, interleaving
 *   direct (the provider stand-in) and gateway, plain and `stream: true`, so drift and warm-up hit
 *   all four series alike; streams are also timed to the first SSE chunk that carries content.
 * - "turns": `connections` sockets share `sessions` sessions; each session keeps one turn in
 *   flight (its next chat.send goes out when the previous turn's chat final arrives). Finals are
 *   counted in the window [warmupMs, warmupMs + durationMs].
 * - "capacity": `concurrency` loops of streaming completions straight to the stand-in, counted in
 *   the same kind of window (the provider's own ceiling, for context).
 * - "history": chat.history {limit} repeated `calls` times, then a walk through the whole
 *   session with offset paging.
 * - "toolround": sequential POST /v1/chat/completions interleaving a plain turn, a turn with one
 *   tool round (the model asks for the no-op `agents_list`, the gateway runs it, the model
 *   answers) and a plain request straight to the stand-in: the round's cost over the provider's
 *   own time is toolround − plain − direct.
 * CPU of the processes in `pids` (utime+stime from /proc) is sampled at the window edges.
 */
import { Agent } from "node:http";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { closeAndWait, connectFrame, percentileSorted, procCpuTicks, sleep, timedPost, type HttpAnswer } from "./common.js";

export type AgentLoadConfig = {
  mode: "turn" | "completions" | "turns" | "capacity" | "history" | "toolround";
  /** ws://127.0.0.1:<gateway port>/ */
  wsUrl?: string;
  token?: string;
  /** http://127.0.0.1:<port>/v1/chat/completions of the gateway and of the stand-in */
  gatewayUrl?: string;
  directUrl?: string;
  clockTicks?: number;
  pids?: Record<string, number>;
  /** completions */
  warmup?: number;
  requests?: number;
  /** turns / capacity */
  connections?: number;
  sessions?: number;
  concurrency?: number;
  warmupMs?: number;
  durationMs?: number;
  /** history */
  sessionKey?: string;
  calls?: number;
  limit?: number;
  /** Hard stop for the whole run, ms. */
  deadlineMs?: number;
};

export type Stats = { n: number; p50: number; p90: number; p99: number; mean: number; min: number; max: number };

export type CpuReport = Record<string, { cpuMs: number; util: number; usPerOp: number | null } | null>;

export type CompletionsResult = {
  mode: "completions";
  requests: number;
  plain: { direct: Stats; gateway: Stats };
  stream: { direct: { firstContent: Stats; total: Stats }; gateway: { firstContent: Stats; total: Stats } };
  /** CPU the gateway spent per gateway request (the direct requests leave it idle). */
  gatewayCpuUsPerRequest: number | null;
  errors: number;
  firstError: string | null;
};

export type TurnsResult = {
  mode: "turns";
  windowMs: number;
  turns: number;
  turnsPerSec: number;
  latencyMs: Stats;
  errors: number;
  firstError: string | null;
  /** Frames one connection received per turn completed anywhere (event fan-out). */
  framesPerTurnPerConnection: number;
  bytesPerTurnPerConnection: number;
  cpu: CpuReport;
  loadCpuUtil: number;
  totalTurns: number;
};

export type CapacityResult = {
  mode: "capacity";
  windowMs: number;
  requests: number;
  requestsPerSec: number;
  latencyMs: Stats;
  errors: number;
  firstError: string | null;
  cpu: CpuReport;
  loadCpuUtil: number;
};

export type HistoryResult = {
  mode: "history";
  calls: Stats;
  pageMessages: number;
  pageBytes: number;
  totalMessages: number | null;
  walk: { pages: number; messages: number; totalMs: number; page: Stats };
  errors: number;
  firstError: string | null;
};

export type TurnResult = { mode: "turn"; ms: number; text: string };

export type ToolRoundResult = {
  mode: "toolround";
  requests: number;
  plain: Stats;
  toolRound: Stats;
  direct: Stats;
  /** toolRound.p50 − plain.p50 − direct.p50: what one round adds beyond the second model call's own time. */
  addedP50Ms: number;
  errors: number;
  firstError: string | null;
};

export type AgentLoadResult = TurnResult | CompletionsResult | TurnsResult | CapacityResult | HistoryResult | ToolRoundResult;

type Frame = { type?: string; id?: string; event?: string; ok?: boolean; payload?: Record<string, unknown>; error?: { message?: string } };

const round = (x: number, digits = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : NaN);

export function stats(samples: number[]): Stats {
  const sorted = Float64Array.from(samples).sort();
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: round(percentileSorted(sorted, 50)),
    p90: round(percentileSorted(sorted, 90)),
    p99: round(percentileSorted(sorted, 99)),
    mean: round(sorted.length ? sum / sorted.length : NaN),
    min: round(sorted.length ? sorted[0] : NaN),
    max: round(sorted.length ? sorted[sorted.length - 1] : NaN),
  };
}

class CpuWindow {
  private ticks0: Record<string, number | null> = {};
  private self0 = process.cpuUsage();
  private t0 = 0;
  private report: CpuReport = {};
  loadCpuUtil = 0;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly clockTicks: number,
  ) {}

  open(): void {
    for (const [name, pid] of Object.entries(this.pids)) this.ticks0[name] = procCpuTicks(pid);
    this.self0 = process.cpuUsage();
    this.t0 = performance.now();
  }

  close(ops: number): { windowMs: number; cpu: CpuReport } {
    const windowMs = performance.now() - this.t0;
    const self = process.cpuUsage(this.self0);
    this.loadCpuUtil = round((self.user + self.system) / 1000 / windowMs);
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = this.ticks0[name];
      const b = procCpuTicks(pid);
      if (a === null || a === undefined || b === null) {
        this.report[name] = null;
        continue;
      }
      const cpuMs = ((b - a) * 1000) / this.clockTicks;
      this.report[name] = { cpuMs: round(cpuMs, 1), util: round(cpuMs / windowMs), usPerOp: ops > 0 ? round((cpuMs * 1000) / ops, 1) : null };
    }
    return { windowMs, cpu: this.report };
  }
}

// ---- HTTP -------------------------------------------------------------------------------------

function completionBody(model: string, text: string, stream: boolean): string {
  return JSON.stringify({ model, messages: [{ role: "user", content: text }], ...(stream ? { stream: true } : {}) });
}

async function runCompletions(cfg: AgentLoadConfig): Promise<CompletionsResult> {
  const warmup = cfg.warmup ?? 50;
  const requests = cfg.requests ?? 300;
  const targets = {
    direct: { url: new URL(cfg.directUrl!), agent: new Agent({ keepAlive: true, maxSockets: 1 }), headers: {} as Record<string, string>, model: "echo" },
    gateway: { url: new URL(cfg.gatewayUrl!), agent: new Agent({ keepAlive: true, maxSockets: 1 }), headers: { authorization: `Bearer ${cfg.token}` }, model: "openclaw" },
  };
  const plain = { direct: [] as number[], gateway: [] as number[] };
  const first = { direct: [] as number[], gateway: [] as number[] };
  const total = { direct: [] as number[], gateway: [] as number[] };
  let errors = 0;
  let firstError: string | null = null;
  let gatewayTicks0: number | null = null;
  const fail = (what: string) => {
    errors++;
    firstError ??= what.slice(0, 300);
    if (errors > 20) throw new Error(`too many failed completions; first: ${firstError}`);
  };

  // Plain and streamed, direct and through the gateway, interleaved request by request with the
  // starting point rotated, so warm-up and drift spread evenly over all four series.
  const series = [
    { side: "direct", stream: false },
    { side: "gateway", stream: false },
    { side: "direct", stream: true },
    { side: "gateway", stream: true },
  ] as const;
  for (let i = 0; i < warmup + requests; i++) {
    // The gateway is idle while the stand-in answers directly, so its CPU over the measured part is all gateway requests.
    if (i === warmup && cfg.pids?.gateway) gatewayTicks0 = procCpuTicks(cfg.pids.gateway);
    for (let j = 0; j < series.length; j++) {
      const { side, stream } = series[(i + j) % series.length];
      const t = targets[side];
      let answer: HttpAnswer;
      try {
        answer = await timedPost(t.url, t.agent, t.headers, completionBody(t.model, `ping ${i}`, stream), stream);
      } catch (err) {
        fail(`${side}: ${(err as Error).message}`);
        continue;
      }
      const ok = answer.status === 200 && (stream ? answer.firstContentMs !== null && answer.body.includes("[DONE]") : answer.body.includes('"choices"'));
      if (!ok) {
        fail(`${side} ${stream ? "stream" : "plain"}: HTTP ${answer.status} ${answer.body}`);
        continue;
      }
      if (i < warmup) continue;
      if (stream) {
        first[side].push(answer.firstContentMs!);
        total[side].push(answer.totalMs);
      } else plain[side].push(answer.totalMs);
    }
  }
  const gatewayTicks1 = cfg.pids?.gateway ? procCpuTicks(cfg.pids.gateway) : null;
  for (const t of Object.values(targets)) t.agent.destroy();
  const gatewayRequests = plain.gateway.length + total.gateway.length;
  const gatewayTicks = gatewayTicks0 !== null && gatewayTicks1 !== null ? gatewayTicks1 - gatewayTicks0 : null;
  return {
    mode: "completions",
    requests,
    plain: { direct: stats(plain.direct), gateway: stats(plain.gateway) },
    stream: {
      direct: { firstContent: stats(first.direct), total: stats(total.direct) },
      gateway: { firstContent: stats(first.gateway), total: stats(total.gateway) },
    },
    gatewayCpuUsPerRequest: gatewayTicks !== null && gatewayRequests > 0 ? round((gatewayTicks * 1e6) / (cfg.clockTicks ?? 100) / gatewayRequests, 1) : null,
    errors,
    firstError,
  };
}

const NOOP_TOOL_SCRIPT = `MARK:script ${JSON.stringify([{ name: "agents_list", args: {} }])}`;

async function runToolRound(cfg: AgentLoadConfig): Promise<ToolRoundResult> {
  const warmup = cfg.warmup ?? 50;
  const requests = cfg.requests ?? 300;
  const direct = { url: new URL(cfg.directUrl!), agent: new Agent({ keepAlive: true, maxSockets: 1 }), headers: {} as Record<string, string>, model: "echo" };
  const gateway = { url: new URL(cfg.gatewayUrl!), agent: new Agent({ keepAlive: true, maxSockets: 1 }), headers: { authorization: `Bearer ${cfg.token}` }, model: "openclaw" };
  const samples = { plain: [] as number[], toolRound: [] as number[], direct: [] as number[] };
  let errors = 0;
  let firstError: string | null = null;
  const series = [
    { name: "plain", target: gateway, text: (i: number) => `ping ${i}`, expect: "echo: " },
    { name: "toolRound", target: gateway, text: (i: number) => `tool ${i} ${NOOP_TOOL_SCRIPT}`, expect: "script done: " },
    { name: "direct", target: direct, text: (i: number) => `ping ${i}`, expect: "echo: " },
  ] as const;
  for (let i = 0; i < warmup + requests; i++) {
    for (let j = 0; j < series.length; j++) {
      const s = series[(i + j) % series.length];
      let answer: HttpAnswer;
      try {
        answer = await timedPost(s.target.url, s.target.agent, s.target.headers, completionBody(s.target.model, s.text(i), false), false);
      } catch (err) {
        answer = { status: 0, firstContentMs: null, totalMs: 0, body: (err as Error).message };
      }
      if (answer.status !== 200 || !answer.body.includes(s.expect)) {
        errors++;
        firstError ??= `${s.name}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`;
        if (errors > 20) throw new Error(`too many failed requests; first: ${firstError}`);
        continue;
      }
      if (i >= warmup) samples[s.name].push(answer.totalMs);
    }
  }
  direct.agent.destroy();
  gateway.agent.destroy();
  const plain = stats(samples.plain);
  const toolRound = stats(samples.toolRound);
  const directStats = stats(samples.direct);
  return { mode: "toolround", requests, plain, toolRound, direct: directStats, addedP50Ms: round(toolRound.p50 - plain.p50 - directStats.p50), errors, firstError };
}

async function runCapacity(cfg: AgentLoadConfig): Promise<CapacityResult> {
  const concurrency = cfg.concurrency ?? 50;
  const url = new URL(cfg.directUrl!);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const cpu = new CpuWindow(cfg.pids ?? {}, cfg.clockTicks ?? 100);
  const latencies: number[] = [];
  let active = false;
  let stopping = false;
  let count = 0;
  let errors = 0;
  let firstError: string | null = null;
  let seq = 0;
  const loop = async () => {
    while (!stopping) {
      const n = ++seq;
      try {
        const answer = await timedPost(url, agent, {}, completionBody("echo", `ping ${n}`, true), true);
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
        if (active) {
          count++;
          latencies.push(answer.totalMs);
        }
      } catch (err) {
        if (active) errors++;
        firstError ??= (err as Error).message;
        if (errors > 50) throw new Error(`too many failed requests; first: ${firstError}`);
        await sleep(5);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await sleep(cfg.warmupMs ?? 500);
  cpu.open();
  active = true;
  await sleep(cfg.durationMs ?? 3000);
  active = false;
  const { windowMs, cpu: report } = cpu.close(count);
  stopping = true;
  await Promise.all(loops);
  agent.destroy();
  return {
    mode: "capacity",
    windowMs: round(windowMs, 1),
    requests: count,
    requestsPerSec: round((count * 1000) / windowMs, 1),
    latencyMs: stats(latencies),
    errors,
    firstError,
    cpu: report,
    loadCpuUtil: cpu.loadCpuUtil,
  };
}

// ---- WebSocket --------------------------------------------------------------------------------

const OPERATOR_SCOPES = ["operator.read", "operator.write", "operator.admin"];


/** Opens a socket and completes the handshake with operator read/write/admin scopes. */
function connect(url: string, token: string, id: string, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("handshake timeout"));
    }, timeoutMs);
    const done = (err: Error | null) => {
      clearTimeout(timer);
      ws.removeAllListeners("message");
      ws.removeAllListeners("error");
      ws.removeAllListeners("close");
      if (err) {
        ws.terminate();
        reject(err);
      } else resolve(ws);
    };
    ws.on("error", (err) => done(err));
    ws.on("close", (code) => done(new Error(`closed during handshake (${code})`)));
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.type === "event" && frame.event === "connect.challenge") ws.send(connectFrame(id, token, OPERATOR_SCOPES));
      else if (frame.type === "res" && frame.id === id) {
        if (frame.ok) done(null);
        else done(new Error(`connect rejected: ${JSON.stringify(frame.error)}`));
      }
    });
  });
}

/** Request/response over one socket; events go to `onEvent` (raw text, so callers can skip parsing). */
class Rpc {
  private pending = new Map<string, (frame: Frame) => void>();
  private next = 1;
  frames = 0;
  bytes = 0;
  closedUnexpectedly: Error | null = null;
  private closing = false;

  constructor(
    readonly ws: WebSocket,
    private readonly onEvent: (text: string) => void = () => {},
  ) {
    ws.on("message", (data: Buffer) => {
      this.frames++;
      this.bytes += data.length;
      const text = data.toString();
      if (text.startsWith('{"type":"event"')) return this.onEvent(text);
      const frame = JSON.parse(text) as Frame;
      if (frame.type !== "res" || frame.id === undefined) return;
      const waiter = this.pending.get(frame.id);
      if (!waiter) return;
      this.pending.delete(frame.id);
      waiter(frame);
    });
    ws.on("close", (code) => {
      if (!this.closing) this.closedUnexpectedly = new Error(`socket closed during load (${code})`);
      for (const waiter of this.pending.values()) waiter({ type: "res", ok: false, error: { message: "socket closed" } });
      this.pending.clear();
    });
    ws.on("error", (err) => {
      if (!this.closing) this.closedUnexpectedly = err;
    });
  }

  call(method: string, params: unknown, onAnswer: (frame: Frame) => void): void {
    const id = String(++this.next);
    this.pending.set(id, onAnswer);
    this.ws.send(JSON.stringify({ type: "req", id, method, params }));
  }

  request(method: string, params: unknown, timeoutMs = 10_000): Promise<Frame> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ type: "res", ok: false, error: { message: `${method} timed out after ${timeoutMs} ms` } }), timeoutMs);
      this.call(method, params, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    return closeAndWait(this.ws, 2000);
  }
}

const CHAT_EVENT_PREFIX = '{"type":"event","event":"chat"';

type ChatEnd = { runId: string; state: string; text: string; error?: string };

/** Parses a raw event frame when it is a chat event that ends a turn (final, error, aborted). */
function chatEnd(text: string): ChatEnd | null {
  if (!text.startsWith(CHAT_EVENT_PREFIX)) return null;
  const payload = (JSON.parse(text) as Frame).payload ?? {};
  const state = payload.state;
  if (state !== "final" && state !== "error" && state !== "aborted") return null;
  const message = payload.message as { content?: Array<{ text?: string }> } | undefined;
  return { runId: String(payload.runId), state, text: message?.content?.[0]?.text ?? "", ...(payload.errorMessage ? { error: String(payload.errorMessage) } : {}) };
}

async function runOneTurn(cfg: AgentLoadConfig): Promise<TurnResult> {
  const ws = await connect(cfg.wsUrl!, cfg.token!, "1:turn");
  const t0 = performance.now();
  const runId = `bench-warm-${Date.now()}`;
  let resolveEnd!: (end: ChatEnd) => void;
  const ended = new Promise<ChatEnd>((resolve) => (resolveEnd = resolve));
  const rpc = new Rpc(ws, (text) => {
    const end = chatEnd(text);
    if (end && end.runId === runId) resolveEnd(end);
  });
  const ack = await rpc.request("chat.send", { sessionKey: "bench-warm", message: "hello", idempotencyKey: runId });
  if (!ack.ok) throw new Error(`chat.send failed: ${JSON.stringify(ack.error)}`);
  const end = await Promise.race([ended, sleep(10_000).then(() => null)]);
  if (!end) throw new Error("no chat final within 10 s");
  if (end.state !== "final") throw new Error(`turn ended ${end.state}: ${end.error ?? ""}`);
  const ms = performance.now() - t0;
  await rpc.close();
  return { mode: "turn", ms: round(ms), text: end.text };
}

async function runTurns(cfg: AgentLoadConfig): Promise<TurnsResult> {
  const connections = cfg.connections ?? 5;
  const sessions = cfg.sessions ?? 50;
  const cpu = new CpuWindow(cfg.pids ?? {}, cfg.clockTicks ?? 100);
  const sockets = await Promise.all(Array.from({ length: connections }, (_, i) => connect(cfg.wsUrl!, cfg.token!, `1:turns-${i}`)));
  const tag = Date.now().toString(36);
  const latencies: number[] = [];
  let active = false;
  let stopping = false;
  let turns = 0;
  let totalTurns = 0;
  let errors = 0;
  let firstError: string | null = null;
  let outstanding = 0;
  let drained: (() => void) | null = null;

  type SessionState = { key: string; n: number; runId: string; sentAt: number };
  const rpcs = sockets.map((ws) => {
    // Every connection sees every session's chat events; each only acts on its own runs.
    const mine = new Map<string, SessionState>();
    const rpc: Rpc = new Rpc(ws, (text) => {
      const end = chatEnd(text);
      if (!end) return;
      const session = mine.get(end.runId);
      if (!session) return;
      mine.delete(end.runId);
      outstanding--;
      totalTurns++;
      if (end.state === "final") {
        if (active) {
          turns++;
          latencies.push(performance.now() - session.sentAt);
        }
      } else failed(`turn ended ${end.state}: ${end.error ?? ""}`);
      send(session);
    });
    const send = (session: SessionState) => {
      if (stopping) {
        if (outstanding === 0) drained?.();
        return;
      }
      session.n++;
      session.runId = `t-${tag}-${session.key}-${session.n}`;
      session.sentAt = performance.now();
      mine.set(session.runId, session);
      outstanding++;
      const runId = session.runId;
      rpc.call("chat.send", { sessionKey: session.key, message: `ping ${session.n}`, idempotencyKey: runId }, (frame) => {
        if (frame.ok) return;
        // Refused: the turn never started, so no chat event will end it.
        if (mine.delete(runId)) outstanding--;
        failed(`chat.send: ${JSON.stringify(frame.error)}`);
        setTimeout(() => send(session), 5);
      });
    };
    return { rpc, mine, send };
  });
  const failed = (what: string) => {
    if (active) errors++;
    firstError ??= what.slice(0, 300);
    if (errors > 100) stopping = true;
  };

  for (let s = 0; s < sessions; s++) {
    const owner = rpcs[s % connections];
    owner.send({ key: `bench-turns-${tag}-${s}`, n: 0, runId: "", sentAt: 0 });
  }
  await sleep(cfg.warmupMs ?? 1000);
  const frames0 = rpcs.map((r) => r.rpc.frames);
  const bytes0 = rpcs.map((r) => r.rpc.bytes);
  const totalAtOpen = totalTurns;
  cpu.open();
  active = true;
  await sleep(cfg.durationMs ?? 5000);
  active = false;
  const { windowMs, cpu: report } = cpu.close(turns);
  const endedInWindow = totalTurns - totalAtOpen;
  const frames = rpcs.reduce((n, r, i) => n + r.rpc.frames - frames0[i], 0) / connections;
  const bytes = rpcs.reduce((n, r, i) => n + r.rpc.bytes - bytes0[i], 0) / connections;
  stopping = true;
  const broken = rpcs.find((r) => r.rpc.closedUnexpectedly)?.rpc.closedUnexpectedly;
  if (broken) throw broken;
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, 5000);
    });
  }
  await Promise.all(rpcs.map((r) => r.rpc.close()));
  return {
    mode: "turns",
    windowMs: round(windowMs, 1),
    turns,
    turnsPerSec: round((turns * 1000) / windowMs, 1),
    latencyMs: stats(latencies),
    errors,
    firstError,
    framesPerTurnPerConnection: endedInWindow > 0 ? round(frames / endedInWindow, 2) : NaN,
    bytesPerTurnPerConnection: endedInWindow > 0 ? Math.round(bytes / endedInWindow) : NaN,
    cpu: report,
    loadCpuUtil: cpu.loadCpuUtil,
    totalTurns,
  };
}

async function runHistory(cfg: AgentLoadConfig): Promise<HistoryResult> {
  const calls = cfg.calls ?? 50;
  const limit = cfg.limit ?? 200;
  const sessionKey = cfg.sessionKey!;
  const rpc = new Rpc(await connect(cfg.wsUrl!, cfg.token!, "1:history"));
  let errors = 0;
  let firstError: string | null = null;
  let pageMessages = 0;
  let pageBytes = 0;
  let totalMessages: number | null = null;

  const page = async (params: Record<string, unknown>) => {
    const bytes0 = rpc.bytes;
    const t0 = performance.now();
    const frame = await rpc.request("chat.history", { sessionKey, limit, ...params });
    const ms = performance.now() - t0;
    if (!frame.ok) {
      errors++;
      firstError ??= JSON.stringify(frame.error).slice(0, 300);
      if (errors > 10) throw new Error(`chat.history keeps failing: ${firstError}`);
      return null;
    }
    const payload = frame.payload as { messages?: unknown[]; hasMore?: boolean; nextOffset?: number; totalMessages?: number };
    return { ms, bytes: rpc.bytes - bytes0, messages: payload.messages?.length ?? 0, hasMore: payload.hasMore === true, nextOffset: payload.nextOffset, totalMessages: payload.totalMessages };
  };

  for (let i = 0; i < 5; i++) await page({});
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const p = await page({});
    if (!p) continue;
    times.push(p.ms);
    pageMessages = p.messages;
    pageBytes = p.bytes;
    totalMessages = p.totalMessages ?? null;
  }

  const walkTimes: number[] = [];
  let offset = 0;
  let messages = 0;
  const w0 = performance.now();
  for (let pages = 0; pages < 10_000; pages++) {
    const p = await page({ offset });
    if (!p) break;
    walkTimes.push(p.ms);
    messages += p.messages;
    if (!p.hasMore || p.messages === 0) break;
    offset = p.nextOffset ?? offset + p.messages;
  }
  const totalMs = performance.now() - w0;
  await rpc.close();
  return {
    mode: "history",
    calls: stats(times),
    pageMessages,
    pageBytes,
    totalMessages,
    walk: { pages: walkTimes.length, messages, totalMs: round(totalMs, 1), page: stats(walkTimes) },
    errors,
    firstError,
  };
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: agent-load.js '<json config>'");
  const cfg = JSON.parse(raw) as AgentLoadConfig;
  for (const url of [cfg.wsUrl, cfg.gatewayUrl, cfg.directUrl]) {
    if (url !== undefined && !/^(ws|http):\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`refusing non-loopback url ${url}`);
  }
  const hardMs = cfg.deadlineMs ?? 30_000;
  setTimeout(() => {
    process.stderr.write(`agent load generator (${cfg.mode}) hard timeout after ${hardMs} ms\n`);
    process.exit(1);
  }, hardMs).unref();
  const run = { turn: runOneTurn, completions: runCompletions, turns: runTurns, capacity: runCapacity, history: runHistory, toolround: runToolRound }[cfg.mode];
  if (!run) throw new Error(`unknown mode ${String(cfg.mode)}`);
  const result: AgentLoadResult = await run(cfg);
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`agent load generator failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
