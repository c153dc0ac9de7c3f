/**
 * An in-memory WhatsApp Web socket for the adapter's contract tests (there is no local WhatsApp
 * peer: see spec/channels.md §5.4). A test scripts what Baileys would emit (`open`, `qr`, pairing,
 * `close` with a Boom-like status code, `messages.upsert`) and reads back what the adapter did.
 *
 *   const wa = new FakeWhatsApp();
 *   setWhatsAppSocketFactory(wa.factory);
 *   const socket = await wa.socket(0);   // the first socket the adapter opened
 *   socket.open(); socket.emitMessage(dm("hello")); socket.close(401);
 *
 * Creds: each socket starts from `creds.json` in its auth dir (if any); `pair()` stores `me` and
 * fires `creds.update`, so the adapter's `saveCreds` writes the file (with the process umask, as
 * Baileys does).
 */
import { EventEmitter } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SocketFactory, WAConnectionUpdate, WAEvents, WAInboundMessage, WAKey, WhatsAppSocket } from "../../src/channels/whatsapp/socket.js";

export const BOT = { id: "447700900001:7@s.whatsapp.net", lid: "99887766@lid" };

export type Boomish = Error & { output: { statusCode: number } };

export function boom(statusCode: number, message = `closed (${statusCode})`): Boomish {
  return Object.assign(new Error(message), { output: { statusCode } });
}

type FakeCreds = { me?: { id: string; lid?: string }; registered?: boolean };

export type SentMessage = { jid: string; text: string; quotedId?: string; messageId?: string };

export class FakeWhatsAppSocket implements WhatsAppSocket {
  private readonly emitter = new EventEmitter();
  readonly ws = new EventEmitter();
  user?: { id: string; lid?: string };
  readonly sent: SentMessage[] = [];
  readonly presence: Array<{ type: string; jid: string }> = [];
  readonly reads: WAKey[][] = [];
  loggedOut = false;
  ended = false;
  /** What the next sends answer: a message id, no id, or an error. */
  sendBehaviour: "ok" | "no-id" | "throw" = "ok";
  private isOpen = false;
  private sendCount = 0;

  constructor(
    readonly authDir: string,
    readonly creds: FakeCreds,
  ) {}

  readonly ev: WhatsAppSocket["ev"] = {
    on: (event, listener) => {
      this.emitter.on(event, listener as (arg: unknown) => void);
    },
  };

  emit<E extends keyof WAEvents>(event: E, arg: WAEvents[E]): void {
    this.emitter.emit(event, arg);
  }

  update(update: WAConnectionUpdate): void {
    this.emit("connection.update", update);
  }

  open(user: { id: string; lid?: string } = this.creds.me ?? BOT): void {
    this.user = user;
    this.isOpen = true;
    this.update({ connection: "open" });
  }

  showQr(qr: string): void {
    this.update({ qr });
  }

  /** The phone scanned the QR: Baileys stores our identity and reports a new login. */
  pair(me: { id: string; lid?: string } = BOT): void {
    this.creds.me = me;
    this.emit("creds.update", { me });
    this.update({ isNewLogin: true, qr: undefined });
  }

  /** The server (or the network) closed the socket; no code means a plain close. */
  close(statusCode?: number): void {
    if (this.ended) return;
    this.finish(statusCode === undefined ? undefined : boom(statusCode));
  }

  private finish(error: Error | undefined): void {
    this.ended = true;
    this.isOpen = false;
    this.update({ connection: "close", lastDisconnect: { error, date: new Date() } });
  }

  emitMessage(message: WAInboundMessage, type: "notify" | "append" = "notify"): void {
    this.emit("messages.upsert", { messages: [message], type });
  }

  frame(): void {
    this.ws.emit("message", Buffer.alloc(1));
  }

  async sendMessage(jid: string, content: { text: string }, opts?: { quoted?: WAInboundMessage; messageId?: string }): Promise<{ key: { id?: string | null } } | undefined> {
    if (!this.isOpen) throw boom(428, "Connection Closed");
    this.sent.push({ jid, text: content.text, ...(opts?.quoted?.key.id ? { quotedId: opts.quoted.key.id } : {}), ...(opts?.messageId ? { messageId: opts.messageId } : {}) });
    if (this.sendBehaviour === "throw") throw boom(500, "send failed");
    if (this.sendBehaviour === "no-id") return undefined;
    return { key: { id: opts?.messageId ?? `FAKE${++this.sendCount}` } };
  }

  async sendPresenceUpdate(type: "composing" | "paused", jid: string): Promise<void> {
    this.presence.push({ type, jid });
  }

  async readMessages(keys: WAKey[]): Promise<void> {
    this.reads.push(keys);
  }

  async logout(): Promise<void> {
    if (!this.isOpen) throw boom(428, "Connection Closed");
    this.loggedOut = true;
    this.finish(boom(401, "Intentional Logout"));
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.finish(err);
  }
}

async function readCreds(authDir: string): Promise<FakeCreds> {
  try {
    return JSON.parse(await readFile(join(authDir, "creds.json"), "utf8")) as FakeCreds;
  } catch {
    return {};
  }
}

/** A linked login as `pair()` would have left it (0644, as the umask gives). */
export async function writeLinkedCreds(authDir: string, me: { id: string; lid?: string } = BOT): Promise<void> {
  await writeFile(join(authDir, "creds.json"), JSON.stringify({ me, registered: false }), { mode: 0o644 });
}

export class FakeWhatsApp {
  readonly sockets: FakeWhatsAppSocket[] = [];
  private readonly waiting = new Set<() => void>();

  readonly factory: SocketFactory = async ({ authDir }) => {
    const creds = await readCreds(authDir);
    const socket = new FakeWhatsAppSocket(authDir, creds);
    this.sockets.push(socket);
    for (const wake of [...this.waiting]) wake();
    return { socket, saveCreds: () => writeFile(join(authDir, "creds.json"), JSON.stringify(socket.creds)) };
  };

  /** The `index`-th socket the adapter opened, once it exists (rejects after `timeoutMs`). */
  socket(index: number, timeoutMs = 2_000): Promise<FakeWhatsAppSocket> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const socket = this.sockets[index];
        if (!socket) return;
        clearTimeout(timer);
        this.waiting.delete(check);
        // Listeners attach right after the factory returns: hand the socket over after that.
        setImmediate(() => resolve(socket));
      };
      const timer = setTimeout(() => {
        this.waiting.delete(check);
        reject(new Error(`no socket #${index} after ${timeoutMs} ms (have ${this.sockets.length})`));
      }, timeoutMs);
      this.waiting.add(check);
      check();
    });
  }
}
