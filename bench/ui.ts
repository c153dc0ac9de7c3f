/**
 * The Control UI section of `npm run bench`:
 *
 *  1. the UI's compressed size: gzip (and brotli) of dist/control-ui/assets/*.js and *.css, from
 *     the .gz/.br copies the build writes (gzipped here at level 9 when a .gz is missing)
 *  2. navigation -> "connected" in Debian's Chromium (playwright-core, test/browser/browser.ts):
 *     a gateway of ours in its own process (token auth), `/#token=…` in a fresh context each run
 *     (no storage, no HTTP cache), until the connection status shows `data-phase="connected"`
 *  3. the last page of a 10,000-message history: the session is filled before the gateway starts
 *     (bench/agents.ts's prefill, the gateway's own store code); `/chat/<key>#token=…` until the
 *     newest message's row is visible; then the message list jumped to the top, frame after
 *     frame, until the first message's row is in the DOM (the list is windowed: the rows in the
 *     DOM stay few while older pages are loaded)
 *
 * Times are taken in the page (performance.now() is ms since navigation start; a MutationObserver
 * installed as an init script records the first DOM change after which the element is visible);
 * the bench-side wall clock (page.goto -> Playwright saw it) is kept next to them.
 * Without Chromium the browser parts report "skipped: chromium not installed".
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import { BENCH_TOKEN, HOST, freePort, median, runSectionStandalone, spawnNode, stopProcess, waitHealthy, type Managed, type SectionPaths } from "./common.js";
import { HISTORY_SESSION, prefillHistory } from "./agents.js";
import { installWatches, walkToTop, type Watch, type WalkResult } from "./ui-page.js";

export const UI_GOALS = { gzipKB: 150 } as const;

export const UI_PLAN = {
  connectRuns: 5,
  renderRuns: 3,
  historyTurns: 5000,
  viewport: { width: 1280, height: 800 },
  waitMs: 30_000,
  walkTimeoutMs: 120_000,
} as const;

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CONNECTED = '[data-testid="connection-status"][data-phase="connected"]';
const MESSAGE = '[data-testid="chat-message"]';
const LIST = '[data-testid="chat-messages"]';
// The prefill's messages: index 2i is "question i: …", 2i + 1 "answer i: …".
const LAST_TEXT = `answer ${UI_PLAN.historyTurns - 1}: `;
const FIRST_TEXT = "question 0: ";

type Goal = { name: string; metric: string; value: number | null; goal: string; pass: boolean };

export type AssetSize = { name: string; rawBytes: number; gzipBytes: number; gzipFrom: "file" | "zlib-9"; brotliBytes: number | null };
export type UiSizes = { files: AssetSize[]; rawBytes: number; gzipBytes: number; brotliBytes: number | null };

export type Timed = { pageMs: number; frameMs: number | null; wallMs: number };
export type RenderRun = Timed & { historyRequests: number; walk: WalkResult & { historyRequests: number } };

export type UiBrowser = { prefillMs: number; messages: number; connect: Timed[]; render: RenderRun[]; consoleErrors: string[] };

export type UiSection = {
  ok: true;
  seconds: number;
  sizes: UiSizes;
  /** Null when skipped or failed. */
  browser: UiBrowser | null;
  skipped: string | null;
  /** The browser part failed (the size part still counts). */
  browserError: string | null;
  errors: number;
};

export type UiSectionFailure = { ok: false; seconds: number; error: string };

/** Sizes of the UI's JS and CSS assets: raw, gzip (the build's .gz or zlib level 9) and brotli (the build's .br, if any). */
export function uiSizes(repoRoot: string): UiSizes {
  const dir = join(repoRoot, "dist", "control-ui", "assets");
  if (!existsSync(dir)) throw new Error(`${dir} is missing: build the UI first (npm run build)`);
  const files: AssetSize[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.(js|css)$/.test(name)) continue;
    const path = join(dir, name);
    const raw = readFileSync(path);
    const gz = existsSync(`${path}.gz`) ? { bytes: readFileSync(`${path}.gz`).length, from: "file" as const } : { bytes: gzipSync(raw, { level: 9 }).length, from: "zlib-9" as const };
    const br = existsSync(`${path}.br`) ? readFileSync(`${path}.br`).length : null;
    files.push({ name, rawBytes: raw.length, gzipBytes: gz.bytes, gzipFrom: gz.from, brotliBytes: br });
  }
  if (files.length === 0) throw new Error(`no .js or .css files in ${dir}`);
  const sum = (f: (a: AssetSize) => number) => files.reduce((n, a) => n + f(a), 0);
  const allBr = files.every((f) => f.brotliBytes !== null);
  return { files, rawBytes: sum((a) => a.rawBytes), gzipBytes: sum((a) => a.gzipBytes), brotliBytes: allBr ? sum((a) => a.brotliBytes!) : null };
}

function writeConfig(dir: string): { home: string; stateDir: string; configPath: string } {
  const home = join(dir, "home");
  const stateDir = join(dir, "state");
  mkdirSync(home, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const configPath = join(stateDir, "openclaw.json");
  const config = { gateway: { mode: "local", auth: { mode: "token", token: BENCH_TOKEN } }, logging: { file: join(dir, "gw.log") } };
  writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { home, stateDir, configPath };
}

type BrowserModule = typeof import("../test/browser/browser.js");

/** One navigation in a fresh context: the in-page time of `watch` (and the next frame), and the wall clock to Playwright seeing it. */
async function timedNavigation(
  browser: BrowserModule,
  url: string,
  watch: Watch,
  consoleErrors: string[],
  after?: (page: Page, historyRequests: () => number) => Promise<void>,
): Promise<Timed & { historyRequests: number }> {
  const { context, page, consoleErrors: errors } = await browser.newPage(UI_PLAN.viewport);
  try {
    let historyRequests = 0;
    page.on("websocket", (ws) => ws.on("framesent", (f) => {
      if (typeof f.payload === "string" && f.payload.includes('"chat.history"')) historyRequests++;
    }));
    await page.addInitScript(installWatches, [watch]);
    const t0 = performance.now();
    await page.goto(url, { waitUntil: "commit", timeout: UI_PLAN.waitMs });
    const target = watch.text === undefined ? page.locator(watch.selector) : page.locator(watch.selector, { hasText: watch.text });
    await target.first().waitFor({ state: "visible", timeout: UI_PLAN.waitMs });
    const wallMs = performance.now() - t0;
    await page.waitForFunction((name) => (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks?.[`${name}:frame`] !== undefined, watch.name, { timeout: 5000 });
    const marks = await page.evaluate(() => (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks);
    const pageMs = marks[watch.name];
    if (pageMs === undefined) throw new Error(`the page recorded no "${watch.name}" mark`);
    const requestsAtRender = historyRequests;
    if (after) await after(page, () => historyRequests);
    return { pageMs, frameMs: marks[`${watch.name}:frame`] ?? null, wallMs, historyRequests: requestsAtRender };
  } finally {
    consoleErrors.push(...errors);
    await context.close();
  }
}

async function runBrowserParts(paths: SectionPaths, dir: string, log: (line: string) => void): Promise<UiBrowser> {
  const ws = writeConfig(dir);
  const prefillMs = await prefillHistory(ws.stateDir, UI_PLAN.historyTurns);
  const messages = UI_PLAN.historyTurns * 2;
  log(`  filled ${HISTORY_SESSION} with ${messages} messages in ${prefillMs.toFixed(0)} ms (store code, before the gateway starts)`);

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENCLAW_")) env[k] = v;
  Object.assign(env, { HOME: ws.home, OPENCLAW_STATE_DIR: ws.stateDir, OPENCLAW_CONFIG_PATH: ws.configPath });
  const port = await freePort();
  let gateway: Managed | null = null;
  const browser: BrowserModule = await import("../test/browser/browser.js");
  try {
    gateway = spawnNode(paths.cliPath, ["gateway", "--port", String(port)], { cwd: paths.repoRoot, env, marker: "gateway ready" });
    await waitHealthy(gateway, port, { intervalMs: 5, timeoutMs: 15_000 });
    await browser.launchBrowser();
    const base = `http://${HOST}:${port}`;
    const consoleErrors: string[] = [];

    const connect: Timed[] = [];
    for (let i = 0; i < UI_PLAN.connectRuns; i++) {
      const { historyRequests: _, ...t } = await timedNavigation(browser, `${base}/#token=${BENCH_TOKEN}`, { name: "connected", selector: CONNECTED }, consoleErrors);
      connect.push(t);
    }
    log(`  navigation -> connected: ${connect.map((t) => t.pageMs.toFixed(0)).join(", ")} ms (wall ${connect.map((t) => t.wallMs.toFixed(0)).join(", ")} ms)`);

    const render: RenderRun[] = [];
    const chatUrl = `${base}/chat/${encodeURIComponent(HISTORY_SESSION)}#token=${BENCH_TOKEN}`;
    for (let i = 0; i < UI_PLAN.renderRuns; i++) {
      let walk: RenderRun["walk"] | null = null;
      const t = await timedNavigation(browser, chatUrl, { name: "last", selector: MESSAGE, text: LAST_TEXT }, consoleErrors, async (page, historyRequests) => {
        const before = historyRequests();
        const w = await page.evaluate(walkToTop, { list: LIST, row: MESSAGE, text: FIRST_TEXT, timeoutMs: UI_PLAN.walkTimeoutMs });
        if (!w.found) throw new Error(`the first message did not appear after ${w.jumps} jumps to the top in ${(w.ms / 1000).toFixed(1)} s (${w.rowsAtEnd} rows in the DOM)`);
        walk = { ...w, historyRequests: historyRequests() - before };
      });
      render.push({ ...t, walk: walk! });
      const w = walk! as RenderRun["walk"];
      log(
        `  run ${i + 1}: last page rendered in ${t.pageMs.toFixed(0)} ms (wall ${t.wallMs.toFixed(0)} ms); to the first message: ${w.ms.toFixed(0)} ms, ` +
          `${w.jumps} jumps, ${w.historyRequests} older pages, rows in the DOM ${w.rowsAtEnd} (max ${w.maxRows})`,
      );
    }
    if (gateway.exited()) throw new Error(`gateway exited during the UI section:\n${gateway.tail()}`);
    return { prefillMs, messages, connect, render, consoleErrors };
  } finally {
    await browser.closeBrowser().catch(() => {});
    if (gateway && !gateway.exited()) await stopProcess(gateway, 5000);
  }
}

/** Runs the whole section; never throws (a failure is reported and the rest of the bench goes on). */
export async function runUiSection(paths: SectionPaths, log: (line: string) => void): Promise<UiSection | UiSectionFailure> {
  const t0 = performance.now();
  let sizes: UiSizes;
  try {
    sizes = uiSizes(paths.repoRoot);
  } catch (err) {
    const error = (err as Error).message;
    log(`  UI section failed: ${error}`);
    return { ok: false, seconds: (performance.now() - t0) / 1000, error };
  }
  log(
    `  assets: ${sizes.files.map((f) => `${f.name} ${f.rawBytes} B, gzip ${f.gzipBytes} B${f.brotliBytes !== null ? `, br ${f.brotliBytes} B` : ""}`).join("; ")}`,
  );
  const done = (browser: UiBrowser | null, skipped: string | null, browserError: string | null): UiSection => ({
    ok: true, seconds: (performance.now() - t0) / 1000, sizes, browser, skipped, browserError, errors: browserError ? 1 : 0,
  });
  if (!existsSync(CHROMIUM)) {
    log("  browser parts skipped: chromium not installed");
    return done(null, "chromium not installed", null);
  }
  try {
    return done(await runBrowserParts(paths, join(paths.root, "ui"), log), null, null);
  } catch (err) {
    const error = (err as Error).message;
    log(`  UI browser part failed: ${error}`);
    return done(null, null, error);
  }
}

const r1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
const kb = (bytes: number | null) => (bytes === null ? null : Math.round((bytes / 1024) * 10) / 10);
const fmt = (x: number | null | undefined) => (x === null || x === undefined || (typeof x === "number" && !Number.isFinite(x)) ? "n/a" : String(x));
const range = (xs: number[]) => (xs.length ? `${r1(Math.min(...xs))}..${r1(Math.max(...xs))}` : "n/a");
const summary = (xs: number[]) => ({ medianMs: r1(median(xs)), minMs: r1(Math.min(...xs)), maxMs: r1(Math.max(...xs)), runsMs: xs.map(r1) });

export function uiGoals(s: UiSection | UiSectionFailure): Goal[] {
  const gz = s.ok ? kb(s.sizes.gzipBytes) : null;
  return [{ name: "Control UI JS + CSS, gzipped", metric: "uiGzipKB", value: gz, goal: `< ${UI_GOALS.gzipKB} KB`, pass: gz !== null && gz < UI_GOALS.gzipKB }];
}

/** Rows for the suite's table (metric, gateway, baseline, ratio g/b, goal, result); no baseline here. */
export function uiRows(s: UiSection | UiSectionFailure): string[][] {
  const goals = uiGoals(s);
  if (!s.ok) return [["control UI section", "failed", "", "", "", "FAIL"]];
  const z = s.sizes;
  const rows: string[][] = [
    ["control UI JS + CSS gzip, KB (b: raw)", fmt(kb(z.gzipBytes)), fmt(kb(z.rawBytes)), fmt(Math.round((z.gzipBytes / z.rawBytes) * 1000) / 1000), `< ${UI_GOALS.gzipKB}`, goals[0].pass ? "PASS" : "FAIL"],
    ["  brotli, KB", fmt(kb(z.brotliBytes)), "", "", "", ""],
  ];
  if (s.skipped) return [...rows, ["control UI in Chromium", `skipped: ${s.skipped}`, "", "", "", ""]];
  if (!s.browser) return [...rows, ["control UI in Chromium", "failed", "", "", "", "FAIL"]];
  const b = s.browser;
  const conn = b.connect.map((t) => t.pageMs);
  const render = b.render.map((t) => t.pageMs);
  const walks = b.render.map((t) => t.walk);
  return [
    ...rows,
    [`UI navigation -> connected median, ms (${b.connect.length} cold)`, fmt(r1(median(conn))), "", "", "(info)", ""],
    ["  min..max / wall median, ms", `${range(conn)} / ${fmt(r1(median(b.connect.map((t) => t.wallMs))))}`, "", "", "", ""],
    [`UI last page of ${b.messages} msgs rendered median, ms`, fmt(r1(median(render))), "", "", "(info)", ""],
    ["  min..max / wall median, ms", `${range(render)} / ${fmt(r1(median(b.render.map((t) => t.wallMs))))}`, "", "", "", ""],
    ["  scroll to first message median, ms", fmt(r1(median(walks.map((w) => w.ms)))), "", "", "", ""],
    ["  jumps / older pages / rows in DOM at end (max)", `${walks[0]?.jumps} / ${walks[0]?.historyRequests} / ${walks.map((w) => w.rowsAtEnd).join(",")} (${Math.max(...walks.map((w) => w.maxRows))})`, "", "", "", ""],
  ];
}

export function uiJson(s: UiSection | UiSectionFailure): Record<string, unknown> {
  const goals = uiGoals(s);
  if (!s.ok) return { ok: false, error: s.error, seconds: r1(s.seconds), goals };
  const b = s.browser;
  return {
    ok: true,
    seconds: r1(s.seconds),
    plan: UI_PLAN,
    sizes: { ...s.sizes, gzipKB: kb(s.sizes.gzipBytes), brotliKB: kb(s.sizes.brotliBytes), rawKB: kb(s.sizes.rawBytes), goalKB: UI_GOALS.gzipKB },
    skipped: s.skipped,
    browserError: s.browserError,
    browser: b && {
      prefillMs: r1(b.prefillMs),
      messages: b.messages,
      connect: { ...summary(b.connect.map((t) => t.pageMs)), frameRunsMs: b.connect.map((t) => r1(t.frameMs)), wall: summary(b.connect.map((t) => t.wallMs)) },
      lastPage: {
        ...summary(b.render.map((t) => t.pageMs)),
        frameRunsMs: b.render.map((t) => r1(t.frameMs)),
        wall: summary(b.render.map((t) => t.wallMs)),
        historyRequests: b.render.map((t) => t.historyRequests),
      },
      scrollToFirst: {
        ...summary(b.render.map((t) => t.walk.ms)),
        jumps: b.render.map((t) => t.walk.jumps),
        frames: b.render.map((t) => t.walk.frames),
        olderPages: b.render.map((t) => t.walk.historyRequests),
        rowsAtEnd: b.render.map((t) => t.walk.rowsAtEnd),
        maxRows: b.render.map((t) => t.walk.maxRows),
      },
      consoleErrors: b.consoleErrors.slice(0, 20),
    },
    errors: s.errors,
    goals,
  };
}

/** Standalone: `node dist/bench/ui.js` runs only this section (for iteration). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runSectionStandalone("ui", runUiSection, uiRows, "UI_JSON", uiJson);
}
