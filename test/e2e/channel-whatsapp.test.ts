/**
 * WhatsApp through the gateway, with the Baileys socket replaced at its boundary by an in-memory
 * fake (WhatsApp's servers cannot be reached from here; everything above the socket is the
 * production path): QR login over web.login.* including the "restart required" step, pairing,
 * a DM answered, group mention gating, and a logged-out session reported with what to run.
 */
import { after, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setWhatsAppSocketFactory } from "../../src/channels/whatsapp/index.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import { FakeWhatsApp, writeLinkedCreds, type FakeWhatsAppSocket } from "../stand-ins/whatsapp-socket.js";
import { client, providerFor, tag } from "./agent-harness.js";
import { TEST_TOKEN, startTestGateway, until, useGatewayCleanup, sleep, type TestClient, type TestGateway } from "./harness.js";
import { channelsLoginCommand } from "../../src/cli/commands/channels.js";

useGatewayCleanup();

const ADMIN = ["operator.admin", "operator.read", "operator.write", "operator.pairing"];
const ALICE = "447700900123@s.whatsapp.net";
const GROUP = "120363025246125486@g.us";
const BOT_JID = "447700900001@s.whatsapp.net";

let standIn: ProviderStandIn | null = null;
let wa: FakeWhatsApp;
const dirs: string[] = [];

beforeEach(() => {
  wa = new FakeWhatsApp();
  setWhatsAppSocketFactory(wa.factory);
});

after(async () => {
  setWhatsAppSocketFactory(null);
  await standIn?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function gateway(whatsapp: Record<string, unknown>): Promise<{ gw: TestGateway; op: TestClient }> {
  standIn ??= await startProviderStandIn();
  const gw = await startTestGateway({
    extraConfig: { agents: { defaults: { model: { primary: "mock/echo" } } }, models: { providers: { mock: providerFor(standIn) } }, channels: { whatsapp } },
  });
  return { gw, op: await client(gw.url, ADMIN) };
}

function authDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wa-e2e-"));
  dirs.push(dir);
  return dir;
}

async function status(op: TestClient): Promise<Record<string, any>> {
  return (await op.request("channels.status", { channel: "whatsapp" })).payload.channelAccounts.whatsapp[0];
}

const message = (remoteJid: string, text: string, extra: Record<string, unknown> = {}) => ({
  key: { remoteJid, fromMe: false, id: tag("M").toUpperCase(), ...extra },
  message: { conversation: text },
  pushName: "Alice",
  messageTimestamp: Math.floor(Date.now() / 1000),
});

const textsTo = (socket: FakeWhatsAppSocket, jid: string) => socket.sent.filter((m) => m.jid === jid).map((m) => m.text);

test("a linked account: pairing for an unknown DM, an answer after approval, and mention gating in a group", async () => {
  const dir = authDir();
  await writeLinkedCreds(dir);
  const { op } = await gateway({ authDir: dir, groups: { [GROUP]: { requireMention: true } } });
  const socket = await wa.socket(0, 10_000);
  socket.open();
  const connected = await (async () => {
    for (let i = 0; i < 100; i++) {
      const s = await status(op);
      if (s.connected) return s;
      await sleep(50);
    }
    return null;
  })();
  assert.ok(connected, "the account connects");

  socket.emitMessage(message(ALICE, "hello, who is this?"));
  await until(() => textsTo(socket, ALICE).some((t) => /Pairing code: [A-Z2-9]{8}/.test(t)), 5000, "the pairing code");
  assert.equal(socket.reads.length, 1, "the DM was acknowledged (read) after it was stored");
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(textsTo(socket, ALICE).at(-1)!)![1];
  const list = await op.request("channels.pairing.list", { channel: "whatsapp" });
  assert.equal(list.payload.requests[0].senderId, "+447700900123");
  await op.request("channels.pairing.approve", { channel: "whatsapp", accountId: "default", requestId: code });

  const ask = tag("wa");
  socket.emitMessage(message(ALICE, `${ask} how are you`));
  await until(() => textsTo(socket, ALICE).some((t) => t.includes(`echo: ${ask} how are you`)), 10_000, "the answer");
  assert.ok(socket.presence.some((p) => p.type === "composing" && p.jid === ALICE), "typing was shown");

  const chatter = tag("chatter");
  socket.emitMessage(message(GROUP, `${chatter} nice weather`, { participant: "447700900555@s.whatsapp.net" }));
  await sleep(500);
  assert.equal(textsTo(socket, GROUP).length, 0, "no reply without a mention");
  const mention = tag("mention");
  socket.emitMessage({
    key: { remoteJid: GROUP, fromMe: false, id: tag("G").toUpperCase(), participant: "447700900555@s.whatsapp.net" },
    message: { extendedTextMessage: { text: `@447700900001 ${mention}`, contextInfo: { mentionedJid: [BOT_JID] } } },
    pushName: "Sam",
    messageTimestamp: Math.floor(Date.now() / 1000),
  });
  await until(() => textsTo(socket, GROUP).some((t) => t.includes(mention)), 10_000, "the group answer");
  const history = await op.request("chat.history", { sessionKey: `agent:main:whatsapp:group:${GROUP}` });
  assert.ok(JSON.stringify(history.payload.messages).includes(chatter), "the unanswered group message is in the session");
});

test("QR login over web.login.*: a QR, the scan, the restart-required step, then the account connects", async () => {
  const dir = authDir();
  const { op } = await gateway({ authDir: dir });
  let before = await status(op);
  for (let i = 0; i < 100 && !before.lastError; i++) before = (await sleep(50), await status(op));
  assert.equal(before.connected, false);
  assert.match(String(before.lastError), /not linked/);

  const started = op.request("web.login.start", { accountId: "default", timeoutMs: 10_000 }, 15_000);
  const loginSocket = await wa.socket(0, 10_000);
  loginSocket.showQr("2@first-qr");
  const answer = await started;
  assert.equal(answer.ok, true, JSON.stringify(answer.error));
  assert.match(answer.payload.qrDataUrl, /^data:image\/png;base64,/);

  const waiting = op.request("web.login.wait", { accountId: "default", timeoutMs: 10_000 }, 15_000);
  loginSocket.pair();
  loginSocket.close(515);
  const fresh = await wa.socket(1, 10_000);
  fresh.open();
  const linked = await waiting;
  assert.equal(linked.payload.connected, true, JSON.stringify(linked.payload));

  const accountSocket = await wa.socket(2, 10_000);
  accountSocket.open();
  for (let i = 0; i < 100 && !(await status(op)).connected; i++) await sleep(50);
  assert.equal((await status(op)).connected, true, "the account runs on the new login");
});

test("logged out by the phone: the account stops, the login is cleared, status says what to run", async () => {
  const dir = authDir();
  await writeLinkedCreds(dir);
  const { op } = await gateway({ authDir: dir });
  const socket = await wa.socket(0, 10_000);
  socket.open();
  for (let i = 0; i < 100 && !(await status(op)).connected; i++) await sleep(50);
  socket.close(401);
  let s: Record<string, any> = {};
  for (let i = 0; i < 100; i++) {
    s = await status(op);
    if (s.lifecycle === "blocked") break;
    await sleep(50);
  }
  assert.equal(s.lifecycle, "blocked", JSON.stringify(s));
  assert.equal(s.running, false);
  assert.equal(existsSync(join(dir, "creds.json")), false, "the revoked login was removed");
  const full = await op.request("channels.status", { channel: "whatsapp" });
  const issue = full.payload.statusIssues.find((i: { channel: string }) => i.channel === "whatsapp");
  assert.equal(issue.kind, "auth");
  assert.equal(issue.fix, "openclaw channels login --channel whatsapp");
  await sleep(1500);
  assert.equal(wa.sockets.length, 1, "no reconnect loop after a logout");
});

test("openclaw channels login shows the QR in the terminal, a refreshed one when it changes, and reports the link", async () => {
  const dir = authDir();
  const { gw } = await gateway({ authDir: dir });
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const login = channelsLoginCommand({ url: gw.url, token: TEST_TOKEN, timeout: "20000" });
    const loginSocket = await wa.socket(0, 10_000);
    loginSocket.showQr("2@first");
    await until(() => printed.some((p) => p.includes("Scan it with WhatsApp")), 10_000, "the first QR");
    loginSocket.showQr("2@second");
    await until(() => printed.some((p) => p.includes("refreshed")), 10_000, "the refreshed QR");
    loginSocket.pair();
    loginSocket.close(515);
    (await wa.socket(1, 10_000)).open();
    await login;
  } finally {
    process.stdout.write = write;
  }
  // (The test runner's own output may have been captured too; only the command's lines are checked.)
  const out = printed.join("");
  assert.match(out, /[\u2580-\u259f]/, "the QR is drawn with block characters");
  assert.match(out, /Linked: /);
});
