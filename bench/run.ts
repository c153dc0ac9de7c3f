/**
 * openclaw-gateway benchmark suite (`npm run bench`).
 *
 * Measures the real gateway CLI process (`node dist/openclaw.mjs gateway`, the installed `openclaw` bin) against a bare `ws`
 * baseline server (dist/bench/baseline-server.js), both as separate processes, driven by the same
 * load generator (dist/bench/load.js) in a third process. The machine is shared and noisy, so
 * the headline figures are ratios taken in the same run; absolute numbers are for context.
 *
 *  1. cold start: spawn -> first 200 from GET /healthz (polled every 5 ms), median of 5
 *  2. idle RSS: VmRSS after start, one connect + health call, and ~2 s idle
 *  3. health RPC throughput: 10 connections x 8 in flight, 1 s warm-up + 5 s window, vs baseline
 *  4. handshakes/s: 4 parallel connect loops, 0.5 s warm-up + 3 s window, vs baseline
 *  5. agents (bench/agents.ts): the gateway with the provider stand-in configured, vs the stand-in
 *     called directly: completions latency, chat turns/s, chat.history on 10k messages, idle RSS
 *  6. channels (bench/channels.ts): Telegram through the Bot API stand-in, DM -> reply latency vs
 *     the provider called directly, msgs/s through one bot vs /v1/chat/completions, and idle RSS
 *     with telegram + irc (a real ngircd) + whatsapp (unlinked) configured
 *  7. control UI (bench/ui.ts): gzip/brotli size of the UI's JS + CSS; in Debian's Chromium,
 *     navigation -> connected and the last page of a 10k-message session rendered, then scrolled
 *     to its first message (skipped when Chromium is not installed)
 *
 * BENCH_ONLY=channels runs only section 6 (same table columns, a BENCH_JSON with just that section).
 *
 * Throughput and handshakes run in two rounds with alternating server order (G,B then B,G); each
 * server's figure is its best round (noise on a shared box only ever slows things down).
 * Prints a table and a final `BENCH_JSON {...}` line. Exit code 0 unless the bench itself
 * failed; set BENCH_STRICT=1 to also exit 1 when a goal is missed.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import {
  BENCH_TOKEN,
  HOST,
  captureGatewayPayloads,
  clockTicks,
  freePort,
  killAllChildren,
  median,
  procRssKiB,
  sleep,
  spawnNode,
  stopProcess,
  waitHealthy,
  type Managed,
} from "./common.js";
import type { LoadConfig, LoadResult } from "./load.js";
import { agentGoals, agentJson, agentRows, runAgentSection, AGENT_PLAN } from "./agents.js";
import { channelGoals, channelJson, channelRows, runChannelSection, CHANNEL_PLAN, type ChannelSection, type ChannelSectionFailure } from "./channels.js";
import { uiGoals, uiJson, uiRows, runUiSection, UI_PLAN } from "./ui.js";

const GOALS = { coldStartMs: 300, idleRssMB: 70, rpcRatio: 0.7, deviceHandshakeRatio: 0.8 } as const;
const COLD_RUNS = 5;
const ROUNDS = 2;
const IDLE_MS = 2000;
const RPC = { connections: 10, inflight: 8, warmupMs: 1000, durationMs: 5000 };
const HANDSHAKE = { loops: 4, warmupMs: 500, durationMs: 3000 };
const GLOBAL_TIMEOUT_MS = 300_000;

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const repoRoot = resolve(here, "..", "..");
const cliPath = join(repoRoot, "dist", "openclaw.mjs");
const loadPath = join(here, "load.js");
const baselinePath = join(here, "baseline-server.js");
const CLK_TCK = clockTicks();

type Kind = "gateway" | "baseline";

type Workspace = { root: string; home: string; stateDir: string; configPath: string; logPath: string; payloadsPath: string };

function makeWorkspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), "openclaw-bench-"));
  const home = join(root, "home");
  const stateDir = join(root, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const configPath = join(stateDir, "openclaw.json");
  const logPath = join(root, "gw.log");
  writeFileSync(
    configPath,
    JSON.stringify({ gateway: { mode: "local", auth: { mode: "token", token: BENCH_TOKEN } }, logging: { file: logPath } }, null, 2),
    { mode: 0o600 },
  );
  return { root, home, stateDir, configPath, logPath, payloadsPath: join(root, "payloads.json") };
}

function gatewayEnv(ws: Workspace): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENCLAW_")) env[k] = v;
  env.HOME = ws.home;
  env.OPENCLAW_STATE_DIR = ws.stateDir;
  env.OPENCLAW_CONFIG_PATH = ws.configPath;
  return env;
}

type Server = { kind: Kind; proc: Managed; port: number; spawnedAt: number; healthyAt: number };

async function startServer(kind: Kind, ws: Workspace): Promise<Server> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const proc =
    kind === "gateway"
      ? spawnNode(cliPath, ["gateway", "--port", String(port)], { cwd: repoRoot, env: gatewayEnv(ws), marker: "gateway ready" })
      : spawnNode(baselinePath, [String(port), ws.payloadsPath], { cwd: repoRoot, marker: "baseline ready" });
  try {
    const healthyAt = await waitHealthy(proc, port, { intervalMs: 5, timeoutMs: 15_000 });
    return { kind, proc, port, spawnedAt, healthyAt };
  } catch (err) {
    await stopProcess(proc, 1000);
    throw err;
  }
}

async function stopServer(s: Server): Promise<number | null> {
  const ms = await stopProcess(s.proc, 5000);
  const info = s.proc.exitInfo();
  if (ms === null) process.stderr.write(`warning: ${s.kind} did not stop on SIGTERM within 5 s; killed\n`);
  else if (info && info.code !== 0 && info.code !== null) process.stderr.write(`warning: ${s.kind} exited with code ${info.code}\n${s.proc.tail()}\n`);
  return ms;
}

async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  const proc = spawnNode(loadPath, [JSON.stringify(cfg)], { cwd: repoRoot, captureStdout: true });
  const limit = cfg.warmupMs + cfg.durationMs + 25_000;
  const finished = await proc.waitExit(limit);
  if (!finished) {
    await stopProcess(proc, 500);
    throw new Error(`load generator (${cfg.mode}) did not finish within ${limit} ms:\n${proc.tail()}`);
  }
  const info = proc.exitInfo();
  if (info?.code !== 0) throw new Error(`load generator (${cfg.mode}) failed (${JSON.stringify(info)}):\n${proc.tail()}`);
  const line = proc.stdout().trim().split("\n").pop() ?? "";
  return JSON.parse(line) as LoadResult;
}

// ---------------------------------------------------------------------------------------------

type ColdStart = { spawnToHealthyMs: number[]; spawnToReadyLineMs: number[]; stopMs: number[] };

async function coldStarts(ws: Workspace, kind: Kind, runs: number): Promise<ColdStart> {
  const out: ColdStart = { spawnToHealthyMs: [], spawnToReadyLineMs: [], stopMs: [] };
  for (let i = 0; i < runs; i++) {
    const s = await startServer(kind, ws);
    out.spawnToHealthyMs.push(s.healthyAt - s.spawnedAt);
    const marker = s.proc.markerAt();
    if (marker !== null) out.spawnToReadyLineMs.push(marker - s.spawnedAt);
    const stopped = await stopServer(s);
    if (stopped !== null) out.stopMs.push(stopped);
  }
  return out;
}

type Session = {
  kind: Kind;
  round: number;
  idleRssKiB: number | null;
  rpc: LoadResult;
  rssAfterRpcKiB: number | null;
  handshake: LoadResult;
  /** Gateway sessions only: the same handshakes with a signed device identity. */
  deviceHandshake: LoadResult | null;
  stopMs: number | null;
};

async function session(kind: Kind, round: number, ws: Workspace): Promise<Session> {
  const s = await startServer(kind, ws);
  try {
    // One connect + one health call, then idle, then RSS. (The gateway's capture happened once
    // up front; this call keeps both servers' histories identical.)
    await captureGatewayPayloads(s.port, BENCH_TOKEN);
    await sleep(IDLE_MS);
    const idleRssKiB = procRssKiB(s.proc.pid);
    const url = `ws://${HOST}:${s.port}/`;
    const rpc = await runLoad({ mode: "rpc", url, token: BENCH_TOKEN, serverPid: s.proc.pid, clockTicks: CLK_TCK, ...RPC });
    const rssAfterRpcKiB = procRssKiB(s.proc.pid);
    const handshake = await runLoad({ mode: "handshake", url, token: BENCH_TOKEN, serverPid: s.proc.pid, clockTicks: CLK_TCK, ...HANDSHAKE });
    // The gateway only: the same handshakes with a signed device identity (verify, pairing lookup, token issue).
    const deviceHandshake = kind === "gateway" ? await runLoad({ mode: "handshake", device: true, url, token: BENCH_TOKEN, serverPid: s.proc.pid, clockTicks: CLK_TCK, ...HANDSHAKE }) : null;
    if (s.proc.exited()) throw new Error(`${kind} exited during the run:\n${s.proc.tail()}`);
    const stopMs = await stopServer(s);
    return { kind, round, idleRssKiB, rpc, rssAfterRpcKiB, handshake, deviceHandshake, stopMs };
  } finally {
    if (!s.proc.exited()) await stopProcess(s.proc, 2000);
  }
}

// ---------------------------------------------------------------------------------------------

const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
const r2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const r3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);
const mb = (kib: number | null) => (kib === null ? null : Math.round((kib / 1024) * 10) / 10);
const fmt = (x: number | null | undefined, unit = "") => (x === null || x === undefined ? "n/a" : `${x}${unit}`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join("\n");
}

function best(sessions: Session[], kind: Kind, pick: (s: Session) => number): Session {
  const mine = sessions.filter((s) => s.kind === kind);
  return mine.reduce((a, b) => (pick(b) > pick(a) ? b : a));
}

let workspaceRoot: string | null = null;

const CHANNEL_NOTE =
  `channel rows: one gateway with the provider stand-in and channels.telegram on the Bot API stand-in (in the bench process, long polling, ` +
  `dmScope per-channel-peer); latency: ${CHANNEL_PLAN.latency.messages} sequential DMs from one user after ${CHANNEL_PLAN.latency.warmup} warm-up, ` +
  `inject -> sendMessage at the stand-in, interleaved with plain requests to the provider directly (baseline) and via /v1/chat/completions; ` +
  `msgs/s: ${CHANNEL_PLAN.throughput.messages} DMs from ${CHANNEL_PLAN.throughput.users} users injected at once vs the same through /v1/chat/completions ` +
  `from ${CHANNEL_PLAN.throughput.users} clients, ${CHANNEL_PLAN.throughput.rounds} alternating rounds, best each; idle RSS: after every account settled and ` +
  `${CHANNEL_PLAN.idleMs / 1000} s idle, next to the bare baseline server and a gateway without channels idling alongside.\n`;

function channelSection(ws: Workspace): Promise<ChannelSection | ChannelSectionFailure> {
  process.stdout.write(
    `channels: telegram stand-in + provider stand-in + gateway (${CHANNEL_PLAN.latency.messages} sequential DMs, ` +
      `${CHANNEL_PLAN.throughput.messages} DMs from ${CHANNEL_PLAN.throughput.users} users x ${CHANNEL_PLAN.throughput.rounds} rounds, idle RSS with telegram + irc + whatsapp)…\n`,
  );
  return runChannelSection({ root: ws.root, repoRoot, cliPath, benchDir: here, clockTicks: CLK_TCK }, (line) => process.stdout.write(line + "\n"));
}

/** BENCH_ONLY=channels: just the channel section, with the same table columns and a BENCH_JSON of its own. */
async function channelsOnly(ws: Workspace, t0: number): Promise<void> {
  const channels = await channelSection(ws);
  const goals = channelGoals(channels);
  const anyErrors = channels.ok && channels.errors > 0;
  const rows: string[][] = [["metric", "gateway", "baseline", "ratio g/b", "goal", "result"], ...channelRows(channels)];
  const totalSeconds = (performance.now() - t0) / 1000;
  process.stdout.write("\n" + table(rows) + "\n\n" + CHANNEL_NOTE);
  if (!channels.ok) process.stdout.write(`WARNING: channel section failed: ${channels.error}\n`);
  if (anyErrors) process.stdout.write("WARNING: some channel messages or requests failed; see BENCH_JSON errors fields.\n");
  const allPass = goals.every((g) => g.pass) && !anyErrors && channels.ok;
  process.stdout.write(`goals: ${goals.filter((g) => g.pass).length}/${goals.length} pass${anyErrors ? " (errors seen)" : ""}; total ${totalSeconds.toFixed(1)} s\n`);
  const json = { version: 1, only: ["channels"], node: process.version, cpus: cpus().length, totalSeconds: r1(totalSeconds), channels: channelJson(channels), goals, errors: anyErrors, allPass };
  process.stdout.write("BENCH_JSON " + JSON.stringify(json) + "\n");
  if (process.env.BENCH_STRICT === "1" && !allPass) process.exitCode = 1;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const ws = makeWorkspace();
  workspaceRoot = ws.root;
  let completed = false;
  try {
    process.stdout.write(`openclaw-gateway bench — node ${process.version}, ${cpus().length} cpus, ${Math.round(totalmem() / 2 ** 30)} GiB\n`);
    process.stdout.write(`workspace ${ws.root}\n\n`);
    const only = process.env.BENCH_ONLY?.trim();
    if (only) {
      if (only !== "channels") throw new Error(`BENCH_ONLY=${only}: only "channels" is supported`);
      await channelsOnly(ws, t0);
      completed = true;
      return;
    }

    // Capture one real hello-ok and health payload so the baseline answers with the same frames.
    process.stdout.write("capturing gateway payloads…\n");
    {
      const g = await startServer("gateway", ws);
      try {
        const captured = await captureGatewayPayloads(g.port, BENCH_TOKEN);
        writeFileSync(ws.payloadsPath, JSON.stringify({ hello: captured.hello, health: captured.health }));
        process.stdout.write(`  hello-ok frame ${captured.helloBytes} B, health frame ${captured.healthBytes} B\n`);
      } finally {
        await stopServer(g);
      }
    }

    process.stdout.write(`cold start: ${COLD_RUNS} runs each…\n`);
    const coldG: ColdStart = { spawnToHealthyMs: [], spawnToReadyLineMs: [], stopMs: [] };
    const coldB: ColdStart = { spawnToHealthyMs: [], spawnToReadyLineMs: [], stopMs: [] };
    for (let i = 0; i < COLD_RUNS; i++) {
      // Interleave so drift on the machine hits both the same way.
      for (const [kind, acc] of [["gateway", coldG], ["baseline", coldB]] as const) {
        const one = await coldStarts(ws, kind, 1);
        acc.spawnToHealthyMs.push(...one.spawnToHealthyMs);
        acc.spawnToReadyLineMs.push(...one.spawnToReadyLineMs);
        acc.stopMs.push(...one.stopMs);
      }
    }
    process.stdout.write(`  gateway  ${coldG.spawnToHealthyMs.map((x) => x.toFixed(0)).join(", ")} ms\n`);
    process.stdout.write(`  baseline ${coldB.spawnToHealthyMs.map((x) => x.toFixed(0)).join(", ")} ms\n`);

    const sessions: Session[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Kind[] = round % 2 === 1 ? ["gateway", "baseline"] : ["baseline", "gateway"];
      for (const kind of order) {
        process.stdout.write(`round ${round}: ${kind} (idle ${IDLE_MS} ms, rpc ${RPC.warmupMs}+${RPC.durationMs} ms, handshakes ${HANDSHAKE.warmupMs}+${HANDSHAKE.durationMs} ms)…\n`);
        const s = await session(kind, round, ws);
        sessions.push(s);
        process.stdout.write(
          `  rss ${fmt(mb(s.idleRssKiB), " MB")}, rpc ${s.rpc.opsPerSec} resp/s (p99 ${s.rpc.latencyMs.p99} ms, errors ${s.rpc.errors}), ` +
            `handshakes ${s.handshake.opsPerSec}/s (errors ${s.handshake.errors})\n`,
        );
      }
    }

    process.stdout.write(
      `agents: provider stand-in + gateway (completions ${AGENT_PLAN.completions.requests} sequential each way, ` +
        `turns ${AGENT_PLAN.turns.warmupMs}+${AGENT_PLAN.turns.durationMs} ms, chat.history on ${AGENT_PLAN.history.turns * 2} messages)…\n`,
    );
    const agents = await runAgentSection({ root: ws.root, repoRoot, cliPath, benchDir: here, clockTicks: CLK_TCK }, (line) => process.stdout.write(line + "\n"));
    const channels = await channelSection(ws);
    process.stdout.write(
      `control UI: asset sizes; Chromium: navigation -> connected x ${UI_PLAN.connectRuns}, last page of ${UI_PLAN.historyTurns * 2} messages + scroll to the first x ${UI_PLAN.renderRuns}…\n`,
    );
    const ui = await runUiSection({ root: ws.root, repoRoot, cliPath, benchDir: here, clockTicks: CLK_TCK }, (line) => process.stdout.write(line + "\n"));

    // ---- aggregate ----
    const coldMedian = median(coldG.spawnToHealthyMs);
    const coldBaseMedian = median(coldB.spawnToHealthyMs);
    const gSessions = sessions.filter((s) => s.kind === "gateway");
    const bSessions = sessions.filter((s) => s.kind === "baseline");
    const rssValues = gSessions.map((s) => s.idleRssKiB).filter((x): x is number => x !== null);
    const idleRssKiB = rssValues.length ? Math.max(...rssValues) : null;
    const baseRssValues = bSessions.map((s) => s.idleRssKiB).filter((x): x is number => x !== null);
    const baseIdleRssKiB = baseRssValues.length ? Math.max(...baseRssValues) : null;
    const gRpc = best(sessions, "gateway", (s) => s.rpc.opsPerSec).rpc;
    const bRpc = best(sessions, "baseline", (s) => s.rpc.opsPerSec).rpc;
    const gHs = best(sessions, "gateway", (s) => s.handshake.opsPerSec).handshake;
    const bHs = best(sessions, "baseline", (s) => s.handshake.opsPerSec).handshake;
    const rpcRatio = gRpc.opsPerSec / bRpc.opsPerSec;
    // Signed-device connects against token-only connects of the same gateway, best round of each.
    const gDeviceHs = best(sessions, "gateway", (s) => s.deviceHandshake?.opsPerSec ?? 0).deviceHandshake!;
    const deviceHsRatio = gDeviceHs.opsPerSec / gHs.opsPerSec;
    const hsRatio = gHs.opsPerSec / bHs.opsPerSec;
    const rpcRatioPerRound = Array.from({ length: ROUNDS }, (_, i) => {
      const g = gSessions.find((s) => s.round === i + 1);
      const b = bSessions.find((s) => s.round === i + 1);
      return g && b ? r3(g.rpc.opsPerSec / b.rpc.opsPerSec) : null;
    });
    const hsRatioPerRound = Array.from({ length: ROUNDS }, (_, i) => {
      const g = gSessions.find((s) => s.round === i + 1);
      const b = bSessions.find((s) => s.round === i + 1);
      return g && b ? r3(g.handshake.opsPerSec / b.handshake.opsPerSec) : null;
    });
    const cpuCostRatio = gRpc.serverCpuUsPerOp !== null && bRpc.serverCpuUsPerOp !== null ? gRpc.serverCpuUsPerOp / bRpc.serverCpuUsPerOp : null;
    const hsCpuCostRatio = gHs.serverCpuUsPerOp !== null && bHs.serverCpuUsPerOp !== null ? gHs.serverCpuUsPerOp / bHs.serverCpuUsPerOp : null;
    const anyErrors = sessions.some((s) => s.rpc.errors > 0 || s.handshake.errors > 0) || (agents.ok && agents.errors > 0) || (channels.ok && channels.errors > 0) || (ui.ok && ui.errors > 0);

    const goals = [
      { name: "cold start median (spawn -> /healthz 200)", metric: "coldStartMs", value: r1(coldMedian), goal: `< ${GOALS.coldStartMs} ms`, pass: coldMedian < GOALS.coldStartMs },
      { name: "idle RSS (max over rounds)", metric: "idleRssMB", value: mb(idleRssKiB), goal: `< ${GOALS.idleRssMB} MB`, pass: idleRssKiB !== null && idleRssKiB / 1024 < GOALS.idleRssMB },
      { name: "health RPC throughput gateway/baseline", metric: "rpcRatio", value: r3(rpcRatio), goal: `>= ${GOALS.rpcRatio}`, pass: rpcRatio >= GOALS.rpcRatio },
      { name: "connects/s with a signed device vs token-only", metric: "deviceHandshakeRatio", value: r3(deviceHsRatio), goal: `>= ${GOALS.deviceHandshakeRatio}`, pass: deviceHsRatio >= GOALS.deviceHandshakeRatio },
      ...agentGoals(agents),
      ...channelGoals(channels),
      ...uiGoals(ui),
    ];

    const rows: string[][] = [
      ["metric", "gateway", "baseline", "ratio g/b", "goal", "result"],
      ["cold start median, ms", fmt(r1(coldMedian)), fmt(r1(coldBaseMedian)), fmt(r2(coldMedian / coldBaseMedian)), `< ${GOALS.coldStartMs}`, goals[0].pass ? "PASS" : "FAIL"],
      ["cold start min..max, ms", `${r1(Math.min(...coldG.spawnToHealthyMs))}..${r1(Math.max(...coldG.spawnToHealthyMs))}`, `${r1(Math.min(...coldB.spawnToHealthyMs))}..${r1(Math.max(...coldB.spawnToHealthyMs))}`, "", "", ""],
      ["spawn -> ready line median, ms", fmt(r1(median(coldG.spawnToReadyLineMs))), fmt(r1(median(coldB.spawnToReadyLineMs))), "", "", ""],
      ["SIGTERM -> exit median, ms", fmt(r1(median(coldG.stopMs))), fmt(r1(median(coldB.stopMs))), "", "", ""],
      ["idle RSS, MB", fmt(mb(idleRssKiB)), fmt(mb(baseIdleRssKiB)), fmt(r2(idleRssKiB !== null && baseIdleRssKiB ? idleRssKiB / baseIdleRssKiB : null)), `< ${GOALS.idleRssMB}`, goals[1].pass ? "PASS" : "FAIL"],
      ["RSS after rpc load, MB", fmt(mb(Math.max(...gSessions.map((s) => s.rssAfterRpcKiB ?? 0)))), fmt(mb(Math.max(...bSessions.map((s) => s.rssAfterRpcKiB ?? 0)))), "", "", ""],
      ["health RPC, resp/s (best round)", fmt(r1(gRpc.opsPerSec)), fmt(r1(bRpc.opsPerSec)), fmt(r3(rpcRatio)), `>= ${GOALS.rpcRatio}`, goals[2].pass ? "PASS" : "FAIL"],
      ["  per-round ratios", "", "", rpcRatioPerRound.map((x) => fmt(x)).join(" / "), "", ""],
      ["  latency p50 / p99, ms", `${gRpc.latencyMs.p50} / ${gRpc.latencyMs.p99}`, `${bRpc.latencyMs.p50} / ${bRpc.latencyMs.p99}`, "", "", ""],
      ["  server CPU per resp, us", fmt(gRpc.serverCpuUsPerOp), fmt(bRpc.serverCpuUsPerOp), fmt(r2(cpuCostRatio)), "", ""],
      ["  server / loadgen CPU, cores", `${fmt(gRpc.serverCpuUtil)} / ${gRpc.loadCpuUtil}`, `${fmt(bRpc.serverCpuUtil)} / ${bRpc.loadCpuUtil}`, "", "", ""],
      ["  response frame, bytes", String(gRpc.responseBytes), String(bRpc.responseBytes), "", "", ""],
      ["handshakes/s (best round)", fmt(r1(gHs.opsPerSec)), fmt(r1(bHs.opsPerSec)), fmt(r3(hsRatio)), "(info)", ""],
      ["  per-round ratios", "", "", hsRatioPerRound.map((x) => fmt(x)).join(" / "), "", ""],
      ["  latency p50 / p99, ms", `${gHs.latencyMs.p50} / ${gHs.latencyMs.p99}`, `${bHs.latencyMs.p50} / ${bHs.latencyMs.p99}`, "", "", ""],
      ["  server CPU per handshake, us", fmt(gHs.serverCpuUsPerOp), fmt(bHs.serverCpuUsPerOp), fmt(r2(hsCpuCostRatio)), "", ""],
      ["handshakes/s, signed device (b: token only, same gateway)", fmt(r1(gDeviceHs.opsPerSec)), fmt(r1(gHs.opsPerSec)), fmt(r3(deviceHsRatio)), `>= ${GOALS.deviceHandshakeRatio}`, goals[3].pass ? "PASS" : "FAIL"],
      ["  latency p50 / p99, ms", `${gDeviceHs.latencyMs.p50} / ${gDeviceHs.latencyMs.p99}`, "", "", "", ""],
      ["  server CPU per handshake, us", fmt(gDeviceHs.serverCpuUsPerOp), fmt(gHs.serverCpuUsPerOp), "", "", ""],
      ...agentRows(agents, idleRssKiB),
      ...channelRows(channels),
      ...uiRows(ui),
    ];
    const totalSeconds = (performance.now() - t0) / 1000;
    process.stdout.write("\n" + table(rows) + "\n\n");
    process.stdout.write(
      `rpc: ${RPC.connections} connections x ${RPC.inflight} in flight, ${RPC.warmupMs} ms warm-up + ${RPC.durationMs} ms window; ` +
        `handshakes: ${HANDSHAKE.loops} loops, ${HANDSHAKE.warmupMs} ms warm-up + ${HANDSHAKE.durationMs} ms window; ` +
        `${ROUNDS} rounds (orders G,B / B,G), best round per server. Baseline = bare ws server replying with the captured frames.\n` +
        `agent rows: one gateway with the provider stand-in (zero latency) configured; baseline = the stand-in called directly by the same load generator ` +
        `(completions interleave direct/gateway and plain/stream, one request at a time; turns: ${AGENT_PLAN.turns.connections} connections x ${AGENT_PLAN.turns.sessions / AGENT_PLAN.turns.connections} sessions, one turn in flight each, ` +
        `vs the stand-in at ${AGENT_PLAN.capacity.concurrency} concurrent streaming requests).\n` +
        CHANNEL_NOTE +
        `control UI rows: KB = 1024 bytes, the build's .gz/.br of dist/control-ui/assets/*.{js,css}; browser times are the page's own clock from navigation start ` +
        `to the first DOM change after which the element is visible (wall = page.goto -> Playwright saw it), a fresh context per run, one gateway with the 10k-message session.\n`,
    );
    if (!agents.ok) process.stdout.write(`WARNING: agent section failed: ${agents.error}\n`);
    if (!channels.ok) process.stdout.write(`WARNING: channel section failed: ${channels.error}\n`);
    if (!ui.ok) process.stdout.write(`WARNING: control UI section failed: ${ui.error}\n`);
    else if (ui.browserError) process.stdout.write(`WARNING: control UI browser part failed: ${ui.browserError}\n`);
    if (anyErrors) process.stdout.write("WARNING: some requests/handshakes failed; see BENCH_JSON errors fields.\n");
    const allPass = goals.every((g) => g.pass) && !anyErrors;
    process.stdout.write(`goals: ${goals.filter((g) => g.pass).length}/${goals.length} pass${anyErrors ? " (errors seen)" : ""}; total ${totalSeconds.toFixed(1)} s\n`);

    const json = {
      version: 1,
      node: process.version,
      cpus: cpus().length,
      totalSeconds: r1(totalSeconds),
      config: { coldRuns: COLD_RUNS, rounds: ROUNDS, idleMs: IDLE_MS, rpc: RPC, handshake: HANDSHAKE },
      coldStart: {
        gateway: { medianMs: r1(coldMedian), runsMs: coldG.spawnToHealthyMs.map(r1), readyLineMedianMs: r1(median(coldG.spawnToReadyLineMs)), stopMedianMs: r1(median(coldG.stopMs)) },
        baseline: { medianMs: r1(coldBaseMedian), runsMs: coldB.spawnToHealthyMs.map(r1), stopMedianMs: r1(median(coldB.stopMs)) },
        ratio: r3(coldMedian / coldBaseMedian),
        goalMs: GOALS.coldStartMs,
        pass: goals[0].pass,
      },
      idleRss: {
        gatewayMB: mb(idleRssKiB),
        gatewayPerRoundMB: gSessions.map((s) => mb(s.idleRssKiB)),
        baselineMB: mb(baseIdleRssKiB),
        gatewayAfterRpcMB: gSessions.map((s) => mb(s.rssAfterRpcKiB)),
        goalMB: GOALS.idleRssMB,
        pass: goals[1].pass,
      },
      rpc: {
        gateway: gRpc,
        baseline: bRpc,
        ratio: r3(rpcRatio),
        ratioPerRound: rpcRatioPerRound,
        perRound: sessions.map((s) => ({ kind: s.kind, round: s.round, opsPerSec: s.rpc.opsPerSec, errors: s.rpc.errors })),
        serverCpuCostRatio: r3(cpuCostRatio),
        goalRatio: GOALS.rpcRatio,
        pass: goals[2].pass,
      },
      handshake: {
        gateway: gHs,
        baseline: bHs,
        ratio: r3(hsRatio),
        ratioPerRound: hsRatioPerRound,
        perRound: sessions.map((s) => ({ kind: s.kind, round: s.round, opsPerSec: s.handshake.opsPerSec, errors: s.handshake.errors })),
        serverCpuCostRatio: r3(hsCpuCostRatio),
      },
      agents: agentJson(agents),
      channels: channelJson(channels),
      ui: uiJson(ui),
      goals,
      errors: anyErrors,
      allPass,
    };
    process.stdout.write("BENCH_JSON " + JSON.stringify(json) + "\n");
    if (process.env.BENCH_STRICT === "1" && !allPass) process.exitCode = 1;
    completed = true;
  } finally {
    killAllChildren();
    try {
      // Keep the gateway log when something went wrong; otherwise remove the workspace.
      if (completed) rmSync(ws.root, { recursive: true, force: true });
      else process.stderr.write(`workspace kept: ${ws.root}\n`);
    } catch {
      /* best effort */
    }
  }
}

process.on("exit", killAllChildren);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    killAllChildren();
    if (workspaceRoot) rmSync(workspaceRoot, { recursive: true, force: true });
    process.stderr.write(`\nbench interrupted by ${sig}\n`);
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench exceeded ${GLOBAL_TIMEOUT_MS / 1000} s; aborting\n`);
  killAllChildren();
  process.exit(1);
}, GLOBAL_TIMEOUT_MS);
watchdog.unref();

main().then(
  () => {
    clearTimeout(watchdog);
  },
  (err: Error) => {
    killAllChildren();
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exitCode = 2;
  },
);
