import type { Socket } from "node:net";
import { IRC_LINE_BYTES } from "../irc-lines.js";
import { ChannelSendError, type ConnectionEnd } from "../types.js";
import { LineBuffer } from "./irc-line-buffer.js";
import { fallbackNick, MAX_NICK_ATTEMPTS } from "./irc-nick.js";
import { LinePacer } from "./irc-pacer.js";
import { ircLower, parseIrcLine, parseSource, type IrcLine } from "./irc-parse.js";
import { describeSocketError, dial, type DialOptions } from "./irc-socket.js";

export type IrcClientOptions = DialOptions & {
  nick: string;
  username: string;
  realname: string;
  /** Server password (PASS). */
  password?: string;
  /** From the first byte to the 001 welcome. */
  connectTimeoutMs: number;
  /** Aborting before the welcome fails the registration; afterwards the owner closes. */
  signal?: AbortSignal;
  /** Any line from the server, well-formed or not. */
  onActivity?(): void;
  /** Each parsed line after the welcome, in order (PINGs are answered here first). */
  onMessage?(line: IrcLine): void;
  /** Our nick was refused before the welcome and `next` is tried instead. */
  onNickRetry?(refused: string, next: string, reason: string): void;
  /** A handler threw on `line`; the line is skipped and the link stays up. */
  onLineError?(err: Error, line: IrcLine): void;
  /** A line too long to keep was dropped. */
  onDroppedLine?(): void;
};

export type Welcome = { nick: string; server: string };

/** How long QUIT waits for the server to close the socket before destroying it. */
const QUIT_GRACE_MS = 2000;
const NICK_REFUSED = new Set(["433", "436", "437"]);
const FORBIDDEN_IN_LINE = /[\r\n\0]/;

/**
 * One registered IRC session on a raw socket: PASS / NICK / USER, nick fallback until the 001
 * welcome, PING → PONG, tracking our nick, and paced writes. It knows nothing of channels or
 * messages; IrcConnection and the probe build on it.
 */
export class IrcClient {
  nick: string;
  server = "";
  registered = false;
  /** Our `nick!user@host` as others see it, once the server echoed it (on our JOIN). */
  selfMask: string | undefined;
  /** Resolves at 001; rejects with a one-line reason if registration failed. */
  readonly welcomed: Promise<Welcome>;
  /** Resolves (never rejects) once the socket is closed. */
  readonly closed: Promise<ConnectionEnd>;

  private readonly socket: Socket;
  private readonly buffer = new LineBuffer();
  private readonly pacer: LinePacer;
  private readonly timer: NodeJS.Timeout;
  private nickAttempts = 1;
  private connected = false;
  private quitting = false;
  private isClosed = false;
  /** Why the link ended, first reason wins: an ERROR line, a socket error, a failed registration. */
  private endReason: string | undefined;
  private resolveWelcome!: (w: Welcome) => void;
  private rejectWelcome!: (err: Error) => void;
  private readonly onAbort = () => {
    if (!this.registered) this.fail("IRC connect aborted");
  };

  constructor(private readonly opts: IrcClientOptions) {
    this.nick = opts.nick;
    this.welcomed = new Promise<Welcome>((resolve, reject) => {
      this.resolveWelcome = resolve;
      this.rejectWelcome = reject;
    });
    this.welcomed.catch(() => {});
    const { socket, ready } = dial(opts);
    this.socket = socket;
    this.pacer = new LinePacer((line) => this.writeLine(line));
    this.timer = setTimeout(() => {
      const where = `${opts.host}:${opts.port}`;
      this.fail(this.connected ? `IRC server ${where} did not welcome us within ${opts.connectTimeoutMs} ms` : `IRC connection to ${where} timed out after ${opts.connectTimeoutMs} ms`);
    }, opts.connectTimeoutMs);
    this.closed = new Promise<ConnectionEnd>((resolve) => {
      socket.once("close", () => {
        this.isClosed = true;
        clearTimeout(this.timer);
        opts.signal?.removeEventListener("abort", this.onAbort);
        this.pacer.close(new ChannelSendError("IRC connection closed before the line was sent"));
        if (!this.registered) this.rejectWelcome(new Error(this.endReason ?? `IRC server ${opts.host}:${opts.port} closed the connection before the welcome`));
        resolve(this.quitting && this.registered ? {} : { error: this.endReason ?? "IRC server closed the connection" });
      });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.endReason ??= describeSocketError(err, opts);
    });
    socket.once(ready, () => this.register());
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    if (opts.signal?.aborted) queueMicrotask(this.onAbort);
    else opts.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  get isOpen(): boolean {
    return !this.isClosed && !this.quitting;
  }

  /** Queues a line behind the pacer; resolves once written. */
  send(line: string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new ChannelSendError("IRC connection is closed"));
    try {
      checkLine(line);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.pacer.push(line);
  }

  /** Writes a line now, ahead of anything paced (PONG, our PING, QUIT); false if it could not be. */
  sendNow(line: string): boolean {
    try {
      this.writeLine(line);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends QUIT and waits for the server to close the socket (destroying it after a grace period). */
  async quit(message: string): Promise<void> {
    if (this.isClosed) return;
    if (!this.quitting) {
      this.quitting = true;
      this.pacer.close(new ChannelSendError("IRC connection closed before the line was sent"));
      if (this.connected) this.sendNow(`QUIT :${message}`);
      this.endSoon();
    }
    await this.closed;
  }

  /** Half-closes the socket and destroys it if the server does not finish closing in time. */
  private endSoon(): void {
    this.socket.end();
    const grace = setTimeout(() => this.socket.destroy(), QUIT_GRACE_MS);
    void this.closed.then(() => clearTimeout(grace));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private register(): void {
    this.connected = true;
    const { password, username, realname } = this.opts;
    if (password !== undefined) this.sendNow(`PASS ${/[ :]/.test(password) ? `:${password}` : password}`);
    this.sendNow(`NICK ${this.nick}`);
    this.sendNow(`USER ${username} 0 * :${realname}`);
  }

  private fail(reason: string): void {
    this.endReason ??= reason;
    this.rejectWelcome(new Error(this.endReason));
    this.socket.destroy();
  }

  private writeLine(line: string): void {
    checkLine(line);
    if (this.socket.destroyed || !this.socket.writable) throw new ChannelSendError("IRC connection is closed");
    this.socket.write(`${line}\r\n`);
  }

  private onData(chunk: Buffer): void {
    const before = this.buffer.dropped;
    for (const raw of this.buffer.push(chunk)) {
      if (this.isClosed) return;
      this.opts.onActivity?.();
      const line = parseIrcLine(raw);
      if (!line) continue;
      try {
        this.onLine(line);
      } catch (err) {
        this.opts.onLineError?.(err as Error, line);
      }
    }
    if (this.buffer.dropped > before) {
      this.opts.onActivity?.();
      this.opts.onDroppedLine?.();
    }
  }

  private onLine(line: IrcLine): void {
    switch (line.command) {
      case "PING":
        this.sendNow(line.params.length > 0 ? `PONG :${line.params[line.params.length - 1]}` : "PONG");
        return;
      case "ERROR":
        if (!this.registered) return this.fail(`IRC server ${this.opts.host}:${this.opts.port} refused us before the welcome: ${line.params[0] ?? "ERROR"}`);
        this.endReason ??= `IRC server closed the link: ${line.params[0] ?? "ERROR"}`;
        this.endSoon();
        return;
    }
    if (!this.registered) return this.onRegistrationLine(line);
    if (line.command === "NICK" && line.prefix && line.params[0] && ircLower(parseSource(line.prefix).nick) === ircLower(this.nick)) {
      this.nick = line.params[0];
    } else if (line.command === "JOIN" && line.prefix && ircLower(parseSource(line.prefix).nick) === ircLower(this.nick)) {
      this.selfMask = line.prefix;
    }
    this.opts.onMessage?.(line);
  }

  private onRegistrationLine(line: IrcLine): void {
    const reason = line.params[line.params.length - 1] ?? line.command;
    if (line.command === "001") {
      this.registered = true;
      clearTimeout(this.timer);
      if (line.params[0] && line.params.length > 1) this.nick = line.params[0];
      this.server = line.prefix ?? "";
      this.resolveWelcome({ nick: this.nick, server: this.server });
    } else if (NICK_REFUSED.has(line.command) || (line.command === "432" && this.nickAttempts > 1)) {
      if (this.nickAttempts >= MAX_NICK_ATTEMPTS) return this.fail(`IRC nick ${this.opts.nick} and ${MAX_NICK_ATTEMPTS - 1} alternatives were refused (${reason})`);
      const next = fallbackNick(this.opts.nick, this.nickAttempts++);
      this.opts.onNickRetry?.(this.nick, next, reason);
      this.nick = next;
      this.sendNow(`NICK ${next}`);
    } else if (line.command === "432") {
      this.fail(`IRC server refused the nick ${this.opts.nick}: ${reason}`);
    } else if (line.command === "464") {
      this.fail(`IRC server password rejected: ${reason}`);
    } else if (line.command === "465") {
      this.fail(`IRC server banned us: ${reason}`);
    }
  }
}

/** No line may carry CR, LF or NUL (they would end it and start another command) or exceed 512 bytes. */
function checkLine(line: string): void {
  if (FORBIDDEN_IN_LINE.test(line)) throw new ChannelSendError("refusing to send an IRC line containing CR, LF or NUL", { permanent: true });
  if (Buffer.byteLength(line, "utf8") + 2 > IRC_LINE_BYTES) throw new ChannelSendError("IRC line longer than 512 bytes", { permanent: true });
}
