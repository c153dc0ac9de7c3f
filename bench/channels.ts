/**
 * The channel section of `npm run bench`: chat channels end to end, against stand-ins on loopback.
 *
 *  1. Telegram DM -> reply latency: a gateway with the provider stand-in (zero latency, its own
 *     process) and `channels.telegram` pointed at the Telegram Bot API stand-in, which runs in
 *     this process so one clock times both ends: from `injectMessage` (the stand-in answers the
 *     parked long poll at once) to the bot's sendMessage arriving at the stand-in. Sequential, one
 *     user, after a warm-up; interleaved with plain completions requests to the provider stand-in
 *     directly (the baseline) and through the gateway's /v1/chat/completions (context). Also timed:
 *     inject -> the gateway's next getUpdates (the batch fetched and committed) and inject ->
 *     sendChatAction (the run about to start), and the gateway's CPU between inject and reply.
 *  2. Messages/s through one bot: N DMs from U users injected at once, until all N replies were
 *     sent; next to the same N messages sent as /v1/chat/completions requests (U concurrent
 *     clients, one `user` = one session each, like one chat each); two rounds in alternating
 *     order, each side's best; then the provider stand-in called directly in the same pattern.
 *     The gateway runs with `session.dmScope: "per-channel-peer"` (one session per DM peer, as
 *     on the HTTP side). With the default, "main", every DM shares one session: the burst runs
 *     one turn at a time, overflows that session's queue cap (20) and most messages wait out the
 *     inbound processor's 2 s submit retries (about 16 msgs/s when this was written).
 *  3. Idle RSS with telegram (stand-in), irc (a real ngircd, via dist/bench/irc-daemon.js; left out
 *     with a note when ngircd is missing or BENCH_SKIP_IRC=1) and whatsapp (no stored login: the honest idle state
 *     without a phone; the account ends "not linked" before a socket is opened) configured, after
 *     every account settled and ~3 s idle; next to the bare baseline server and the gateway without
 *     channels, started and idled alongside it. The cost of loading Baileys (which a linked account
 *     would add) is measured in a bare node process for context.
 *
 * Observation hooks: the stand-in records every API call by pushing onto its `calls` array before
 * answering it; the bench wraps that array's `push` to get a high-resolution arrival time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import WebSocket from "ws";
import {
  BENCH_TOKEN,
  HOST,
  captureGatewayPayloads,
  closeAndWait,
  connectFrame,
  freePort,
  percentileSorted,
  procCpuTicks,
  procRssKiB,
  runSectionStandalone,
  sleep,
  spawnNode,
  stopProcess,
  timedPost,
  waitHealthy,
  type Managed,
  type SectionPaths,
} from "./common.js";
import { startTelegramBotApi, type RecordedCall, type TelegramBotApi } from "../test/stand-ins/telegram-bot-api.js";

export const CHANNEL_GOALS = { idleRssMB: 90 } as const;

export const CHANNEL_PLAN = {
  latency: { warmup: 10, messages: 50, gapMs: 20 },
  /** Two rounds in alternating order (channel, HTTP / HTTP, channel); each side's best round counts. */
  throughput: { messages: 300, users: 30, rounds: 2 },
  idleMs: 3000,
  settleTimeoutMs: 15_000,
} as const;

export type Stats = { n: number; p50: number; p95: number; p99: number; mean: number; min: number; max: number };

export type LatencyResult = {
  messages: number;
  /** injectMessage -> sendMessage arriving at the stand-in. */
  channel: Stats;
  /** One plain POST /v1/chat/completions straight to the provider stand-in. */
  direct: Stats;
  /** injectMessage -> the gateway's next getUpdates (the update was fetched and committed). */
  repoll: Stats;
  /** injectMessage -> sendChatAction (typing: the message was accepted and the run is starting). */
  typing: Stats;
  /** sendChatAction -> sendMessage (run, provider round trip, reply queued and sent). */
  typingToSend: Stats;
  /** The same turn as POST /v1/chat/completions to the gateway (one session), for context. */
  http: Stats;
  /** Gateway CPU between an injection and its reply, mean per message, and as a share of the latency. */
  gatewayCpuMsPerMessage: number;
  gatewayCpuShare: number;
  /** Gateway CPU per HTTP turn in the same run, measured the same way. */
  gatewayCpuMsPerHttpTurn: number;
};

export type Burst = {
  messages: number;
  replies: number;
  seconds: number;
  msgsPerSec: number;
  latency: Stats;
  gatewayCpuUsPerMessage: number | null;
  /** CPU used over the burst, in cores: the gateway, the provider stand-in and this process (the Telegram stand-in, or the HTTP clients). */
  cores: Record<string, number | null>;
  errors: number;
  firstError: string | null;
};

export type ThroughputResult = { users: number; channel: Burst; http: Burst; direct: Burst; perRound: { channelMsgsPerSec: number[]; httpMsgsPerSec: number[] } };

export type AccountState = { lifecycle: string | null; connected: boolean | null; lastError: string | null };

export type IdleResult = {
  channelsKiB: number | null;
  noChannelsKiB: number | null;
  baselineKiB: number | null;
  irc: { included: boolean; note: string | null };
  settledMs: number;
  states: Record<string, AccountState>;
  /** VmRSS a bare node process gains by importing baileys (not loaded while WhatsApp is unlinked). */
  baileysImportKiB: number | null;
  bareNodeKiB: number | null;
};

export type ChannelSection = {
  ok: true;
  seconds: number;
  latency: LatencyResult;
  throughput: ThroughputResult;
  idle: IdleResult;
  rssAfterLoadKiB: number | null;
  /** Wall time of each part, seconds. */
  parts: Record<string, number>;
  errors: number;
};

export type ChannelSectionFailure = { ok: false; seconds: number; error: string };

export type ChannelPaths = SectionPaths;

type Goal = { name: string; metric: string; value: number | null; goal: string; pass: boolean };

// ---- small helpers ------------------------------------------------------------------------------

const round3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : NaN);

function stats(samples: number[]): Stats {
  const sorted = Float64Array.from(samples).sort();
  const sum = samples.reduce((a, b) => a + b, 0);
  const n = sorted.length;
  return {
    n,
    p50: round3(percentileSorted(sorted, 50)),
    p95: round3(percentileSorted(sorted, 95)),
    p99: round3(percentileSorted(sorted, 99)),
    mean: round3(n ? sum / n : NaN),
    min: round3(n ? sorted[0] : NaN),
    max: round3(n ? sorted[n - 1] : NaN),
  };
}

/** CPU of some processes and of this one over a window, in cores. */
function cpuMeter(pids: Record<string, number>, clockTicks: number): () => Record<string, number | null> {
  const ticks0 = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, procCpuTicks(pid)]));
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const ms = performance.now() - t0;
    const self = process.cpuUsage(self0);
    const out: Record<string, number | null> = { bench: Math.round(((self.user + self.system) / 1000 / ms) * 100) / 100 };
    for (const [name, pid] of Object.entries(pids)) {
      const a = ticks0[name];
      const b = procCpuTicks(pid);
      out[name] = a === null || b === null ? null : Math.round((((b - a) * 1000) / clockTicks / ms) * 100) / 100;
    }
    return out;
  };
}

function cpuUsPerOp(pid: number, ticks0: number | null, ops: number, clockTicks: number): number | null {
  const ticks1 = procCpuTicks(pid);
  if (ticks0 === null || ticks1 === null || ops <= 0) return null;
  return Math.round(((ticks1 - ticks0) * 1e6) / clockTicks / ops);
}

type Workspace = { home: string; stateDir: string; configPath: string; env: NodeJS.ProcessEnv };

function workspace(dir: string, extra: Record<string, unknown>): Workspace {
  const home = join(dir, "home");
  const stateDir = join(dir, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const configPath = join(stateDir, "openclaw.json");
  const config = { gateway: { mode: "local", auth: { mode: "token", token: BENCH_TOKEN } }, logging: { file: join(dir, "gw.log") }, ...extra };
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENCLAW_")) env[k] = v;
  Object.assign(env, { HOME: home, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: configPath });
  return { home, stateDir, configPath, env };
}

async function startGateway(paths: ChannelPaths, ws: Workspace, profile = false): Promise<{ proc: Managed; port: number; spawnedAt: number }> {
  const port = await freePort();
  const spawnedAt = performance.now();
  // BENCH_GATEWAY_CPU_PROF=<dir>: the load gateway writes a .cpuprofile there when it exits.
  const profDir = profile ? process.env.BENCH_GATEWAY_CPU_PROF : undefined;
  const [script, ...args] = [...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []), paths.cliPath, "gateway", "--port", String(port)];
  const proc = spawnNode(script, args, { cwd: paths.repoRoot, env: ws.env, marker: "gateway ready" });
  try {
    await waitHealthy(proc, port, { intervalMs: 5, timeoutMs: 15_000 });
  } catch (err) {
    await stopProcess(proc, 1000);
    throw err;
  }
  return { proc, port, spawnedAt };
}

async function waitMarker(proc: Managed, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (proc.markerAt() === null) {
    if (proc.exited() || performance.now() > deadline) {
      await stopProcess(proc, 500);
      throw new Error(`${what} did not start:\n${proc.tail()}`);
    }
    await sleep(5);
  }
}

async function startProviderStandIn(paths: ChannelPaths): Promise<{ proc: Managed; port: number }> {
  const port = await freePort();
  const proc = spawnNode(join(paths.repoRoot, "dist", "test", "stand-ins", "provider-stand-in.js"), ["--port", String(port)], { cwd: paths.repoRoot, marker: '"port"' });
  await waitMarker(proc, "provider stand-in", 10_000);
  return { proc, port };
}

type IrcHelper = { proc: (Managed & { stdout(): string }) | null; info: { ok: true; host: string; port: number; pid: number } | { ok: false; reason: string } };

async function startIrcHelper(paths: ChannelPaths): Promise<IrcHelper> {
  if (process.env.BENCH_SKIP_IRC === "1") return { proc: null, info: { ok: false, reason: "skipped (BENCH_SKIP_IRC=1)" } };
  const proc = spawnNode(join(paths.benchDir, "irc-daemon.js"), ["#bench"], { cwd: paths.repoRoot, marker: "IRCD ", captureStdout: true });
  const deadline = performance.now() + 20_000;
  for (;;) {
    const line = proc.stdout().split("\n").find((l) => l.startsWith("IRCD "));
    if (line && line.endsWith("}")) return { proc, info: JSON.parse(line.slice(5)) as IrcHelper["info"] };
    if (proc.exited() || performance.now() > deadline) {
      await stopProcess(proc, 500);
      return { proc, info: { ok: false, reason: `the ngircd helper did not report:\n${proc.tail()}` } };
    }
    await sleep(10);
  }
}

async function stopIrcHelper(h: IrcHelper | null): Promise<void> {
  if (!h) return;
  if (h.proc && !h.proc.exited()) await stopProcess(h.proc, 4000);
  // The helper stops its ngircd on SIGTERM; if it was killed instead, do not leave the daemon behind.
  if (h.info.ok) {
    try {
      process.kill(h.info.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/** A minimal operator connection: handshake, then request/response by id. */
class Rpc {
  private next = 1;
  private readonly pending = new Map<string, { resolve(p: Record<string, unknown>): void; reject(e: Error): void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type?: string; id?: string; ok?: boolean; payload?: Record<string, unknown>; error?: unknown };
      if (frame.type !== "res" || !frame.id) return;
      const waiter = this.pending.get(frame.id);
      if (!waiter) return;
      this.pending.delete(frame.id);
      if (frame.ok) waiter.resolve(frame.payload ?? {});
      else waiter.reject(new Error(`${frame.id}: ${JSON.stringify(frame.error)}`));
    });
    ws.on("close", () => {
      for (const w of this.pending.values()) w.reject(new Error("connection closed"));
      this.pending.clear();
    });
  }

  static connect(port: number, timeoutMs = 10_000): Promise<Rpc> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error("connect timed out"));
      }, timeoutMs);
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const onHandshake = (data: WebSocket.RawData) => {
        const frame = JSON.parse(data.toString()) as { type?: string; event?: string; id?: string; ok?: boolean; error?: unknown };
        if (frame.type === "event" && frame.event === "connect.challenge") ws.send(connectFrame("c", BENCH_TOKEN, ["operator.read"]));
        else if (frame.type === "res" && frame.id === "c") {
          clearTimeout(timer);
          ws.off("message", onHandshake);
          if (!frame.ok) return reject(new Error(`connect failed: ${JSON.stringify(frame.error)}`));
          resolve(new Rpc(ws));
        }
      };
      ws.on("message", onHandshake);
    });
  }

  request(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = `r${this.next++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  close(): Promise<void> {
    return closeAndWait(this.ws, 1000);
  }
}

const completionBody = (model: string, text: string, user?: string) => JSON.stringify({ model, messages: [{ role: "user", content: text }], ...(user ? { user } : {}) });

/** Arrival times of the stand-in's API calls, by wrapping the push onto its `calls` record. */
class CallWatch {
  private readonly listeners = new Set<(call: RecordedCall, t: number) => void>();

  constructor(api: TelegramBotApi) {
    const calls = api.calls;
    const push = Array.prototype.push;
    calls.push = (...items: RecordedCall[]): number => {
      const n = push.apply(calls, items);
      const t = performance.now();
      for (const item of items) for (const l of this.listeners) l(item, t);
      return n;
    };
  }

  on(listener: (call: RecordedCall, t: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The arrival time of the first call matching `match` from now on. */
  next(match: (call: RecordedCall) => boolean, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.on((call, t) => {
        if (!match(call)) return;
        clearTimeout(timer);
        off();
        resolve(t);
      });
    });
  }
}

const chatOf = (call: RecordedCall) => String(call.params.chat_id ?? "");
const textOf = (call: RecordedCall) => (typeof call.params.text === "string" ? call.params.text : "");

// ---- 1. latency -----------------------------------------------------------------------------------

async function measureLatency(api: TelegramBotApi, watch: CallWatch, urls: { direct: URL; gateway: URL }, gatewayPid: number, clockTicks: number): Promise<LatencyResult> {
  const { warmup, messages, gapMs } = CHANNEL_PLAN.latency;
  const user = { id: 2001, first_name: "Lena", username: "lena_bench" };
  const chatId = String(user.id);
  const agents = { direct: new Agent({ keepAlive: true, maxSockets: 1 }), gateway: new Agent({ keepAlive: true, maxSockets: 1 }) };
  const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
  const samples = { channel: [] as number[], direct: [] as number[], http: [] as number[], repoll: [] as number[], typing: [] as number[], typingToSend: [] as number[] };
  let ticksInMessages = 0;
  let ticksInHttp = 0;

  const oneDirect = async (i: number, keep: boolean) => {
    const answer = await timedPost(urls.direct, agents.direct, {}, completionBody("echo", `latency ${i}`), false, 15_000);
    if (answer.status !== 200 || !answer.body.includes('"choices"')) throw new Error(`provider direct: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    if (keep) samples.direct.push(answer.totalMs);
  };
  const oneHttp = async (i: number, keep: boolean) => {
    const cpu0 = procCpuTicks(gatewayPid);
    const answer = await timedPost(urls.gateway, agents.gateway, auth, completionBody("openclaw", `latency ${i}`, "bench-latency"), false, 15_000);
    const cpu1 = procCpuTicks(gatewayPid);
    if (answer.status !== 200 || !answer.body.includes("echo:")) throw new Error(`gateway /v1/chat/completions: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    if (!keep) return;
    samples.http.push(answer.totalMs);
    if (cpu0 !== null && cpu1 !== null) ticksInHttp += cpu1 - cpu0;
  };
  const oneChannel = async (i: number, keep: boolean) => {
    const marker = `lat-${i}-x`;
    const repoll = watch.next((c) => c.method === "getUpdates", 10_000, "the next getUpdates");
    const typing = watch.next((c) => c.method === "sendChatAction" && chatOf(c) === chatId, 10_000, "sendChatAction");
    const sent = watch.next((c) => c.method === "sendMessage" && chatOf(c) === chatId && textOf(c).includes(marker), 10_000, `the reply to ${marker}`);
    const cpu0 = procCpuTicks(gatewayPid);
    const t0 = performance.now();
    api.injectMessage({ chat: { id: user.id, type: "private" }, from: user, text: `${marker} how are you` });
    const [tRepoll, tTyping, tSent] = await Promise.all([repoll, typing, sent]);
    const cpu1 = procCpuTicks(gatewayPid);
    if (!keep) return;
    samples.channel.push(tSent - t0);
    samples.repoll.push(tRepoll - t0);
    samples.typing.push(tTyping - t0);
    samples.typingToSend.push(tSent - tTyping);
    if (cpu0 !== null && cpu1 !== null) ticksInMessages += cpu1 - cpu0;
  };

  const series = [oneDirect, oneHttp, oneChannel];
  try {
    for (let i = 0; i < warmup + messages; i++) {
      const keep = i >= warmup;
      // Rotate which goes first so drift and timer alignment hit all three series alike.
      for (let j = 0; j < series.length; j++) {
        await sleep(gapMs); // start every sample from idle: the gateway's poll parked, its last reply bookkept
        await series[(i + j) % series.length](i, keep);
      }
    }
  } finally {
    agents.direct.destroy();
    agents.gateway.destroy();
  }
  // The CPU the gateway used between an injection (a request) and its reply: /proc ticks (10 ms
  // granularity) read around each sample and summed, so the mean over the samples is fair.
  const perOpMs = (ticks: number) => Math.round(((ticks * 1e6) / clockTicks / messages) / 10) / 100;
  const channelMs = samples.channel.reduce((a, b) => a + b, 0);
  return {
    messages,
    channel: stats(samples.channel),
    direct: stats(samples.direct),
    http: stats(samples.http),
    repoll: stats(samples.repoll),
    typing: stats(samples.typing),
    typingToSend: stats(samples.typingToSend),
    gatewayCpuMsPerMessage: perOpMs(ticksInMessages),
    gatewayCpuShare: channelMs > 0 ? Math.round(((ticksInMessages * 1000) / clockTicks / channelMs) * 100) / 100 : NaN,
    gatewayCpuMsPerHttpTurn: perOpMs(ticksInHttp),
  };
}

// ---- 2. throughput --------------------------------------------------------------------------------

async function channelBurst(api: TelegramBotApi, watch: CallWatch, firstUserId: number, pids: { gateway: number; provider: number }, clockTicks: number): Promise<Burst> {
  const gatewayPid = pids.gateway;
  const { messages, users } = CHANNEL_PLAN.throughput;
  const perUser = Math.ceil(messages / users);
  const injectedAt = new Map<string, number>();
  const latencies: number[] = [];
  let replies = 0;
  let errors = 0;
  let firstError: string | null = null;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const off = watch.on((call, t) => {
    if (call.method !== "sendMessage") return;
    const m = /\btp-(\d+)-(\d+)-x\b/.exec(textOf(call));
    if (!m) return;
    const at = injectedAt.get(`${m[1]}-${m[2]}`);
    if (at === undefined) return;
    injectedAt.delete(`${m[1]}-${m[2]}`);
    if (!textOf(call).includes("echo:")) {
      errors++;
      firstError ??= textOf(call).slice(0, 200);
    }
    latencies.push(t - at);
    if (++replies === messages) resolveAll();
  });
  const ticks0 = procCpuTicks(gatewayPid);
  const cores = cpuMeter(pids, clockTicks);
  const t0 = performance.now();
  let n = 0;
  // Round-robin over the users, as a burst of chats would arrive: user u's k-th message.
  for (let k = 0; k < perUser && n < messages; k++) {
    for (let u = 0; u < users && n < messages; u++, n++) {
      const id = firstUserId + u;
      injectedAt.set(`${id}-${k}`, performance.now());
      api.injectMessage({ chat: { id, type: "private" }, from: { id, first_name: `User${u}` }, text: `tp-${id}-${k}-x hello` });
    }
  }
  const timeoutMs = 40_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const used = cores();
  off();
  if (timedOut) {
    errors += messages - replies;
    firstError ??= `only ${replies}/${messages} replies within ${timeoutMs / 1000} s`;
  }
  return { messages, replies, seconds, msgsPerSec: Math.round((replies / seconds) * 10) / 10, latency: stats(latencies), gatewayCpuUsPerMessage: cpuUsPerOp(gatewayPid, ticks0, replies, clockTicks), cores: used, errors, firstError };
}

/** `users` concurrent clients, each sending its share of the messages one after another. */
async function httpBurst(url: URL, headers: Record<string, string>, model: string, prefix: string, pids: { gateway?: number; provider: number }, clockTicks: number): Promise<Burst> {
  const pid = pids.gateway ?? null;
  const { messages, users } = CHANNEL_PLAN.throughput;
  const agent = new Agent({ keepAlive: true, maxSockets: users });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let issued = 0;
  const ticks0 = pid !== null ? procCpuTicks(pid) : null;
  const cores = cpuMeter(pids as Record<string, number>, clockTicks);
  const t0 = performance.now();
  const worker = async (u: number) => {
    for (let k = 0; ; k++) {
      if (issued >= messages) return;
      issued++;
      try {
        const answer = await timedPost(url, agent, headers, completionBody(model, `tp-${u}-${k}-x hello`, `${prefix}-${u}`), false, 15_000);
        if (answer.status === 200 && answer.body.includes("echo:")) latencies.push(answer.totalMs);
        else {
          errors++;
          firstError ??= `HTTP ${answer.status} ${answer.body.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: users }, (_, u) => worker(u)));
  const seconds = (performance.now() - t0) / 1000;
  const used = cores();
  agent.destroy();
  return {
    messages,
    replies: latencies.length,
    seconds,
    msgsPerSec: Math.round((latencies.length / seconds) * 10) / 10,
    latency: stats(latencies),
    gatewayCpuUsPerMessage: pid !== null ? cpuUsPerOp(pid, ticks0, latencies.length, clockTicks) : null,
    cores: used,
    errors,
    firstError,
  };
}

// ---- 3. idle RSS --------------------------------------------------------------------------------

function accountState(status: Record<string, unknown>, channel: string): AccountState | null {
  const accounts = (status.channelAccounts as Record<string, Array<Record<string, unknown>>> | undefined)?.[channel];
  const a = accounts?.[0];
  if (!a) return null;
  return { lifecycle: typeof a.lifecycle === "string" ? a.lifecycle : null, connected: typeof a.connected === "boolean" ? a.connected : null, lastError: typeof a.lastError === "string" ? a.lastError : null };
}

/** VmRSS of a bare node process before and after `import("baileys")` (settled for 500 ms). */
async function baileysImportCost(paths: ChannelPaths): Promise<{ bareKiB: number; afterKiB: number } | null> {
  const code =
    "const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);" +
    "const bare = rss(); import('baileys').then(async () => { await new Promise((r) => setTimeout(r, 500)); console.log('RSS ' + JSON.stringify({ bareKiB: bare, afterKiB: rss() })); process.exit(0); });";
  const proc = spawnNode("-e", [code], { cwd: paths.repoRoot, captureStdout: true });
  if (!(await proc.waitExit(15_000))) {
    await stopProcess(proc, 500);
    return null;
  }
  const line = proc.stdout().split("\n").find((l) => l.startsWith("RSS "));
  return line ? (JSON.parse(line.slice(4)) as { bareKiB: number; afterKiB: number }) : null;
}

async function measureIdle(paths: ChannelPaths, log: (line: string) => void): Promise<IdleResult> {
  const dir = join(paths.root, "channels-idle");
  const procs: Managed[] = [];
  let irc: IrcHelper | null = null;
  let api: TelegramBotApi | null = null;
  try {
    const ircStarting = startIrcHelper(paths);
    const plainWs = workspace(join(dir, "plain"), {});
    const plain = await startGateway(paths, plainWs);
    procs.push(plain.proc);
    const captured = await captureGatewayPayloads(plain.port, BENCH_TOKEN);
    const payloadsPath = join(dir, "payloads.json");
    writeFileSync(payloadsPath, JSON.stringify({ hello: captured.hello, health: captured.health }));
    const basePort = await freePort();
    const baseline = spawnNode(join(paths.benchDir, "baseline-server.js"), [String(basePort), payloadsPath], { cwd: paths.repoRoot, marker: "baseline ready" });
    procs.push(baseline);

    irc = await ircStarting;
    const ircNote = irc.info.ok ? null : irc.info.reason;
    if (ircNote) log(`  IRC left out of the idle RSS gateway: ${ircNote}`);
    api = await startTelegramBotApi({ token: "424242:BENCH-idle_abcdefghijklmnopqrstuv" });
    const channels: Record<string, unknown> = {
      telegram: { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, dmPolicy: "open", allowFrom: ["*"] },
      whatsapp: {},
      ...(irc.info.ok ? { irc: { host: irc.info.host, port: irc.info.port, nick: "openclawbench", channels: ["#bench"] } } : {}),
    };
    const chWs = workspace(join(dir, "channels"), { channels });
    const gw = await startGateway(paths, chWs);
    procs.push(gw.proc);
    await waitHealthy(baseline, basePort, { intervalMs: 5, timeoutMs: 10_000 });

    // Every account settled: telegram and irc connected, whatsapp past "starting" (without a login
    // it ends "blocked", not linked, before any socket is opened).
    const rpc = await Rpc.connect(gw.port);
    const expected = ["telegram", "whatsapp", ...(irc.info.ok ? ["irc"] : [])];
    const states: Record<string, AccountState> = {};
    const deadline = performance.now() + CHANNEL_PLAN.settleTimeoutMs;
    for (;;) {
      const status = await rpc.request("channels.status", {});
      for (const ch of expected) states[ch] = accountState(status, ch) ?? { lifecycle: null, connected: null, lastError: "no account in channels.status" };
      const settled = expected.every((ch) => (ch === "whatsapp" ? states[ch].lifecycle !== null && states[ch].lifecycle !== "starting" : states[ch].connected === true));
      if (settled) break;
      if (performance.now() > deadline) throw new Error(`channels did not settle within ${CHANNEL_PLAN.settleTimeoutMs} ms: ${JSON.stringify(states)}`);
      await sleep(25);
    }
    const settledMs = performance.now() - gw.spawnedAt;
    await rpc.close();
    // The baseline gets the same one connect + one call the gateways had.
    await captureGatewayPayloads(basePort, BENCH_TOKEN);
    log(`  all channels settled ${settledMs.toFixed(0)} ms after spawn: ${expected.map((ch) => `${ch} ${states[ch].lifecycle}${states[ch].connected ? " connected" : ""}`).join(", ")}`);

    // The Baileys import cost is measured in its own process meanwhile (CPU noise does not move RSS).
    const [baileys] = await Promise.all([baileysImportCost(paths), sleep(CHANNEL_PLAN.idleMs)]);
    const channelsKiB = procRssKiB(gw.proc.pid);
    const noChannelsKiB = procRssKiB(plain.proc.pid);
    const baselineKiB = procRssKiB(baseline.pid);
    for (const p of procs) if (p.exited()) throw new Error(`a process exited during the idle wait:\n${p.tail()}`);
    return {
      channelsKiB,
      noChannelsKiB,
      baselineKiB,
      irc: { included: irc.info.ok, note: ircNote },
      settledMs,
      states,
      baileysImportKiB: baileys ? baileys.afterKiB - baileys.bareKiB : null,
      bareNodeKiB: baileys ? baileys.bareKiB : null,
    };
  } finally {
    await Promise.all(procs.map((p) => stopProcess(p, 3000)));
    await stopIrcHelper(irc);
    await api?.close();
  }
}

// ---- the section ----------------------------------------------------------------------------------

/** Runs the whole section; never throws (a failure is reported and the rest of the bench goes on). */
export async function runChannelSection(paths: ChannelPaths, log: (line: string) => void): Promise<ChannelSection | ChannelSectionFailure> {
  const t0 = performance.now();
  const parts: Record<string, number> = {};
  let mark = t0;
  const lap = (name: string) => {
    const now = performance.now();
    parts[name] = Math.round((now - mark) / 100) / 10;
    mark = now;
  };
  let standIn: Managed | null = null;
  let gateway: Managed | null = null;
  let api: TelegramBotApi | null = null;
  try {
    // ---- 1 + 2: one gateway, telegram + the provider stand-in ----
    const si = await startProviderStandIn(paths);
    standIn = si.proc;
    api = await startTelegramBotApi();
    const watch = new CallWatch(api);
    const ws = workspace(join(paths.root, "channels-load"), {
      gateway: { mode: "local", auth: { mode: "token", token: BENCH_TOKEN }, http: { endpoints: { chatCompletions: { enabled: true } } } },
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `http://${HOST}:${si.port}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
      // One session per DM peer, like the HTTP side's one session per `user`. (The default,
      // dmScope "main", puts every DM in one session: the burst then runs one turn at a time and
      // overflows that session's queue cap, 20, so most messages wait out 2 s retries.)
      session: { dmScope: "per-channel-peer" },
      channels: { telegram: { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, dmPolicy: "open", allowFrom: ["*"] } },
    });
    const polling = watch.next((c) => c.method === "getUpdates", 15_000, "the gateway's first getUpdates");
    const gw = await startGateway(paths, ws, true);
    gateway = gw.proc;
    await polling;
    lap("startLoadGateway");
    const directUrl = new URL(`http://${HOST}:${si.port}/v1/chat/completions`);
    const gatewayUrl = new URL(`http://${HOST}:${gw.port}/v1/chat/completions`);

    const latency = await measureLatency(api, watch, { direct: directUrl, gateway: gatewayUrl }, gateway.pid, paths.clockTicks);
    lap("latency");
    log(
      `  DM -> reply p50 ${latency.channel.p50} ms (p95 ${latency.channel.p95}) vs provider direct p50 ${latency.direct.p50} ms (p95 ${latency.direct.p95}); ` +
        `via /v1/chat/completions p50 ${latency.http.p50} ms; inject -> re-poll p50 ${latency.repoll.p50} ms, -> typing ${latency.typing.p50} ms, typing -> reply ${latency.typingToSend.p50} ms; ` +
        `gateway on CPU ${latency.gatewayCpuMsPerMessage} ms per message (${Math.round(latency.gatewayCpuShare * 100)}% of the latency), ${latency.gatewayCpuMsPerHttpTurn} ms per HTTP turn`,
    );

    const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
    const pids = { gateway: gateway.pid, provider: standIn.pid };
    const { users, rounds } = CHANNEL_PLAN.throughput;
    const channelRounds: Burst[] = [];
    const httpRounds: Burst[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Fresh users (sessions) every round, so each round starts from the same state.
      const runChannel = async () => {
        const b = await channelBurst(api!, watch, 1000 * (round + 2) + 1, pids, paths.clockTicks);
        channelRounds.push(b);
        log(`  round ${round}: ${b.replies}/${b.messages} DMs from ${users} users answered in ${b.seconds.toFixed(2)} s: ${b.msgsPerSec} msgs/s (reply p50 ${b.latency.p50} ms, gateway ${b.cores.gateway} cores)`);
      };
      const runHttp = async () => {
        const b = await httpBurst(gatewayUrl, auth, "openclaw", `bench-http-r${round}`, pids, paths.clockTicks);
        httpRounds.push(b);
        log(`  round ${round}: the same ${b.messages} as /v1/chat/completions (${users} clients): ${b.seconds.toFixed(2)} s, ${b.msgsPerSec} msgs/s (p50 ${b.latency.p50} ms, gateway ${b.cores.gateway} cores, errors ${b.errors})`);
      };
      for (const run of round % 2 === 1 ? [runChannel, runHttp] : [runHttp, runChannel]) await run();
    }
    const bestOf = (list: Burst[]) => list.reduce((a, b) => (b.msgsPerSec > a.msgsPerSec ? b : a));
    const channel = bestOf(channelRounds);
    const http = bestOf(httpRounds);
    lap("bursts");
    const direct = await httpBurst(directUrl, {}, "echo", "bench-direct", { provider: standIn.pid }, paths.clockTicks);
    log(`  provider stand-in direct, same pattern: ${direct.msgsPerSec} req/s`);
    lap("directBurst");
    const rssAfterLoadKiB = procRssKiB(gateway.pid);
    if (gateway.exited()) throw new Error(`gateway exited during the channel section:\n${gateway.tail()}`);
    await stopProcess(gateway, 5000);
    await stopProcess(standIn, 2000);
    await api.close();
    api = null;
    lap("stopLoadGateway");

    // ---- 3: idle RSS, all three channels ----
    const idle = await measureIdle(paths, log);
    lap("idleRss");
    const errors = [...channelRounds, ...httpRounds, direct].reduce((n, b) => n + b.errors, 0);
    const perRound = { channelMsgsPerSec: channelRounds.map((b) => b.msgsPerSec), httpMsgsPerSec: httpRounds.map((b) => b.msgsPerSec) };
    return { ok: true, seconds: (performance.now() - t0) / 1000, latency, throughput: { users, channel, http, direct, perRound }, idle, rssAfterLoadKiB, parts, errors };
  } catch (err) {
    const error = (err as Error).message;
    log(`  channel section failed: ${error}`);
    return { ok: false, seconds: (performance.now() - t0) / 1000, error };
  } finally {
    if (gateway && !gateway.exited()) await stopProcess(gateway, 2000);
    if (standIn && !standIn.exited()) await stopProcess(standIn, 1000);
    await api?.close();
  }
}

// ---- reporting ------------------------------------------------------------------------------------

const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
const r2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const mb = (kib: number | null) => (kib === null ? null : Math.round((kib / 1024) * 10) / 10);
const fmt = (x: number | null | undefined) => (x === null || x === undefined || (typeof x === "number" && !Number.isFinite(x)) ? "n/a" : String(x));
const pair = (a: number | null | undefined, b: number | null | undefined) => `${fmt(a)} / ${fmt(b)}`;
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || !b ? null : r2(a / b));

const coresOf = (c: Record<string, number | null>) => `${fmt(c.gateway)} / ${fmt(c.provider)} / ${fmt(c.bench)}`;

export function channelGoals(s: ChannelSection | ChannelSectionFailure): Goal[] {
  const rss = s.ok ? mb(s.idle.channelsKiB) : null;
  const which = s.ok && !s.idle.irc.included ? "telegram + whatsapp (IRC left out)" : "telegram + irc + whatsapp";
  return [{ name: `idle RSS with ${which} configured`, metric: "idleRssWithChannelsMB", value: rss, goal: `< ${CHANNEL_GOALS.idleRssMB} MB`, pass: rss !== null && rss < CHANNEL_GOALS.idleRssMB }];
}

/** Rows for the suite's table (metric, gateway, baseline, ratio g/b, goal, result). */
export function channelRows(s: ChannelSection | ChannelSectionFailure): string[][] {
  if (!s.ok) return [["channel section", "failed", "", "", "", "FAIL"]];
  const goals = channelGoals(s);
  const { latency: l, throughput: t, idle: i } = s;
  const tp = CHANNEL_PLAN.throughput;
  const chans = i.irc.included ? "tg+irc+wa" : "tg+wa, IRC left out";
  return [
    ["telegram DM -> reply p50, ms (b: provider direct)", fmt(l.channel.p50), fmt(l.direct.p50), fmt(ratio(l.channel.p50, l.direct.p50)), "", ""],
    ["  p95, ms", fmt(l.channel.p95), fmt(l.direct.p95), fmt(ratio(l.channel.p95, l.direct.p95)), "", ""],
    ["  overhead over the provider p50 / p95, ms", pair(r2(l.channel.p50 - l.direct.p50), r2(l.channel.p95 - l.direct.p95)), "", "", "", ""],
    ["  inject -> re-poll / typing p50, ms", pair(l.repoll.p50, l.typing.p50), "", "", "", ""],
    ["  typing -> reply sent p50 / p95, ms", pair(l.typingToSend.p50, l.typingToSend.p95), "", "", "", ""],
    ["  same turn via /v1/chat/completions p50 / p95, ms", pair(l.http.p50, l.http.p95), "", fmt(ratio(l.channel.p50, l.http.p50)), "", ""],
    ["  gateway CPU per message / per HTTP turn, ms", pair(l.gatewayCpuMsPerMessage, l.gatewayCpuMsPerHttpTurn), "", "", "", ""],
    ["  gateway on CPU, share of DM -> reply time", `${Math.round(l.gatewayCpuShare * 100)}%`, "", "", "", ""],
    [`telegram msgs/s, ${tp.messages} DMs / ${tp.users} users (b: HTTP)`, fmt(t.channel.msgsPerSec), fmt(t.http.msgsPerSec), fmt(ratio(t.channel.msgsPerSec, t.http.msgsPerSec)), "", ""],
    ["  per round", t.perRound.channelMsgsPerSec.join(" / "), t.perRound.httpMsgsPerSec.join(" / "), "", "", ""],
    ["  reply latency p50 / p95 (b: request), ms", pair(t.channel.latency.p50, t.channel.latency.p95), pair(t.http.latency.p50, t.http.latency.p95), "", "", ""],
    ["  gateway CPU per message, us", fmt(t.channel.gatewayCpuUsPerMessage), fmt(t.http.gatewayCpuUsPerMessage), fmt(ratio(t.channel.gatewayCpuUsPerMessage, t.http.gatewayCpuUsPerMessage)), "", ""],
    ["  gateway / provider / bench process CPU, cores", coresOf(t.channel.cores), coresOf(t.http.cores), "", "", ""],
    ["  provider stand-in direct, same pattern, req/s", fmt(t.direct.msgsPerSec), "", "", "", ""],
    [`idle RSS, ${chans}, MB (b: bare ws server)`, fmt(mb(i.channelsKiB)), fmt(mb(i.baselineKiB)), fmt(ratio(i.channelsKiB, i.baselineKiB)), `< ${CHANNEL_GOALS.idleRssMB}`, goals[0].pass ? "PASS" : "FAIL"],
    ["  gateway without channels, MB (ratio: with/without)", fmt(mb(i.noChannelsKiB)), "", fmt(ratio(i.channelsKiB, i.noChannelsKiB)), "", ""],
    ["  baileys import in bare node (unlinked: not loaded), MB", fmt(mb(i.baileysImportKiB)), "", "", "", ""],
    ["  RSS after the channel load, MB", fmt(mb(s.rssAfterLoadKiB)), "", "", "", ""],
  ];
}

export function channelJson(s: ChannelSection | ChannelSectionFailure): Record<string, unknown> {
  const goals = channelGoals(s);
  if (!s.ok) return { ok: false, error: s.error, seconds: r1(s.seconds), goals };
  const { latency: l, throughput: t, idle: i } = s;
  return {
    ok: true,
    seconds: r1(s.seconds),
    plan: CHANNEL_PLAN,
    latency: {
      ...l,
      overheadMs: { p50: r2(l.channel.p50 - l.direct.p50), p95: r2(l.channel.p95 - l.direct.p95), mean: r2(l.channel.mean - l.direct.mean) },
      ratio: { p50: ratio(l.channel.p50, l.direct.p50), p95: ratio(l.channel.p95, l.direct.p95) },
    },
    throughput: { ...t, channelVsHttp: ratio(t.channel.msgsPerSec, t.http.msgsPerSec) },
    idleRss: {
      channelsMB: mb(i.channelsKiB),
      noChannelsMB: mb(i.noChannelsKiB),
      baselineMB: mb(i.baselineKiB),
      channelsVsBaseline: ratio(i.channelsKiB, i.baselineKiB),
      channelsVsNoChannels: ratio(i.channelsKiB, i.noChannelsKiB),
      channelsAddMB: i.channelsKiB !== null && i.noChannelsKiB !== null ? mb(i.channelsKiB - i.noChannelsKiB) : null,
      irc: i.irc,
      states: i.states,
      settledMs: r1(i.settledMs),
      baileysImportMB: mb(i.baileysImportKiB),
      bareNodeMB: mb(i.bareNodeKiB),
      goalMB: CHANNEL_GOALS.idleRssMB,
      pass: goals[0].pass,
    },
    rssAfterLoadMB: mb(s.rssAfterLoadKiB),
    parts: s.parts,
    errors: s.errors,
    goals,
  };
}

/** Standalone: `node dist/bench/channels.js` runs only this section (for profiling and iteration). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runSectionStandalone("channels", runChannelSection, channelRows, "CHANNELS_JSON", channelJson);
}
