/**
 * The agent section of `npm run bench`: the gateway with one model provider configured (the
 * provider stand-in, zero latency, its own process), driven by dist/bench/agent-load.js in a
 * third process. The baseline is the stand-in called directly by the same load generator.
 *
 *  1. /v1/chat/completions latency: sequential requests alternating direct / through the gateway;
 *     p50 and p99 of each, the difference, and the time to the first streamed content chunk
 *  2. chat turns/s over the WebSocket: 5 connections, 50 sessions, one turn in flight per session;
 *     next to the stand-in's own req/s at the same concurrency
 *  3. chat.history on a 10,000-message session (the state database is filled before the gateway
 *     starts, through the same store code the gateway reads it with): limit 200, and an offset walk
 *  4. idle RSS with the provider configured, after one turn and ~2 s idle
 *  5. one tool round (the model asks for a no-op tool, the gateway runs it, the model answers) over
 *     /v1/chat/completions: what it adds beyond the provider's own time for the extra call
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { BENCH_TOKEN, HOST, freePort, procRssKiB, runSectionStandalone, sleep, spawnNode, stopProcess, waitHealthy, type Managed, type SectionPaths } from "./common.js";
import type { AgentLoadConfig, AgentLoadResult, CapacityResult, CompletionsResult, HistoryResult, ToolRoundResult, TurnsResult } from "./agent-load.js";

export const AGENT_GOALS = { addedP50Ms: 2, turnsPerSec: 1000, historyPageMs: 20, idleRssMB: 70, toolRoundAddedP50Ms: 1 } as const;

export const AGENT_PLAN = {
  completions: { warmup: 50, requests: 300 },
  turns: { connections: 5, sessions: 50, warmupMs: 1000, durationMs: 5000 },
  capacity: { concurrency: 50, warmupMs: 500, durationMs: 3000 },
  history: { turns: 5000, calls: 50, limit: 200 },
  toolRound: { warmup: 30, requests: 200 },
  idleMs: 2000,
} as const;

export const HISTORY_SESSION = "agent:main:bench-history";

export type AgentSection = {
  ok: true;
  seconds: number;
  prefillMs: number;
  idleRssKiB: number | null;
  rssAfterLoadKiB: number | null;
  warmTurnMs: number;
  completions: CompletionsResult;
  turns: TurnsResult;
  capacity: CapacityResult;
  history: HistoryResult;
  toolRound: ToolRoundResult;
  errors: number;
};

export type AgentSectionFailure = { ok: false; seconds: number; error: string };

export type AgentPaths = SectionPaths;

type Goal = { name: string; metric: string; value: number | null; goal: string; pass: boolean };

function writeConfig(dir: string, standInPort: number): { home: string; stateDir: string; configPath: string } {
  const home = join(dir, "home");
  const stateDir = join(dir, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const configPath = join(stateDir, "openclaw.json");
  const config = {
    gateway: { mode: "local", auth: { mode: "token", token: BENCH_TOKEN }, http: { endpoints: { chatCompletions: { enabled: true } } } },
    logging: { file: join(dir, "gw.log") },
    agents: { defaults: { model: { primary: "mock/echo" } } },
    models: {
      providers: {
        mock: { baseUrl: `http://${HOST}:${standInPort}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] },
      },
    },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { home, stateDir, configPath };
}

/** Deterministic text of about `chars` characters, different per `seed`. */
function filler(seed: number, chars: number): string {
  const words = ["gateway", "session", "message", "provider", "latency", "history", "socket", "agent", "turn", "reply", "stream", "token"];
  let out = "";
  let x = seed * 2654435761;
  while (out.length < chars) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x7f4a7c15) >>> 0;
    out += (out ? " " : "") + words[x % words.length];
  }
  return out;
}

/**
 * Writes `turns` user/assistant pairs into the history session with the gateway's own store code,
 * shaped like the entries a real turn leaves (content parts, usage, provider and model).
 */
export async function prefillHistory(stateDir: string, turns: number): Promise<number> {
  const t0 = performance.now();
  const { openAgentStore } = await import("../src/store/agent-store.js");
  const { agentStorePath } = await import("../src/agents/agent-config.js");
  const store = await openAgentStore(agentStorePath(stateDir, "main"));
  const fill = () => {
    store.ensureSession(HISTORY_SESSION, { channel: "webchat" });
    const start = Date.now() - turns * 60_000;
    for (let i = 0; i < turns; i++) {
      const runId = `bench-history-${i}`;
      const question = `question ${i}: ${filler(i, 40 + (i % 7) * 20)}`;
      const answer = `answer ${i}: ${filler(i + 7919, 150 + (i % 11) * 60)}`;
      const at = start + i * 60_000;
      store.appendEntry(HISTORY_SESSION, {
        type: "message", role: "user", text: question, runId, idempotencyKey: `${runId}:user`, timestamp: at,
        data: { content: question, senderIsOwner: true, source: "chat" },
      });
      store.appendEntry(HISTORY_SESSION, {
        type: "message", role: "assistant", text: answer, runId, idempotencyKey: null, timestamp: at + 800,
        data: {
          content: [{ type: "text", text: answer }], api: "openai-completions", provider: "mock", model: "echo",
          usage: { input: 400 + i, output: 40, cacheRead: 0, cacheWrite: 0, totalTokens: 440 + i }, stopReason: "stop",
        },
      });
    }
  };
  try {
    // One outer transaction (each store call becomes a savepoint in it): 10k commits would take seconds.
    const db = (store as unknown as { db?: { transaction?: (fn: () => void) => () => void } }).db;
    if (typeof db?.transaction === "function") db.transaction(fill)();
    else fill();
  } finally {
    store.close();
  }
  return performance.now() - t0;
}

async function startStandIn(paths: AgentPaths): Promise<{ proc: Managed; port: number }> {
  const port = await freePort();
  const proc = spawnNode(join(paths.repoRoot, "dist", "test", "stand-ins", "provider-stand-in.js"), ["--port", String(port)], { cwd: paths.repoRoot, marker: '"port"' });
  const deadline = performance.now() + 10_000;
  while (proc.markerAt() === null) {
    if (proc.exited() || performance.now() > deadline) {
      await stopProcess(proc, 500);
      throw new Error(`provider stand-in did not start:\n${proc.tail()}`);
    }
    await sleep(5);
  }
  return { proc, port };
}

async function agentLoad<T extends AgentLoadResult>(paths: AgentPaths, cfg: AgentLoadConfig, limitMs: number): Promise<T> {
  const proc = spawnNode(join(paths.benchDir, "agent-load.js"), [JSON.stringify({ ...cfg, deadlineMs: limitMs })], { cwd: paths.repoRoot, captureStdout: true });
  const finished = await proc.waitExit(limitMs + 3000);
  if (!finished) {
    await stopProcess(proc, 500);
    throw new Error(`agent load generator (${cfg.mode}) did not finish within ${limitMs} ms:\n${proc.tail()}`);
  }
  const info = proc.exitInfo();
  if (info?.code !== 0) throw new Error(`agent load generator (${cfg.mode}) failed (${JSON.stringify(info)}):\n${proc.tail()}`);
  return JSON.parse(proc.stdout().trim().split("\n").pop() ?? "") as T;
}

/** Runs the whole section; never throws (a failure is reported and the rest of the bench goes on). */
export async function runAgentSection(paths: AgentPaths, log: (line: string) => void): Promise<AgentSection | AgentSectionFailure> {
  const t0 = performance.now();
  const dir = join(paths.root, "agents");
  let standIn: Managed | null = null;
  let gateway: Managed | null = null;
  try {
    const si = await startStandIn(paths);
    standIn = si.proc;
    const ws = writeConfig(dir, si.port);
    const prefillMs = await prefillHistory(ws.stateDir, AGENT_PLAN.history.turns);
    log(`  filled a session with ${AGENT_PLAN.history.turns * 2} messages in ${prefillMs.toFixed(0)} ms (store code, before the gateway starts)`);

    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENCLAW_")) env[k] = v;
    Object.assign(env, { HOME: ws.home, OPENCLAW_STATE_DIR: ws.stateDir, OPENCLAW_CONFIG_PATH: ws.configPath });
    const port = await freePort();
    // BENCH_GATEWAY_CPU_PROF=<dir>: the gateway writes a .cpuprofile there when it exits (Node 20 refuses it in NODE_OPTIONS).
    const profDir = process.env.BENCH_GATEWAY_CPU_PROF;
    const [script, ...args] = [...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []), paths.cliPath, "gateway", "--port", String(port)];
    gateway = spawnNode(script, args, { cwd: paths.repoRoot, env, marker: "gateway ready" });
    await waitHealthy(gateway, port, { intervalMs: 5, timeoutMs: 15_000 });
    const pids = { gateway: gateway.pid, standIn: standIn.pid };
    const common = { wsUrl: `ws://${HOST}:${port}/`, token: BENCH_TOKEN, gatewayUrl: `http://${HOST}:${port}/v1/chat/completions`, directUrl: `http://${HOST}:${si.port}/v1/chat/completions`, clockTicks: paths.clockTicks, pids };

    const warm = await agentLoad<Extract<AgentLoadResult, { mode: "turn" }>>(paths, { ...common, mode: "turn" }, 15_000);
    await sleep(AGENT_PLAN.idleMs);
    const idleRssKiB = procRssKiB(gateway.pid);
    log(`  idle RSS after one turn (${warm.ms.toFixed(0)} ms) ${idleRssKiB === null ? "n/a" : (idleRssKiB / 1024).toFixed(1)} MB`);

    const completions = await agentLoad<CompletionsResult>(paths, { ...common, mode: "completions", ...AGENT_PLAN.completions }, 30_000);
    log(
      `  completions p50 direct ${completions.plain.direct.p50} ms, gateway ${completions.plain.gateway.p50} ms; ` +
        `first content p50 direct ${completions.stream.direct.firstContent.p50} ms, gateway ${completions.stream.gateway.firstContent.p50} ms`,
    );
    const turns = await agentLoad<TurnsResult>(paths, { ...common, mode: "turns", ...AGENT_PLAN.turns }, AGENT_PLAN.turns.warmupMs + AGENT_PLAN.turns.durationMs + 15_000);
    log(`  chat turns ${turns.turnsPerSec}/s (p50 ${turns.latencyMs.p50} ms, p99 ${turns.latencyMs.p99} ms, errors ${turns.errors})`);
    const capacity = await agentLoad<CapacityResult>(paths, { ...common, mode: "capacity", ...AGENT_PLAN.capacity }, AGENT_PLAN.capacity.warmupMs + AGENT_PLAN.capacity.durationMs + 10_000);
    log(`  stand-in direct ${capacity.requestsPerSec} req/s at ${AGENT_PLAN.capacity.concurrency} concurrent`);
    const history = await agentLoad<HistoryResult>(paths, { ...common, mode: "history", sessionKey: HISTORY_SESSION, calls: AGENT_PLAN.history.calls, limit: AGENT_PLAN.history.limit }, 30_000);
    log(`  chat.history limit ${AGENT_PLAN.history.limit}: p50 ${history.calls.p50} ms, p99 ${history.calls.p99} ms; walk ${history.walk.pages} pages in ${history.walk.totalMs} ms`);

    const toolRound = await agentLoad<ToolRoundResult>(paths, { ...common, mode: "toolround", ...AGENT_PLAN.toolRound }, 60_000);
    log(`  one tool round: p50 ${toolRound.toolRound.p50} ms vs plain ${toolRound.plain.p50} ms and the provider direct ${toolRound.direct.p50} ms: adds ${toolRound.addedP50Ms} ms`);

    const rssAfterLoadKiB = procRssKiB(gateway.pid);
    if (gateway.exited()) throw new Error(`gateway exited during the agent section:\n${gateway.tail()}`);
    await stopProcess(gateway, 5000);
    await stopProcess(standIn, 2000);
    const errors = completions.errors + turns.errors + capacity.errors + history.errors + toolRound.errors;
    return { ok: true, seconds: (performance.now() - t0) / 1000, prefillMs, idleRssKiB, rssAfterLoadKiB, warmTurnMs: warm.ms, completions, turns, capacity, history, toolRound, errors };
  } catch (err) {
    const error = (err as Error).message;
    log(`  agent section failed: ${error}`);
    return { ok: false, seconds: (performance.now() - t0) / 1000, error };
  } finally {
    if (gateway && !gateway.exited()) await stopProcess(gateway, 2000);
    if (standIn && !standIn.exited()) await stopProcess(standIn, 1000);
  }
}

const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
const r2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const mb = (kib: number | null) => (kib === null ? null : Math.round((kib / 1024) * 10) / 10);
const fmt = (x: number | null | undefined) => (x === null || x === undefined || (typeof x === "number" && !Number.isFinite(x)) ? "n/a" : String(x));
const pair = (a: number | null | undefined, b: number | null | undefined) => `${fmt(a)} / ${fmt(b)}`;

export function agentGoals(s: AgentSection | AgentSectionFailure): Goal[] {
  const c = s.ok ? s.completions : null;
  const added = c ? c.plain.gateway.p50 - c.plain.direct.p50 : null;
  const turns = s.ok ? s.turns.turnsPerSec : null;
  const page = s.ok ? s.history.calls.p50 : null;
  const rss = s.ok ? mb(s.idleRssKiB) : null;
  const round = s.ok ? s.toolRound.addedP50Ms : null;
  return [
    { name: "chat completions latency added by the gateway, p50", metric: "completionsAddedP50Ms", value: r2(added), goal: `< ${AGENT_GOALS.addedP50Ms} ms`, pass: added !== null && added < AGENT_GOALS.addedP50Ms },
    { name: "chat turns/s over the WebSocket (50 sessions)", metric: "chatTurnsPerSec", value: r1(turns), goal: `>= ${AGENT_GOALS.turnsPerSec}`, pass: turns !== null && turns >= AGENT_GOALS.turnsPerSec },
    { name: "chat.history page (limit 200, 10k messages), p50", metric: "historyPageMs", value: r2(page), goal: `< ${AGENT_GOALS.historyPageMs} ms`, pass: page !== null && page < AGENT_GOALS.historyPageMs },
    { name: "idle RSS with one provider, after one turn", metric: "idleRssWithProviderMB", value: rss, goal: `< ${AGENT_GOALS.idleRssMB} MB`, pass: rss !== null && rss < AGENT_GOALS.idleRssMB },
    { name: "one tool round over the provider's own time, p50", metric: "toolRoundAddedP50Ms", value: r2(round), goal: `< ${AGENT_GOALS.toolRoundAddedP50Ms} ms`, pass: round !== null && round < AGENT_GOALS.toolRoundAddedP50Ms },
  ];
}

/** Rows for the suite's table (metric, gateway, baseline, ratio g/b, goal, result); baseline = the stand-in direct. */
export function agentRows(s: AgentSection | AgentSectionFailure, idleRssNoProviderKiB: number | null): string[][] {
  const goals = agentGoals(s);
  const result = (i: number) => (goals[i].pass ? "PASS" : "FAIL");
  if (!s.ok) return [["agent section", "failed", "", "", "", "FAIL"]];
  const { completions: c, turns: t, capacity: k, history: h } = s;
  const ratio = (a: number, b: number) => fmt(r2(a / b));
  const addedP50 = c.plain.gateway.p50 - c.plain.direct.p50;
  const addedP99 = c.plain.gateway.p99 - c.plain.direct.p99;
  const ttfbAdded = c.stream.gateway.firstContent.p50 - c.stream.direct.firstContent.p50;
  const cpuOf = (cpu: TurnsResult["cpu"], name: string) => cpu[name];
  const gCpu = cpuOf(t.cpu, "gateway");
  const sCpu = cpuOf(t.cpu, "standIn");
  return [
    ["chat completions p50, ms (baseline: stand-in)", fmt(c.plain.gateway.p50), fmt(c.plain.direct.p50), ratio(c.plain.gateway.p50, c.plain.direct.p50), "", ""],
    ["  p99, ms", fmt(c.plain.gateway.p99), fmt(c.plain.direct.p99), ratio(c.plain.gateway.p99, c.plain.direct.p99), "", ""],
    ["  added by the gateway p50 / p99, ms", pair(r2(addedP50), r2(addedP99)), "", "", `< ${AGENT_GOALS.addedP50Ms} (p50)`, result(0)],
    ["  stream first content p50 / p99, ms", pair(c.stream.gateway.firstContent.p50, c.stream.gateway.firstContent.p99), pair(c.stream.direct.firstContent.p50, c.stream.direct.firstContent.p99), ratio(c.stream.gateway.firstContent.p50, c.stream.direct.firstContent.p50), "", ""],
    ["  stream first content added p50, ms", fmt(r2(ttfbAdded)), "", "", "", ""],
    ["  gateway CPU per completion, us", fmt(c.gatewayCpuUsPerRequest), "", "", "", ""],
    ["chat turns/s, WS, 50 sessions (b: stand-in req/s)", fmt(t.turnsPerSec), fmt(k.requestsPerSec), ratio(t.turnsPerSec, k.requestsPerSec), `>= ${AGENT_GOALS.turnsPerSec}`, result(1)],
    ["  turn latency p50 / p99 (b: request), ms", pair(t.latencyMs.p50, t.latencyMs.p99), pair(k.latencyMs.p50, k.latencyMs.p99), "", "", ""],
    ["  CPU per turn (b: stand-in per request), us", fmt(gCpu?.usPerOp), fmt(cpuOf(k.cpu, "standIn")?.usPerOp), "", "", ""],
    ["  gateway / stand-in / loadgen CPU, cores", `${fmt(gCpu?.util)} / ${fmt(sCpu?.util)} / ${t.loadCpuUtil}`, `- / ${fmt(cpuOf(k.cpu, "standIn")?.util)} / ${k.loadCpuUtil}`, "", "", ""],
    ["  frames / bytes per turn per connection", `${fmt(t.framesPerTurnPerConnection)} / ${fmt(t.bytesPerTurnPerConnection)}`, "", "", "", ""],
    [`chat.history limit ${AGENT_PLAN.history.limit}, 10k msgs p50, ms`, fmt(h.calls.p50), "", "", `< ${AGENT_GOALS.historyPageMs}`, result(2)],
    ["  p99 / max, ms", pair(h.calls.p99, h.calls.max), "", "", "", ""],
    ["  page messages / bytes", `${h.pageMessages} / ${h.pageBytes}`, "", "", "", ""],
    ["  offset walk pages, page p50 / max, ms", `${h.walk.pages}: ${pair(h.walk.page.p50, h.walk.page.max)}`, "", "", "", ""],
    ["idle RSS, provider + 1 turn / no provider, MB", pair(mb(s.idleRssKiB), mb(idleRssNoProviderKiB)), "", "", `< ${AGENT_GOALS.idleRssMB}`, result(3)],
    ["  RSS after agent load, MB", fmt(mb(s.rssAfterLoadKiB)), "", "", "", ""],
    ["turn with one no-op tool round p50, ms (b: plain turn)", fmt(s.toolRound.toolRound.p50), fmt(s.toolRound.plain.p50), ratio(s.toolRound.toolRound.p50, s.toolRound.plain.p50), "", ""],
    ["  round added beyond the provider's own time p50, ms", fmt(r2(s.toolRound.addedP50Ms)), fmt(s.toolRound.direct.p50), "", `< ${AGENT_GOALS.toolRoundAddedP50Ms}`, result(4)],
  ];
}

export function agentJson(s: AgentSection | AgentSectionFailure): Record<string, unknown> {
  const goals = agentGoals(s);
  if (!s.ok) return { ok: false, error: s.error, seconds: r1(s.seconds), goals };
  const c = s.completions;
  return {
    ok: true,
    seconds: r1(s.seconds),
    plan: AGENT_PLAN,
    prefillMs: r1(s.prefillMs),
    completions: {
      ...c,
      addedMs: { p50: r2(c.plain.gateway.p50 - c.plain.direct.p50), p99: r2(c.plain.gateway.p99 - c.plain.direct.p99), mean: r2(c.plain.gateway.mean - c.plain.direct.mean) },
      streamFirstContentAddedMs: { p50: r2(c.stream.gateway.firstContent.p50 - c.stream.direct.firstContent.p50), p99: r2(c.stream.gateway.firstContent.p99 - c.stream.direct.firstContent.p99) },
      ratioP50: r2(c.plain.gateway.p50 / c.plain.direct.p50),
    },
    turns: s.turns,
    standInCapacity: s.capacity,
    turnsVsStandIn: r2(s.turns.turnsPerSec / s.capacity.requestsPerSec),
    history: s.history,
    toolRound: s.toolRound,
    idleRssWithProviderMB: mb(s.idleRssKiB),
    rssAfterLoadMB: mb(s.rssAfterLoadKiB),
    warmTurnMs: s.warmTurnMs,
    errors: s.errors,
    goals,
  };
}

/** Standalone: `node dist/bench/agents.js` runs only this section (for profiling and iteration). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runSectionStandalone("agents", runAgentSection, (s) => agentRows(s, null), "AGENTS_JSON", agentJson);
}
