import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../infra/logger.js";
import { BOT, FakeWhatsApp, writeLinkedCreds, type FakeWhatsAppSocket } from "../../../test/stand-ins/whatsapp-socket.js";
import { ChannelSendError, type ChannelConnection, type ConnectContext, type InboundMessage } from "../types.js";
import type { WhatsAppAccount } from "./account.js";
import { connectWhatsApp, type ConnectionTiming } from "./connection.js";
import { adapter, setWhatsAppSocketFactory } from "./index.js";

const quiet: Logger = { subsystem: "test", enabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const TIMING: ConnectionTiming = { connectTimeoutMs: 2_000, closeTimeoutMs: 500, catchUpMs: 3_600_000 };
const GROUP = "120363025246125486@g.us";
const ALICE = "447700900123@s.whatsapp.net";

let dir: string;
let wa: FakeWhatsApp;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wa-conn-"));
  wa = new FakeWhatsApp();
  setWhatsAppSocketFactory(wa.factory);
});

afterEach(async () => {
  setWhatsAppSocketFactory(null);
  await rm(dir, { recursive: true, force: true });
});

type Harness = {
  ctx: ConnectContext<WhatsAppAccount>;
  received: InboundMessage[];
  events: string[];
  activity: () => number;
  status: Record<string, unknown>;
  controller: AbortController;
  /** Makes `receive` wait for the returned function (or fail with `reject`). */
  holdReceive(): () => void;
  failReceive(): void;
};

function harness(account: Partial<WhatsAppAccount> = {}): Harness {
  const received: InboundMessage[] = [];
  const events: string[] = [];
  const status: Record<string, unknown> = {};
  const controller = new AbortController();
  let activity = 0;
  let gate: Promise<void> | null = null;
  let failing = false;
  const ctx: ConnectContext<WhatsAppAccount> = {
    accountId: "default",
    account: { selfChatMode: false, sendReadReceipts: true, ...account },
    signal: controller.signal,
    async receive(message) {
      events.push(`receive:${message.messageId}`);
      if (gate) await gate;
      if (failing) throw new Error("disk full");
      received.push(message);
      events.push(`stored:${message.messageId}`);
    },
    activity: () => void activity++,
    setStatus: (patch) => Object.assign(status, patch),
    state: { get: () => null, set: () => {} },
    credentialsDir: () => dir,
    log: quiet,
  };
  return {
    ctx,
    received,
    events,
    status,
    controller,
    activity: () => activity,
    holdReceive() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = null;
        release();
      };
    },
    failReceive() {
      failing = true;
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Connects through the adapter's code path, with the first fake socket opened. */
async function connected(h: Harness): Promise<{ connection: ChannelConnection; socket: FakeWhatsAppSocket }> {
  await writeLinkedCreds(dir);
  const pending = connectWhatsApp(h.ctx, TIMING);
  const socket = await wa.socket(0);
  socket.open();
  return { connection: await pending, socket };
}

const dm = (id: string, text = "hello"): Parameters<FakeWhatsAppSocket["emitMessage"]>[0] => ({
  key: { remoteJid: ALICE, fromMe: false, id },
  message: { conversation: text },
  pushName: "Alice",
  messageTimestamp: Math.floor(Date.now() / 1000),
});

test("without a stored login, connect refuses with a logged-out 'not linked' error and opens nothing", async () => {
  const h = harness();
  await assert.rejects(adapter.connect(h.ctx), (err: Error & { loggedOut?: boolean }) => {
    assert.match(err.message, /not linked: run openclaw channels login --channel whatsapp/);
    assert.equal(err.loggedOut, true);
    return true;
  });
  assert.equal(wa.sockets.length, 0);
});

test("connect resolves on open, reports who we are, and tightens the auth dir", async () => {
  const h = harness();
  await writeFile(join(dir, "pre-key-1.json"), "{}", { mode: 0o644 });
  const { connection } = await connected(h);
  assert.equal(connection.selfId?.(), "+447700900001");
  assert.equal(h.status.linked, true);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const name of await readdir(dir)) assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name);
  await connection.close();
  assert.deepEqual(await connection.closed, {});
});

test("a DM and a group mention arrive with their fields; the read receipt follows the commit", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  const release = h.holdReceive();
  socket.emitMessage(dm("D1"));
  await until(() => h.events.includes("receive:D1"), "receive");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(socket.reads, [], "no read receipt before the message is stored");
  release();
  await until(() => socket.reads.length === 1, "read receipt");
  assert.deepEqual(socket.reads[0], [{ remoteJid: ALICE, fromMe: false, id: "D1" }]);
  assert.deepEqual(h.received[0].sender, { id: "+447700900123", name: "Alice" });
  assert.equal(h.received[0].chatType, "direct");
  assert.equal(h.received[0].conversationId, ALICE);

  socket.emitMessage({
    key: { remoteJid: GROUP, fromMe: false, id: "G1", participant: "447700900555@s.whatsapp.net" },
    message: { extendedTextMessage: { text: "@bot hi", contextInfo: { mentionedJid: ["447700900001@s.whatsapp.net"] } } },
  });
  await until(() => h.received.length === 2, "group message");
  assert.equal(h.received[1].chatType, "group");
  assert.equal(h.received[1].conversationId, GROUP);
  assert.equal(h.received[1].sender.id, "+447700900555");
  assert.equal(h.received[1].mentionedBot, true);
  await until(() => socket.reads.length === 2, "group read receipt");
  await connection.close();
});

test("a message core could not store is not acknowledged", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  h.failReceive();
  socket.emitMessage(dm("D2"));
  await until(() => h.events.includes("receive:D2"), "receive");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(socket.reads, []);
  await connection.close();
});

test("read receipts can be turned off; status updates and our own messages are dropped", async () => {
  const h = harness({ sendReadReceipts: false });
  const { connection, socket } = await connected(h);
  socket.emitMessage({ key: { remoteJid: "status@broadcast", id: "S1", participant: ALICE }, message: { conversation: "story" } });
  socket.emitMessage({ key: { remoteJid: ALICE, fromMe: true, id: "OWN" }, message: { conversation: "sent from the phone" } });
  socket.emitMessage(dm("D3"));
  await until(() => h.received.length === 1, "the DM");
  assert.equal(h.received[0].messageId, "D3");
  assert.deepEqual(h.events, ["receive:D3", "stored:D3"]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(socket.reads, []);
  await connection.close();
});

test("messages from while we were offline ('append') are taken when recent, skipped when history", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.emitMessage({ ...dm("OLD"), messageTimestamp: Math.floor(Date.now() / 1000) - 7_200 }, "append");
  socket.emitMessage(dm("MISSED"), "append");
  await until(() => h.received.length === 1, "the recent offline message");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(h.received.map((m) => m.messageId), ["MISSED"]);
  await connection.close();
});

test("a quote of the bot sets replyTo.isBot; a reply quotes the message it answers", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.emitMessage({
    key: { remoteJid: ALICE, id: "Q1" },
    message: { extendedTextMessage: { text: "why?", contextInfo: { stanzaId: "B1", participant: BOT.id, quotedMessage: { conversation: "because" } } } },
  });
  await until(() => h.received.length === 1, "the quote");
  assert.deepEqual(h.received[0].replyTo, { id: "B1", body: "because", sender: "+447700900001", isBot: true });
  await connection.sendText({ conversationId: ALICE }, "that is why", { replyToId: "Q1" });
  assert.equal(socket.sent[0].quotedId, "Q1");
  await connection.close();
});

test("sendText returns WhatsApp's message id; typing is a composing presence", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  const { messageId } = await connection.sendText({ conversationId: ALICE }, "hi there");
  assert.ok(messageId);
  assert.equal(socket.sent[0].jid, ALICE);
  assert.equal(socket.sent[0].text, "hi there");
  assert.equal(socket.sent[0].messageId, messageId);
  await connection.sendTyping?.({ conversationId: GROUP });
  assert.deepEqual(socket.presence, [{ type: "composing", jid: GROUP }]);
  await connection.close();
});

test("a send without a message id back is not a send; a platform error is retryable", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.sendBehaviour = "no-id";
  await assert.rejects(connection.sendText({ conversationId: ALICE }, "x"), (err: ChannelSendError) => err instanceof ChannelSendError && !err.permanent);
  socket.sendBehaviour = "throw";
  await assert.rejects(connection.sendText({ conversationId: ALICE }, "x"), (err: ChannelSendError) => err instanceof ChannelSendError && !err.permanent);
  await assert.rejects(connection.sendText({ conversationId: "#general" }, "x"), (err: ChannelSendError) => err instanceof ChannelSendError && err.permanent);
  await connection.close();
});

test("sends fail fast once the socket is gone", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.close(408);
  const end = await connection.closed;
  assert.match(end.error ?? "", /408/);
  assert.equal(end.loggedOut, undefined);
  assert.equal(end.retryAfterMs, undefined);
  const started = Date.now();
  await assert.rejects(connection.sendText({ conversationId: ALICE }, "x"), /not connected/);
  await assert.rejects(connection.sendTyping!({ conversationId: ALICE }), /not connected/);
  assert.ok(Date.now() - started < 100);
  assert.equal(socket.sent.length, 0);
});

test("a 401 close is a logout: closed says so and the stored login is removed", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.close(401);
  const end = await connection.closed;
  assert.equal(end.loggedOut, true);
  assert.match(end.error ?? "", /logged out.*channels login --channel whatsapp/);
  assert.deepEqual(await readdir(dir), []);
});

test("a 440 (replaced by another session) waits a minute before the next attempt", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.close(440);
  const end = await connection.closed;
  assert.equal(end.retryAfterMs, 60_000);
  assert.equal(end.loggedOut, undefined);
});

test("408, 428, 499, 500 and 503 are plain disconnects that core backs off from", async () => {
  for (const code of [408, 428, 499, 500, 503]) {
    wa.sockets.length = 0;
    const h = harness();
    const { connection, socket } = await connected(h);
    socket.close(code);
    const end = await connection.closed;
    assert.deepEqual(Object.keys(end), ["error"], `code ${code}`);
    assert.match(end.error!, new RegExp(String(code)));
  }
});

test("a 515 before open is answered with one fresh socket; after open it ends with retryAfterMs 0", async () => {
  const h = harness();
  await writeLinkedCreds(dir);
  const pending = connectWhatsApp(h.ctx, TIMING);
  (await wa.socket(0)).close(515);
  const second = await wa.socket(1);
  second.open();
  const connection = await pending;
  second.close(515);
  const end = await connection.closed;
  assert.equal(end.retryAfterMs, 0);
  assert.match(end.error!, /restart required/);
});

test("connect rejects on a 401 before open (login revoked) and on a QR (login unusable)", async () => {
  const h = harness();
  await writeLinkedCreds(dir);
  const pending = connectWhatsApp(h.ctx, TIMING);
  (await wa.socket(0)).close(401);
  await assert.rejects(pending, (err: Error & { loggedOut?: boolean }) => err.loggedOut === true);
  assert.deepEqual(await readdir(dir), []);

  await writeLinkedCreds(dir);
  const again = connectWhatsApp(harness().ctx, TIMING);
  const socket = await wa.socket(1);
  socket.showQr("2@abc");
  await assert.rejects(again, /not linked/);
  assert.equal(socket.ended, true);
});

test("stopping the account while connecting ends the attempt and the socket", async () => {
  const h = harness();
  await writeLinkedCreds(dir);
  const pending = connectWhatsApp(h.ctx, TIMING);
  const socket = await wa.socket(0);
  h.controller.abort();
  await assert.rejects(pending, /stopped/);
  assert.equal(socket.ended, true);
});

test("raw frames, connection updates and messages all count as activity", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  const before = h.activity();
  socket.frame();
  socket.frame();
  assert.equal(h.activity(), before + 2);
  socket.emitMessage(dm("A1"));
  assert.equal(h.activity(), before + 3);
  await connection.close();
});

test("creds Baileys writes anew are 0600 in a 0700 directory", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  await rm(join(dir, "creds.json"));
  socket.emit("creds.update", { me: BOT });
  await connection.close();
  assert.equal((await stat(join(dir, "creds.json"))).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
});

test("self-chat mode answers the owner in their own chat and ignores its own echoed replies", async () => {
  const h = harness({ selfChatMode: true, sendReadReceipts: false });
  const { connection, socket } = await connected(h);
  const self = "447700900001@s.whatsapp.net";
  socket.emitMessage({ key: { remoteJid: self, fromMe: true, id: "N1" }, message: { conversation: "remind me" } });
  await until(() => h.received.length === 1, "the note to self");
  const { messageId } = await connection.sendText({ conversationId: self }, "[openclaw] sure");
  socket.emitMessage({ key: { remoteJid: self, fromMe: true, id: messageId! }, message: { conversation: "[openclaw] sure" } }, "append");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(h.received.map((m) => m.messageId), ["N1"]);
  await connection.close();
});

test("a malformed message is skipped and the next one still arrives", async () => {
  const h = harness();
  const { connection, socket } = await connected(h);
  socket.emitMessage({ key: { remoteJid: GROUP, id: "BAD", participant: ALICE }, message: { extendedTextMessage: { text: "x", contextInfo: { mentionedJid: "not-a-list" as unknown as string[] } } } });
  socket.emitMessage(dm("GOOD"));
  await until(() => h.received.length === 1, "the next message");
  assert.equal(h.received[0].messageId, "GOOD");
  await connection.close();
});
