/**
 * GET /api/diagnostics/prometheus: off unless configured, behind the gateway token, accepted by
 * `promtool check metrics` (Debian's prometheus package), counters that move with RPCs, agent
 * runs and channel messages, and a series count that stays bounded with 10,000 session keys.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { TEST_TOKEN, startFileGateway, startTestGateway } from "./harness.js";
import { ADMIN_SCOPES, chatEnd, chatTurn, client, providerFor, sendChat, startStandIn, tag } from "./agent-harness.js";
import { startTelegramBotApi } from "../stand-ins/telegram-bot-api.js";

const standIn = await startStandIn();
const api = await startTelegramBotApi();
const gw = await startFileGateway({
  extraConfig: {
    diagnostics: { prometheus: { enabled: true } },
    agents: { defaults: { model: { primary: "mock/echo" } } },
    models: { providers: { mock: providerFor(standIn) } },
    channels: { telegram: { botToken: api.token, apiRoot: api.apiRoot, pollTimeoutSeconds: 1, dmPolicy: "open", allowFrom: ["*"] } },
  },
});

after(async () => {
  await gw.stop();
  await api.close();
  await standIn.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${gw.httpUrl}/api/diagnostics/prometheus`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return res.text();
}

/** The value of one series (0 when absent). */
function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function sumOf(text: string, name: string, match: RegExp = /.*/): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && match.test(l))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function until(check: () => Promise<boolean>, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${label}`);
}

test("the endpoint needs the gateway token, and is not there unless configured", async () => {
  assert.equal((await fetch(`${gw.httpUrl}/api/diagnostics/prometheus`)).status, 401);
  assert.equal((await fetch(`${gw.httpUrl}/api/diagnostics/prometheus`, { headers: { authorization: "Bearer wrong" } })).status, 401);
  const plain = await startTestGateway();
  assert.equal((await fetch(`${plain.httpUrl}/api/diagnostics/prometheus`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status, 404);
  await plain.stop();
});

test("RPCs, agent runs and model calls move their counters", async () => {
  const before = await scrape();
  const c = await client(gw.url, ADMIN_SCOPES);
  for (let i = 0; i < 3; i++) await c.call("health", {});
  await c.request("no.such.method", {});
  const { end } = await chatTurn(c, `agent:main:metrics-${tag()}`, "hello metrics");
  assert.equal(end.state, "final");
  const after = await scrape();
  assert.equal(value(after, 'openclaw_gateway_rpc_total{method="health",outcome="ok"}') - value(before, 'openclaw_gateway_rpc_total{method="health",outcome="ok"}'), 3);
  assert.ok(value(after, 'openclaw_gateway_rpc_total{method="other",outcome="error"}') > value(before, 'openclaw_gateway_rpc_total{method="other",outcome="error"}'), "an unknown method counts as other");
  assert.equal(sumOf(after, "openclaw_run_completed_total", /outcome="ok"/) - sumOf(before, "openclaw_run_completed_total", /outcome="ok"/), 1);
  assert.ok(sumOf(after, "openclaw_model_call_total", /outcome="ok"/) > sumOf(before, "openclaw_model_call_total", /outcome="ok"/));
  assert.ok(value(after, 'openclaw_memory_bytes{kind="rss"}') > 0);
  assert.doesNotMatch(after, /metrics-|hello metrics|test-token/, "no session keys, message text or secrets in the output");
  await c.close();
});

test("a Telegram message and its reply move the channel counters", async () => {
  const before = await scrape();
  api.injectMessage({ chat: { id: 4242, type: "private" }, from: { id: 4242, first_name: "Mia" }, text: `${tag()} hi` });
  await until(async () => (api.sent.get("4242") ?? []).length > 0, 10_000, "the reply to reach the Bot API stand-in");
  await until(async () => {
    const now = await scrape();
    return value(now, 'openclaw_message_delivery_total{channel="telegram",delivery_kind="text",error_category="none",outcome="ok"}') > value(before, 'openclaw_message_delivery_total{channel="telegram",delivery_kind="text",error_category="none",outcome="ok"}');
  }, 5000, "the delivery counter");
  const after = await scrape();
  assert.equal(value(after, 'openclaw_message_received_total{channel="telegram",source="platform"}') - value(before, 'openclaw_message_received_total{channel="telegram",source="platform"}'), 1);
});

test("queue gauges show a running turn and the turns waiting behind it, and fall back to zero", async () => {
  const c = await client(gw.url, ADMIN_SCOPES);
  const sessionKey = `agent:main:queue-${tag()}`;
  const first = await sendChat(c, sessionKey, "MARK:slow:400 the first turn takes a while");
  const second = await sendChat(c, sessionKey, "second");
  const third = await sendChat(c, sessionKey, "third");
  const busy = await scrape();
  assert.equal(value(busy, 'openclaw_session_queue_depth{state="running"}'), 1);
  assert.equal(value(busy, 'openclaw_session_queue_depth{state="queued"}'), 2);
  assert.equal(value(busy, 'openclaw_queue_lane_size{lane="agent_turn"}'), 2);
  for (const run of [first, second, third]) await chatEnd(c, run.runId, 10_000);
  api.injectMessage({ chat: { id: 4343, type: "private" }, from: { id: 4343, first_name: "Noa" }, text: `${tag()} MARK:slow:300 a slow one` });
  await until(async () => value(await scrape(), 'openclaw_queue_lane_size{lane="channel_inbound"}') === 1, 5000, "the Telegram message to count as not yet answered");
  await until(async () => (api.sent.get("4343") ?? []).length > 0, 10_000, "the reply to reach the Bot API stand-in");
  await until(async () => value(await scrape(), 'openclaw_session_queue_depth{state="running"}') === 0, 5000, "the lane to drain");
  const idle = await scrape();
  assert.equal(value(idle, 'openclaw_session_queue_depth{state="queued"}'), 0);
  assert.equal(value(idle, 'openclaw_queue_lane_size{lane="channel_inbound"}'), 0);
  assert.equal(value(idle, 'openclaw_queue_lane_size{lane="channel_outbound"}'), 0);
  assert.match(idle, /openclaw_queue_lane_size\{lane="exec_approval"\} 0/);
});

test("10,000 distinct session keys keep the series count bounded", async () => {
  const c = await client(gw.url, ADMIN_SCOPES);
  const seriesBefore = (await scrape()).split("\n").filter((l) => l && !l.startsWith("#")).length;
  const keys = Array.from({ length: 10_000 }, (_, i) => `agent:main:card-${i}`);
  for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((key) => c.request("chat.history", { sessionKey: key, limit: 1 })));
  const text = await scrape();
  const seriesAfter = text.split("\n").filter((l) => l && !l.startsWith("#")).length;
  assert.ok(seriesAfter - seriesBefore <= 2, `series grew from ${seriesBefore} to ${seriesAfter}`);
  assert.doesNotMatch(text, /card-/);
  await c.close();
});

test("promtool check metrics accepts the output", async () => {
  const found = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  assert.equal(found.error, undefined, "promtool not found: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
  const checked = spawnSync("promtool", ["check", "metrics"], { input: await scrape(), encoding: "utf8" });
  assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`);
});
