/**
 * The Control UI's pages in a real browser (Debian Chromium via playwright-core) against a real
 * gateway process with a real IRC daemon (ngircd) as its channel and the provider stand-in as its
 * model: every page at desktop and phone width without console errors, the Logs page following
 * the file live, a raw config edit applied hot, and the IRC account's state changing on the
 * Channels page by itself when the daemon goes away.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import JSON5 from "json5";
import type { Locator, Page } from "playwright-core";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { ircAvailable, startIrcDaemon, stopAllIrcDaemons, type IrcDaemon } from "../irc/ngircd.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { ADMIN, baseConfig, connectOperator, startSandboxGateway, useProcessCleanup, waitForLog, waitUntil, type ConfiguredSandbox, type OperatorClient, type Proc } from "./process-harness.js";

const available = ircAvailable();
/** Only the channel test needs ngircd; without it the other pages are tested with no channel configured. */
const noIrc = available.ok ? false : available.reason;

useProcessCleanup();

let standIn: ProviderStandIn;
let daemon: IrcDaemon | undefined;
let gateway: ConfiguredSandbox & { proc: Proc };
let operator: OperatorClient;

const tid = (id: string) => `[data-testid="${id}"]`;
const PAGES = ["chat", "overview", "channels", "approvals", "devices", "sessions", "logs", "config"] as const;
type PageName = (typeof PAGES)[number];

before(async () => {
  standIn = await startProviderStandIn();
  if (!noIrc) daemon = await startIrcDaemon({ channels: ["#ui"] });
  gateway = await startSandboxGateway({
    config: (port, token, logFile) => ({
      ...baseConfig(port, token, logFile),
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `${standIn.url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
      ...(daemon ? { channels: { irc: { host: daemon.host, port: daemon.port, nick: "uibot", channels: ["#ui"] } } } : {}),
    }),
  });
  operator = await connectOperator(gateway.port, gateway.token, { scopes: [...ADMIN, "operator.pairing", "operator.approvals"] });
  // One conversation, so the Chat and Sessions pages have something to show.
  const sent = await operator.request("chat.send", { sessionKey: "agent:main:main", message: "hello from the page tests", idempotencyKey: "ui-pages-hello" });
  assert.equal(sent.ok, true, JSON.stringify(sent.error));
  await waitUntil(async () => {
    const h = await operator.call("chat.history", { sessionKey: "agent:main:main" });
    return h.messages.some((m: { role: string }) => m.role === "assistant");
  }, 10_000, "the first reply");
  if (daemon) await waitUntil(async () => (await ircStatus()).connected === true, 15_000, "the IRC account to connect");
});

after(async () => {
  await closeBrowser();
  await stopAllIrcDaemons();
  await standIn?.close();
});

async function ircStatus(): Promise<Record<string, any>> {
  const res = await operator.request("channels.status", { channel: "irc" });
  return res.payload.channelAccounts.irc[0];
}

async function open(page: Page, route: PageName): Promise<void> {
  await page.goto(`http://127.0.0.1:${gateway.port}/${route}#token=${encodeURIComponent(gateway.token)}`);
  await page.locator(`${tid("connection-status")}[data-phase="connected"]`).waitFor({ timeout: 10_000 });
  await page.locator(tid(`page-${route}`)).waitFor({ timeout: 5000 });
}

/** What shows that a page has loaded its data (not just its frame). */
function ready(page: Page, name: PageName): Locator {
  switch (name) {
    case "chat":
      return page.locator(`${tid("chat-message")}[data-role="assistant"]`, { hasText: "echo: hello from the page tests" });
    case "overview":
      return page.locator(tid("overview-health"), { hasText: /Healthy|Degraded/ });
    case "channels":
      return daemon ? page.locator(`${tid("channel-row")}[data-channel="irc"]`) : page.getByText(/No channels are configured/);
    case "approvals":
      return page.locator(tid("approvals-empty"));
    case "devices":
      return page.getByText(/No nodes yet/);
    case "sessions":
      return page.locator(`${tid("session-row")}[data-key="agent:main:main"]`);
    case "logs":
      return page.locator(tid("log-line")).first();
    case "config":
      return page.locator(`${tid("config-raw")}:not([disabled])`);
  }
}

/** Through the nav (behind the menu button on narrow screens), as a person would. */
async function go(page: Page, name: PageName): Promise<void> {
  const link = page.locator(tid(`nav-${name}`));
  if (!(await link.isVisible())) await page.locator(".nav-toggle").click();
  await link.click();
  await page.locator(tid(`page-${name}`)).waitFor({ timeout: 5000 });
  assert.equal(new URL(page.url()).pathname, `/${name}`);
}

for (const [width, height] of [[1280, 800], [375, 740]] as const) {
  test(`every page at ${width} px renders its data without console errors`, async () => {
    const { page, context, consoleErrors } = await newPage({ width, height });
    await open(page, "chat");
    for (const name of PAGES) {
      if (name !== "chat") await go(page, name);
      await ready(page, name).waitFor({ timeout: 8000 });
      await screenshot(page, `${name}-${width}`);
      assert.deepEqual(consoleErrors, [], `console errors on ${name} at ${width} px`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${name} fits ${width} px without scrolling sideways (overflows by ${overflow} px)`);
    }
    await context.close();
  });
}

test("logs: with Follow on, a new log line shows up within a second", async (t) => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "logs");
  await page.locator(tid("log-line")).first().waitFor({ timeout: 5000 });
  assert.equal(await page.locator(tid("logs-follow")).isChecked(), true, "Follow is on by default");
  const marker = `uimarker${Date.now().toString(36)}`;
  assert.equal(await page.locator(tid("log-line"), { hasText: marker }).count(), 0);
  // Timed in the page on every animation frame (a locator wait polls too coarsely for this).
  const shown = page.waitForFunction(
    (m) => {
      for (const el of document.querySelectorAll('[data-testid="log-line"]')) if (el.textContent?.includes(m)) return Date.now();
      return 0;
    },
    marker,
    { timeout: 5000, polling: "raf" },
  );
  shown.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  // A failed RPC is logged; the unknown method name is the marker.
  const res = await operator.request(`ui.${marker}`, {});
  assert.equal(res.ok, false);
  const record = await waitForLog(gateway.sb.logFile, marker, 3000);
  const written = Date.parse(String(record.time));
  assert.ok(Number.isFinite(written), `log time ${record.time}`);
  const tookMs = Number(await (await shown).jsonValue()) - written;
  const line = page.locator(tid("log-line"), { hasText: marker });
  t.diagnostic(`log line shown ${tookMs} ms after it was written`);
  assert.ok(tookMs < 1000, `the line appeared ${tookMs} ms after it was written`);
  assert.equal(await line.getAttribute("data-level"), "info");
  assert.match(await line.innerText(), /unknown method/);

  // Follow off: newer lines stay away.
  await page.locator(tid("logs-follow")).uncheck();
  const quiet = `uiquiet${Date.now().toString(36)}`;
  await operator.request(`ui.${quiet}`, {});
  await waitForLog(gateway.sb.logFile, quiet, 3000);
  await page.waitForTimeout(1300);
  assert.equal(await page.locator(tid("log-line"), { hasText: quiet }).count(), 0, "not followed while Follow is off");
  await page.locator(tid("logs-follow")).check();
  await page.locator(tid("log-line"), { hasText: quiet }).waitFor({ timeout: 3000 });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("config: a raw edit saved on the Config page is applied live and config.get shows it", async () => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "config");
  const raw = page.locator(`${tid("config-raw")}:not([disabled])`);
  await raw.waitFor({ timeout: 5000 });
  const before = await operator.call("config.get");
  const doc = JSON5.parse(await raw.inputValue()) as Record<string, any>;
  assert.equal(doc.gateway.auth.token, "__OPENCLAW_REDACTED__", "the page never sees the token");
  doc.agents.defaults.timeoutSeconds = 321;
  await raw.fill(JSON.stringify(doc, null, 2));
  await page.locator(tid("config-save")).click();
  const result = page.locator(tid("config-result"));
  await result.waitFor({ timeout: 10_000 });
  const text = await result.innerText();
  assert.match(text, /Saved and (applied live|in effect)/, text);
  assert.match(text, /agents\.defaults\.timeoutSeconds/, text);
  assert.equal(await page.locator(tid("config-error")).count(), 0);

  const afterSave = await operator.call("config.get");
  assert.notEqual(afterSave.hash, before.hash);
  assert.equal(afterSave.appliedConfigHash, afterSave.hash, "the running gateway took the new file");
  assert.equal(afterSave.parsed.agents.defaults.timeoutSeconds, 321);
  assert.equal(afterSave.parsed.gateway.auth.token, "__OPENCLAW_REDACTED__");
  // The placeholder kept the real token: a client with it still connects.
  const again = await connectOperator(gateway.port, gateway.token);
  await again.close();
  await waitForLog(gateway.sb.logFile, /config (hot reload applied|change applied)/, 5000);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("config: a field changed in the schema form is saved as a patch, applied live, and a stale save is refused", async () => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "config");
  const form = page.locator(tid("config-form"));
  await form.waitFor({ timeout: 5000 });
  const field = (path: string) => form.locator(`${tid("config-field")}[data-path="${path}"]`);
  const before = await operator.call("config.get");
  await page.locator(tid("config-section")).selectOption("logging");
  assert.equal(await field("logging.file").inputValue(), before.resolved.logging.file, "a set field shows its value");
  assert.equal(await field("logging.maxFileBytes").inputValue(), "", "an unset field shows empty");
  assert.equal(await field("logging.level").evaluate((el) => el.tagName), "SELECT", "a union of literals is a select");

  await field("logging.maxFileBytes").fill("7654321");
  await page.locator(tid("config-form-save")).click();
  const result = form.locator(tid("config-result"));
  await result.waitFor({ timeout: 10_000 });
  const text = await result.innerText();
  assert.match(text, /Saved and (applied live|in effect)/, text);
  assert.match(text, /logging\.maxFileBytes/, text);
  assert.equal(await page.locator(tid("config-error")).count(), 0);

  const afterSave = await operator.call("config.get");
  assert.notEqual(afterSave.hash, before.hash);
  assert.equal(afterSave.appliedConfigHash, afterSave.hash, "the running gateway took the new file");
  assert.equal(afterSave.parsed.logging.maxFileBytes, 7654321);
  assert.deepEqual({ ...afterSave.parsed, logging: before.parsed.logging }, before.parsed, "only the edited field changed");
  assert.deepEqual({ ...afterSave.parsed.logging, maxFileBytes: undefined }, { ...before.parsed.logging, maxFileBytes: undefined });
  await waitUntil(async () => (await field("logging.maxFileBytes").inputValue()) === "7654321", 5000, "the form to show the saved value");

  // Someone else saves while an edit is pending: the form's save is refused, and Reload shows their value.
  await field("logging.maxFileBytes").fill("8000000");
  await operator.call("config.patch", { raw: JSON.stringify({ logging: { maxFileBytes: 9000000 } }), baseHash: afterSave.hash });
  await page.locator(tid("config-form-save")).click();
  const error = form.locator(tid("config-error"));
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.innerText(), /changed since this page loaded it/);
  await error.getByRole("button", { name: "Reload" }).click();
  await waitUntil(async () => (await field("logging.maxFileBytes").inputValue()) === "9000000", 5000, "the reloaded value");
  assert.equal((await operator.call("config.get")).parsed.logging.maxFileBytes, 9000000);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test("channels: the IRC account shows ready, and changes state live when the daemon goes away", { skip: noIrc }, async (t) => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "channels");
  const row = page.locator(`${tid("channel-row")}[data-channel="irc"][data-account="default"]`);
  await page.locator(`${tid("channel-row")}[data-channel="irc"][data-state="ready"]`).waitFor({ timeout: 10_000 });
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  await daemon!.kill();
  const killed = Date.now();
  await page.locator(`${tid("channel-row")}[data-channel="irc"]:not([data-state="ready"])`).waitFor({ timeout: 10_000 });
  const tookMs = Date.now() - killed;
  const state = await row.getAttribute("data-state");
  assert.ok(["recovering", "starting", "blocked", "stopped"].includes(String(state)), `state ${state}`);
  t.diagnostic(`row went ready -> ${state} ${tookMs} ms after the daemon died`);
  // Well inside the gateway's 60 s periodic health broadcast: this is the lifecycle push.
  assert.ok(tookMs < 3000, `the row changed ${tookMs} ms after the daemon died`);
  assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), true, "the page was not reloaded");
  assert.match(await row.innerText(), /Connected\s*no/);
  await screenshot(page, `channels-${state}-1280`);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
