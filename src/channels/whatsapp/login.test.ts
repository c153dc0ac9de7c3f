import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../infra/logger.js";
import { BOT, FakeWhatsApp, writeLinkedCreds } from "../../../test/stand-ins/whatsapp-socket.js";
import type { WhatsAppAccount } from "./account.js";
import { DEFAULT_LOGIN_TIMING } from "./login-session.js";
import { WhatsAppLogins } from "./login.js";
import { setWhatsAppSocketFactory } from "./socket-factory.js";

const log: Logger = { subsystem: "test", enabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const account: WhatsAppAccount = { selfChatMode: false, sendReadReceipts: true };

let dir: string;
let wa: FakeWhatsApp;
let logins: WhatsAppLogins;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wa-login-"));
  wa = new FakeWhatsApp();
  setWhatsAppSocketFactory(wa.factory);
  logins = new WhatsAppLogins({ ...DEFAULT_LOGIN_TIMING, overallTimeoutMs: 3_000, reopenDelayMs: 10 }, 500);
});

afterEach(async () => {
  setWhatsAppSocketFactory(null);
  await rm(dir, { recursive: true, force: true });
});

/** Asks until `done` holds (a QR is published once its image is rendered). */
async function eventually<T>(ask: () => Promise<T>, done: (answer: T) => boolean, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await ask();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const startOpts = (patch: { force?: boolean; timeoutMs?: number } = {}) => ({ accountId: "default", account, credentialsDir: dir, force: false, timeoutMs: 2_000, log, ...patch });

test("start answers with the first QR as a PNG data URL; a newer QR replaces it", async () => {
  const started = logins.start(startOpts());
  const socket = await wa.socket(0);
  socket.showQr("2@first,QR");
  const first = await started;
  assert.equal(first.qr, "2@first,QR");
  assert.match(first.qrDataUrl ?? "", /^data:image\/png;base64,[A-Za-z0-9+/=]{100,}$/);
  assert.match(first.message, /Linked devices/);

  socket.showQr("2@second,QR");
  const waiting = await eventually(() => logins.wait({ accountId: "default", timeoutMs: 10 }), (answer) => answer.qr !== first.qr);
  assert.equal(waiting.connected, false);
  assert.equal(waiting.qr, "2@second,QR");
  assert.notEqual(waiting.qrDataUrl, first.qrDataUrl);
  const again = await logins.start(startOpts());
  assert.equal(again.qr, "2@second,QR", "asking again shows the current QR, on the same socket");
  assert.equal(wa.sockets.length, 1);
  await logins.logout({ accountId: "default", account, credentialsDir: dir, log });
});

test("scan, then 515 'restart required', then open on a fresh socket: linked, and the login socket is closed", async () => {
  const started = logins.start(startOpts());
  const first = await wa.socket(0);
  first.showQr("2@qr");
  await started;
  const waiting = logins.wait({ accountId: "default", timeoutMs: 2_000 });
  first.pair();
  first.close(515);
  const second = await wa.socket(1);
  assert.deepEqual(second.creds.me, BOT, "the fresh socket starts from the saved creds");
  assert.equal((await stat(join(dir, "creds.json"))).mode & 0o777, 0o600, "tightened as soon as it is written");
  second.open();
  const result = await waiting;
  assert.deepEqual(result, { connected: true, message: "linked as +447700900001" });
  assert.equal(second.ended, true);
  assert.equal(second.loggedOut, false);
  const creds = JSON.parse(await readFile(join(dir, "creds.json"), "utf8"));
  assert.equal(creds.me.id, BOT.id);
  assert.equal((await stat(join(dir, "creds.json"))).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await logins.wait({ accountId: "default", timeoutMs: 10 }), result, "the result stays for later askers");
});

test("wait times out with connected false and the current QR; the login stays pending", async () => {
  const started = logins.start(startOpts());
  const socket = await wa.socket(0);
  socket.showQr("2@qr");
  await started;
  const waiting = await logins.wait({ accountId: "default", timeoutMs: 30 });
  assert.equal(waiting.connected, false);
  assert.equal(waiting.qr, "2@qr");
  assert.ok(waiting.qrDataUrl);
  assert.equal(socket.ended, false);
  socket.pair();
  socket.close(515);
  (await wa.socket(1)).open();
  assert.equal((await logins.wait({ accountId: "default", timeoutMs: 2_000 })).connected, true);
});

test("a socket that runs out of QR codes (408) before the scan is replaced with one that brings new codes", async () => {
  const started = logins.start(startOpts());
  const first = await wa.socket(0);
  first.showQr("2@old");
  await started;
  first.close(408);
  const second = await wa.socket(1);
  second.showQr("2@new");
  const answer = await eventually(() => logins.wait({ accountId: "default", timeoutMs: 10 }), (a) => a.qr !== "2@old");
  assert.equal(answer.qr, "2@new");
  await logins.logout({ accountId: "default", account, credentialsDir: dir, log });
  assert.equal(second.ended, true);
});

test("the whole login times out, closes its socket and says so", async () => {
  logins = new WhatsAppLogins({ ...DEFAULT_LOGIN_TIMING, overallTimeoutMs: 100 }, 500);
  const started = logins.start(startOpts());
  const socket = await wa.socket(0);
  socket.showQr("2@qr");
  await started;
  const result = await logins.wait({ accountId: "default", timeoutMs: 2_000 });
  assert.equal(result.connected, false);
  assert.match(result.message, /timed out/);
  assert.equal(socket.ended, true);
});

test("an existing login is reported, not replaced, unless forced", async () => {
  await writeLinkedCreds(dir);
  const answer = await logins.start(startOpts());
  assert.match(answer.message, /already linked as \+447700900001/);
  assert.equal(answer.qr, undefined);
  assert.equal(wa.sockets.length, 0, "no socket competes with the running connection");
  assert.equal((await logins.wait({ accountId: "default", timeoutMs: 10 })).connected, true);

  const forced = logins.start(startOpts({ force: true }));
  const socket = await wa.socket(0);
  assert.deepEqual(socket.creds, {}, "force starts from empty creds");
  socket.showQr("2@qr");
  assert.equal((await forced).qr, "2@qr");
  await logins.logout({ accountId: "default", account, credentialsDir: dir, log });
});

test("logout tells WhatsApp when it can, then clears the auth dir", async () => {
  await writeLinkedCreds(dir);
  const pending = logins.logout({ accountId: "default", account, credentialsDir: dir, log });
  const socket = await wa.socket(0);
  socket.open();
  assert.deepEqual(await pending, { cleared: true, loggedOut: true });
  assert.equal(socket.loggedOut, true);
  assert.deepEqual(await readdir(dir), []);
});

test("logout without WhatsApp answering still clears; with nothing stored it says so", async () => {
  await writeLinkedCreds(dir);
  const pending = logins.logout({ accountId: "default", account, credentialsDir: dir, log });
  const socket = await wa.socket(0);
  socket.close(408);
  assert.deepEqual(await pending, { cleared: true, loggedOut: false });
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(await logins.logout({ accountId: "default", account, credentialsDir: dir, log }), { cleared: false, loggedOut: false });
});

test("wait with no login started says so", async () => {
  const result = await logins.wait({ accountId: "nobody", timeoutMs: 10 });
  assert.equal(result.connected, false);
  assert.match(result.message, /no WhatsApp login in progress/);
});
