/**
 * The Control UI's management actions in a real browser (Debian Chromium via playwright-core)
 * against a real gateway process, checked from the gateway's side over WebSocket clients:
 * searching, resetting and deleting sessions; a device held at pairing (a forwarded connect)
 * showing up live and approved, its token revoked and the device removed; a fake node's surface
 * approved and a command invoked on it; and, with a real ngircd, an unknown IRC user's DM pairing
 * request approved on the Channels page.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { closeBrowser, newPage, screenshot } from "../browser/browser.js";
import { newDeviceKey, signConnect, type DeviceKey } from "../devices/device-keys.js";
import { connectIrc, destroyAllIrcClients, type IrcMessage } from "../irc/irc-test-client.js";
import { ircAvailable, startIrcDaemon, stopAllIrcDaemons, type IrcDaemon } from "../irc/ngircd.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { closeAllClients, connectParams, openClient, sendConnect, type ConnectOverrides, type Frame, type TestClient } from "./harness.js";
import { ADMIN, baseConfig, connectOperator, startSandboxGateway, useProcessCleanup, waitUntil, type ConfiguredSandbox, type OperatorClient, type Proc } from "./process-harness.js";

const available = ircAvailable();
const noIrc = available.ok ? false : available.reason;
const BOT = "uimanager";

useProcessCleanup();

let standIn: ProviderStandIn;
let daemon: IrcDaemon | undefined;
let gateway: ConfiguredSandbox & { proc: Proc };
let operator: OperatorClient;
let wsUrl: string;

const tid = (id: string) => `[data-testid="${id}"]`;

before(async () => {
  standIn = await startProviderStandIn();
  if (!noIrc) daemon = await startIrcDaemon();
  gateway = await startSandboxGateway({
    config: (port, token, logFile) => ({
      ...baseConfig(port, token, logFile),
      agents: { defaults: { model: { primary: "mock/echo" } } },
      models: { providers: { mock: { baseUrl: `${standIn.url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
      // dmPolicy is left at its default (pairing).
      ...(daemon ? { channels: { irc: { host: daemon.host, port: daemon.port, nick: BOT } } } : {}),
    }),
  });
  wsUrl = `ws://127.0.0.1:${gateway.port}`;
  operator = await connectOperator(gateway.port, gateway.token, { scopes: [...ADMIN, "operator.pairing"] });
});

after(async () => {
  closeAllClients();
  destroyAllIrcClients();
  await closeBrowser();
  await stopAllIrcDaemons();
  await standIn?.close();
});

async function open(page: Page, route: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${gateway.port}/${route}#token=${encodeURIComponent(gateway.token)}`);
  await page.locator(`${tid("connection-status")}[data-phase="connected"]`).waitFor({ timeout: 10_000 });
  await page.locator(tid(`page-${route}`)).waitFor({ timeout: 5000 });
}

/** Connect params with this gateway's token (harness defaults otherwise). */
function params(overrides: ConnectOverrides = {}): Record<string, any> {
  return connectParams({ auth: { token: gateway.token }, ...overrides }) as Record<string, any>;
}

/** Connects with a signed device; the signature covers the params' role, scopes, token and client. */
async function deviceConnect(key: DeviceKey, overrides: ConnectOverrides, ws: Record<string, unknown> = {}, version: "v2" | "v3" = "v3"): Promise<{ client: TestClient; res: Frame }> {
  const client = await openClient(wsUrl, ws);
  const p = params(overrides);
  const nonce = client.frames.find((f) => f.event === "connect.challenge")!.payload.nonce;
  const device = signConnect(key, {
    version,
    nonce,
    connect: { clientId: p.client.id, clientMode: p.client.mode, role: p.role ?? "operator", scopes: p.scopes ?? [], token: p.auth?.token ?? "", platform: p.client.platform, deviceFamily: p.client.deviceFamily },
  });
  const res = await sendConnect(client, { ...p, device });
  return { client, res };
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

async function chatTurn(sessionKey: string, message: string): Promise<void> {
  const sent = await operator.request("chat.send", { sessionKey, message, idempotencyKey: `ui-manage-${sessionKey}` });
  assert.equal(sent.ok, true, JSON.stringify(sent.error));
  await waitUntil(async () => {
    const h = await operator.call("chat.history", { sessionKey });
    return h.messages.some((m: { role: string }) => m.role === "assistant");
  }, 10_000, `the reply in ${sessionKey}`);
}

const listedKeys = async (): Promise<string[]> => (await operator.call("sessions.list", { limit: 200 })).sessions.map((s: { key: string }) => s.key);

test("sessions: search narrows by message text, Reset empties a transcript, Delete removes a session", async () => {
  const ALPHA = "agent:main:ui-alpha";
  const BETA = "agent:main:ui-beta";
  await chatTurn(ALPHA, "the walrus plays a saxophone tonight");
  await chatTurn(BETA, "a quiet pineapple harbor at dawn");
  const keys = await listedKeys();
  assert.ok(keys.includes(ALPHA) && keys.includes(BETA), `both seeded sessions are listed: ${keys.join(", ")}`);

  const { page, context, consoleErrors } = await newPage();
  page.on("dialog", (d) => void d.accept());
  await open(page, "sessions");
  const row = (key: string) => page.locator(`${tid("session-row")}[data-key="${key}"]`);
  await row(ALPHA).waitFor({ timeout: 8000 });
  await row(BETA).waitFor({ timeout: 8000 });

  // Search by a word only in alpha's messages (not in either key).
  await page.locator(tid("sessions-search")).fill("saxophone");
  await waitUntil(async () => (await row(BETA).count()) === 0, 5000, "the search to hide the other session");
  await row(ALPHA).waitFor({ timeout: 5000 });
  assert.match(await row(ALPHA).innerText(), /saxophone/, "the matching message text is shown");
  await page.locator(tid("sessions-search")).fill("pineapple");
  await row(BETA).waitFor({ timeout: 5000 });
  await waitUntil(async () => (await row(ALPHA).count()) === 0, 5000, "the search to hide alpha");
  await page.locator(tid("sessions-search")).fill("");
  await row(ALPHA).waitFor({ timeout: 5000 });
  await row(BETA).waitFor({ timeout: 5000 });

  // Reset alpha: its history is empty afterwards, beta's is untouched.
  assert.ok((await operator.call("chat.history", { sessionKey: ALPHA })).messages.length >= 2);
  await row(ALPHA).locator(tid("session-reset")).click();
  await page.getByRole("status").filter({ hasText: `${ALPHA} starts over` }).waitFor({ timeout: 5000 });
  const resetHistory = await operator.call("chat.history", { sessionKey: ALPHA });
  assert.deepEqual(resetHistory.messages, [], "alpha's history is empty after Reset");
  assert.ok((await operator.call("chat.history", { sessionKey: BETA })).messages.length >= 2, "beta keeps its history");

  // Delete beta (through the confirm dialog): the row goes, and sessions.list no longer has it.
  await row(BETA).locator(tid("session-delete")).click();
  await page.getByRole("status").filter({ hasText: `${BETA} deleted.` }).waitFor({ timeout: 5000 });
  await waitUntil(async () => (await row(BETA).count()) === 0, 5000, "beta's row to go");
  const remaining = await listedKeys();
  assert.ok(!remaining.includes(BETA), "sessions.list no longer has beta");
  assert.ok(remaining.includes(ALPHA), "alpha (reset, not deleted) is still listed");
  await row(ALPHA).waitFor({ timeout: 2000 });
  await screenshot(page, "manage-sessions-1280");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------------

/** A browser-style device behind a proxy: not local, so it must wait for pairing. */
const PROXIED = { headers: { "x-forwarded-for": "203.0.113.7", origin: "http://127.0.0.1:5173" } };
const BROWSER = { client: { id: "openclaw-control-ui", mode: "webchat", platform: "MacIntel", deviceFamily: undefined, displayName: "proxied-browser" }, scopes: ["operator.read"] };

test("devices: a held device shows up live, Approve lets it connect, Revoke kills its token, Remove removes it", async () => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "devices");
  await page.getByText(/No nodes yet|Nodes/).first().waitFor({ timeout: 5000 });
  const key = newDeviceKey();

  const held = await deviceConnect(key, BROWSER, PROXIED, "v2");
  assert.equal(held.res.ok, false, "a forwarded device is held");
  assert.equal(held.res.error.details.code, "PAIRING_REQUIRED");
  const requestId = held.res.error.details.requestId;
  const pending = page.locator(`${tid("device-pending-row")}[data-request="${requestId}"]`);
  await pending.waitFor({ timeout: 5000 }); // no reload: the page follows device.pair.requested
  // x-forwarded-for from an untrusted proxy is not believed: the socket's address and the origin are shown.
  assert.match(await pending.innerText(), /127\.0\.0\.1 · http:\/\/127\.0\.0\.1:5173/, "the request shows where it came from");
  assert.match(await pending.innerText(), /proxied-browser asks to pair/);
  await screenshot(page, "manage-device-pending-1280");

  await pending.locator(tid("device-approve")).click();
  await waitUntil(async () => (await pending.count()) === 0, 5000, "the pending row to go");
  const deviceRow = page.locator(`${tid("device-row")}[data-device="${key.deviceId}"]`);
  await deviceRow.waitFor({ timeout: 5000 });

  const admitted = await deviceConnect(key, BROWSER, PROXIED, "v2");
  assert.equal(admitted.res.ok, true, `the approved device connects: ${JSON.stringify(admitted.res.error)}`);
  const deviceToken = admitted.res.payload.auth.deviceToken;
  assert.match(deviceToken, /^[A-Za-z0-9_-]{43}$/);
  await admitted.client.close();
  const withToken = await deviceConnect(key, { ...BROWSER, auth: { token: deviceToken } }, PROXIED, "v2");
  assert.equal(withToken.res.ok, true, `the device token works before the revoke: ${JSON.stringify(withToken.res.error)}`);
  assert.equal(withToken.res.payload.auth.method, "device-token");

  const revoke = deviceRow.locator(`${tid("device-revoke")}[data-role="operator"]`);
  await revoke.waitFor({ timeout: 5000 });
  await revoke.click();
  const closed = await withToken.client.waitForClose(5000);
  assert.equal(closed.code, 1008, "revoking closes the token's live connection");
  await waitUntil(async () => (await revoke.count()) === 0, 5000, "the revoke button to go (token shown revoked)");
  assert.match(await deviceRow.innerText(), /revoked/);
  const refused = await deviceConnect(key, { ...BROWSER, auth: { token: deviceToken } }, PROXIED, "v2");
  assert.equal(refused.res.ok, false, "the revoked token is refused");
  assert.equal(refused.res.error.details.code, "AUTH_DEVICE_TOKEN_MISMATCH", JSON.stringify(refused.res.error));

  await deviceRow.locator(tid("device-remove")).click();
  await waitUntil(async () => (await deviceRow.count()) === 0, 5000, "the device row to go");
  const list = await operator.call("device.pair.list", {});
  assert.ok(!list.paired.some((d: { deviceId: string }) => d.deviceId === key.deviceId), "device.pair.list no longer has it");
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

const NODE_COMMANDS = ["camera.snap", "echo.say"];

test("nodes: a node's pending surface is approved on the page, and the invoke form runs a command the node answers", async () => {
  const { page, context, consoleErrors } = await newPage();
  await open(page, "devices");
  await page.getByText(/No nodes yet/).waitFor({ timeout: 5000 });

  const key = newDeviceKey();
  const node = await deviceConnect(key, {
    client: { id: "node-host", mode: "node", displayName: "ui-fake-node", platform: "linux", deviceFamily: "Linux" },
    role: "node",
    scopes: [],
    caps: ["system"],
    commands: NODE_COMMANDS,
    pathEnv: "/usr/bin:/bin",
  });
  assert.equal(node.res.ok, true, JSON.stringify(node.res.error));
  const invokes: any[] = [];
  let from = 0;
  void (async () => {
    for (;;) {
      let frame: Frame;
      try {
        frame = await node.client.waitFor((f) => f.event === "node.invoke.request", { from, timeoutMs: 60_000 });
      } catch {
        return;
      }
      from = node.client.frames.indexOf(frame) + 1;
      const req = frame.payload;
      invokes.push(req);
      const answer = req.command === "echo.say" ? { ok: true, payloadJSON: JSON.stringify({ said: JSON.parse(req.paramsJSON).text, by: "the fake node" }) } : { ok: false, error: { code: "UNSUPPORTED", message: "nope" } };
      node.client.sendRequest("node.invoke.result", { id: req.id, nodeId: req.nodeId, ...answer });
    }
  })();

  const pending = page.locator(`${tid("node-pending-row")}[data-node="${key.deviceId}"]`);
  await pending.waitFor({ timeout: 5000 });
  assert.match(await pending.innerText(), /echo\.say/);
  const row = page.locator(`${tid("node-row")}[data-node="${key.deviceId}"]`);
  assert.equal(await row.getAttribute("data-approval"), "pending");
  await screenshot(page, "manage-node-pending-1280");

  await pending.locator(tid("node-approve")).click();
  await waitUntil(async () => (await pending.count()) === 0, 5000, "the pending surface to go");
  await page.locator(`${tid("node-row")}[data-node="${key.deviceId}"][data-connected="true"][data-approval="approved"]`).waitFor({ timeout: 5000 });
  const listed = (await operator.call("node.list", {})).nodes.find((n: { nodeId: string }) => n.nodeId === key.deviceId);
  assert.equal(listed.approvalState, "approved");
  assert.deepEqual([...listed.commands].sort(), [...NODE_COMMANDS].sort());

  await row.locator("summary", { hasText: "Invoke a command" }).click();
  await row.locator("select").selectOption("echo.say");
  await row.locator("textarea").fill(JSON.stringify({ text: "hello from the page" }));
  await row.locator(tid("node-invoke")).click();
  const result = row.locator(`${tid("node-invoke-result")}[data-ok="true"]`);
  await result.waitFor({ timeout: 10_000 });
  assert.deepEqual(JSON.parse(await result.innerText()), { said: "hello from the page", by: "the fake node" });
  assert.equal(invokes.length, 1, "one node.invoke.request reached the node");
  assert.equal(invokes[0].command, "echo.say");
  assert.deepEqual(JSON.parse(invokes[0].paramsJSON), { text: "hello from the page" });
  await screenshot(page, "manage-node-invoked-1280");
  assert.deepEqual(consoleErrors, []);
  await node.client.close();
  await context.close();
});

// ---------------------------------------------------------------------------------------------
// Channel DM pairing
// ---------------------------------------------------------------------------------------------

const fromBot = (m: IrcMessage) => m.prefix?.startsWith(`${BOT}!`) === true && (m.command === "PRIVMSG" || m.command === "NOTICE");

test("channels: an unknown IRC user's DM pairing request shows on the Channels page and Approve lets their next DM reach the agent", { skip: noIrc }, async (t) => {
  await waitUntil(async () => (await operator.call("channels.status", { channel: "irc" })).channelAccounts.irc[0].connected === true, 15_000, "the IRC account to connect");
  const { page, context, consoleErrors } = await newPage();
  await open(page, "channels");
  await page.locator(`${tid("channel-row")}[data-channel="irc"]`).waitFor({ timeout: 8000 });
  await page.getByText("No one is waiting to be paired.").waitFor({ timeout: 5000 });

  const dave = await connectIrc(daemon!.host, daemon!.port, "dave");
  let mark = dave.mark();
  dave.privmsg(BOT, "hi bot, let me in");
  const bot = (from: number) => dave.messages.slice(from).filter((m) => fromBot(m) && m.params[0].toLowerCase() === "dave").map((m) => m.params[1]).join("\n");
  const codeText = await waitUntil(() => /Pairing code: ([A-Z2-9]{8})/.exec(bot(mark))?.[1], 10_000, "the pairing code DM");
  const code = String(codeText);
  const listed = await operator.call("channels.pairing.list", { channel: "irc" });
  assert.deepEqual(listed.requests.map((r: { requestId: string; senderId: string }) => r.requestId), [code]);

  // A new request pushes fresh health, which the card reloads on: no Refresh click.
  const row = page.locator(`${tid("channel-pairing-row")}[data-channel="irc"]`, { hasText: code });
  await row.waitFor({ timeout: 3000 });
  assert.match(await row.innerText(), /dave/);
  await screenshot(page, "manage-channel-pairing-1280");

  mark = dave.mark();
  await row.locator(tid("channel-pairing-approve")).click();
  await page.getByRole("status").filter({ hasText: /Approved dave/ }).waitFor({ timeout: 5000 });
  await waitUntil(async () => (await row.count()) === 0, 5000, "the pairing row to go");
  assert.deepEqual((await operator.call("channels.pairing.list", { channel: "irc" })).requests, [], "no pending request after the approval");
  await waitUntil(() => /approved/i.test(bot(mark)), 5000, "the approval notice to dave");

  mark = dave.mark();
  dave.privmsg(BOT, "now MARK:paired-and-heard");
  await waitUntil(() => bot(mark).includes("echo: paired-and-heard"), 15_000, "the agent's reply to dave's next DM");
  await dave.quit();
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
