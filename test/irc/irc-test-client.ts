/**
 * A tiny raw-socket IRC client for tests (no library): it connects, registers, joins, sends
 * PRIVMSGs, answers PING with PONG, records every line it receives, and waits for a line that
 * matches a predicate. Every client still open when the test file ends is destroyed.
 * Not a *.test.ts file, so `node --test` does not run it by itself.
 */
import { createConnection, type Socket } from "node:net";
import { after } from "node:test";

/** One parsed IRC line: `[:prefix] COMMAND params... [:trailing]` (RFC 1459 §2.3.1). */
export type IrcMessage = {
  /** The line as received, without CR LF. */
  raw: string;
  prefix?: string;
  /** The nick part of a `nick!user@host` prefix (or the server name). */
  nick?: string;
  /** Upper-cased; numerics stay as three digits ("001"). */
  command: string;
  /** The trailing parameter, if any, is the last one. */
  params: string[];
};

export function parseIrcLine(raw: string): IrcMessage {
  let rest = raw;
  let prefix: string | undefined;
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    prefix = rest.slice(1, sp < 0 ? undefined : sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1);
  }
  const params: string[] = [];
  let trailing: string | undefined;
  const colon = rest.indexOf(" :");
  if (rest.startsWith(":")) [trailing, rest] = [rest.slice(1), ""];
  else if (colon >= 0) [trailing, rest] = [rest.slice(colon + 2), rest.slice(0, colon)];
  const words = rest.split(" ").filter(Boolean);
  const command = (words.shift() ?? "").toUpperCase();
  params.push(...words);
  if (trailing !== undefined) params.push(trailing);
  return { raw, prefix, nick: prefix?.split("!")[0], command, params };
}

export type WaitOptions = { timeoutMs?: number; /** Only lines at index >= from (see mark()). Default 0. */ from?: number; label?: string };

const open = new Set<IrcTestClient>();

export class IrcTestClient {
  /** Every line received, in order, without CR LF (PINGs included). */
  readonly lines: string[] = [];
  readonly messages: IrcMessage[] = [];
  /** Every line sent by send(), without CR LF. */
  readonly sent: string[] = [];
  nick = "";
  isClosed = false;
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private listeners = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    open.add(this);
    this.closed = new Promise((resolveClosed) =>
      socket.once("close", () => {
        this.isClosed = true;
        open.delete(this);
        for (const l of [...this.listeners]) l();
        resolveClosed();
      }),
    );
    socket.on("error", () => {}); // a reset shows up as "close"
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (let nl = this.buffer.indexOf(10); nl >= 0; nl = this.buffer.indexOf(10)) {
        const line = this.buffer.subarray(0, nl).toString("utf8").replace(/\r$/, "");
        this.buffer = this.buffer.subarray(nl + 1);
        const msg = parseIrcLine(line);
        this.lines.push(line);
        this.messages.push(msg);
        if (msg.command === "PING") this.send(`PONG :${msg.params[0] ?? ""}`);
      }
      for (const l of [...this.listeners]) l();
    });
  }

  /** Opens a TCP connection (nothing is sent yet). */
  static connect(host: string, port: number, timeoutMs = 5000): Promise<IrcTestClient> {
    return new Promise((resolveConnect, reject) => {
      const socket = createConnection({ host, port });
      const timer = setTimeout(() => (socket.destroy(), reject(new Error(`IRC connect to ${host}:${port} timed out`))), timeoutMs);
      socket.once("error", (err) => (clearTimeout(timer), reject(err)));
      socket.once("connect", () => (clearTimeout(timer), resolveConnect(new IrcTestClient(socket))));
    });
  }

  /** Index of the next line to arrive: pass as `from` to wait only for lines after this point. */
  mark(): number {
    return this.lines.length;
  }

  /** Sends one line; CR LF is appended. */
  send(line: string): void {
    this.sent.push(line);
    if (!this.isClosed) this.socket.write(`${line}\r\n`);
  }

  /** Sends bytes exactly as given (no CR LF added): for hostile or oversized input. */
  sendRaw(data: string | Buffer): void {
    if (!this.isClosed) this.socket.write(data);
  }

  /** NICK + USER (+ PASS); resolves with the 001 welcome, rejects on ERROR, a 4xx nick/pass error or close. */
  async register(nick: string, opts: { user?: string; realname?: string; password?: string; timeoutMs?: number } = {}): Promise<IrcMessage> {
    const from = this.mark();
    this.nick = nick;
    if (opts.password !== undefined) this.send(`PASS ${opts.password}`);
    this.send(`NICK ${nick}`);
    this.send(`USER ${opts.user ?? nick} 0 * :${opts.realname ?? nick}`);
    const msg = await this.waitFor((m) => m.command === "001" || m.command === "ERROR" || /^4(3[1-6]|6[1-4])$/.test(m.command), { from, timeoutMs: opts.timeoutMs, label: `001 welcome for ${nick}` });
    if (msg.command !== "001") throw new Error(`registration of ${nick} failed: ${msg.raw}`);
    return msg;
  }

  /** JOIN; resolves once the server ended the NAMES list (366) for the channel. */
  async join(channel: string, timeoutMs?: number): Promise<IrcMessage> {
    const from = this.mark();
    this.send(`JOIN ${channel}`);
    const lc = channel.toLowerCase();
    const msg = await this.waitFor((m) => (m.command === "366" && m.params[1]?.toLowerCase() === lc) || (/^4\d\d$/.test(m.command) && m.params[1]?.toLowerCase() === lc), { from, timeoutMs, label: `JOIN ${channel}` });
    if (msg.command !== "366") throw new Error(`JOIN ${channel} failed: ${msg.raw}`);
    return msg;
  }

  privmsg(target: string, text: string): void {
    this.send(`PRIVMSG ${target} :${text}`);
  }

  /** The first line (at index >= from) matching `predicate`; rejects after the timeout or when the socket closes first. */
  waitFor(predicate: (msg: IrcMessage) => boolean, opts: WaitOptions = {}): Promise<IrcMessage> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolveWait, reject) => {
      let scanned = opts.from ?? 0;
      const finish = (err: Error | null, msg?: IrcMessage) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) reject(err);
        else resolveWait(msg!);
      };
      const failure = (why: string) => new Error(`${why} waiting for ${opts.label ?? "a matching IRC line"} (${this.nick || "unregistered"}); last lines:\n${this.lines.slice(-15).join("\n")}`);
      const check = () => {
        for (; scanned < this.messages.length; scanned++) if (predicate(this.messages[scanned])) return finish(null, this.messages[scanned]);
        if (this.isClosed) finish(failure("socket closed"));
      };
      const timer = setTimeout(() => finish(failure(`timed out after ${timeoutMs}ms`)), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves once the socket is closed (by either side); rejects after the timeout. */
  async waitForClose(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`IRC socket of ${this.nick || "unregistered"} still open after ${timeoutMs}ms`)), timeoutMs)));
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends QUIT and waits (up to timeoutMs) for the server to close the socket; destroys it then anyway. */
  async quit(message = "bye", timeoutMs = 2000): Promise<void> {
    if (this.isClosed) return;
    this.send(`QUIT :${message}`);
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects and registers `nick` in one go. */
export async function connectIrc(host: string, port: number, nick: string, opts: { password?: string; timeoutMs?: number } = {}): Promise<IrcTestClient> {
  const client = await IrcTestClient.connect(host, port, opts.timeoutMs);
  try {
    await client.register(nick, opts);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return client;
}

export function destroyAllIrcClients(): void {
  for (const c of [...open]) c.destroy();
}

after(destroyAllIrcClients);
