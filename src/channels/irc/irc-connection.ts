import { randomUUID } from "node:crypto";
import { IRC_RELAY_PREFIX_MARGIN, ircLines, ircPayloadBudget } from "../irc-lines.js";
import { ChannelSendError, type ChannelConnection, type ConnectContext, type ConnectionEnd, type InboundMessage, type OutboundTarget } from "../types.js";
import { IrcClient } from "./irc-client.js";
import type { IrcAccount, IrcChannelJoin } from "./irc-config.js";
import { outboundSafeText } from "./irc-format.js";
import { inboundFromPrivmsg } from "./irc-inbound.js";
import { MAX_INBOUND_LINE_BYTES } from "./irc-line-buffer.js";
import { ircLower, parseSource, type IrcLine } from "./irc-parse.js";
import { targetProblem } from "./irc-target.js";

/** Inbound messages waiting for `receive` before we drop new ones (a flood while the store is slow). */
const MAX_PENDING_INBOUND = 1000;
/** Numerics that say a JOIN failed (no such channel, too many, full, invite-only, banned, bad key, needs registration). */
const JOIN_ERRORS = new Set(["403", "405", "471", "473", "474", "475", "477"]);

/** Connects one account: resolves once registered (001), with NickServ identification and JOINs under way. */
export async function connectIrc(ctx: ConnectContext<IrcAccount>): Promise<ChannelConnection> {
  const connection = new IrcConnection(ctx);
  await connection.open();
  return connection;
}

class IrcConnection implements ChannelConnection {
  readonly closed: Promise<ConnectionEnd>;
  private readonly client: IrcClient;
  private readonly account: IrcAccount;
  private inbound: Promise<void> = Promise.resolve();
  private inboundPending = 0;
  private droppedLines = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly rejoinTimers = new Set<NodeJS.Timeout>();
  /** Channels we are in, by lower-cased name. */
  private readonly joined = new Map<string, string>();
  private readonly onAbort = () => void this.close();
  /** Two and a half ping intervals without a line: our PINGs went unanswered. */
  readonly silentAfterMs: number;

  constructor(private readonly ctx: ConnectContext<IrcAccount>) {
    const account = (this.account = ctx.account);
    this.silentAfterMs = Math.round(account.pingIntervalMs * 2.5);
    this.client = new IrcClient({
      host: account.host,
      port: account.port,
      tls: account.tls,
      tlsInsecure: account.tlsInsecure,
      nick: account.nick,
      username: account.username,
      realname: account.realname,
      ...(account.password !== undefined ? { password: account.password } : {}),
      connectTimeoutMs: account.connectTimeoutMs,
      signal: ctx.signal,
      onActivity: () => ctx.activity(),
      onMessage: (line) => this.onMessage(line),
      onNickRetry: (refused, next, reason) => ctx.log.warn(`nick ${refused} refused (${reason}); trying ${next}`),
      onDroppedLine: () => {
        if (this.droppedLines++ % 100 === 0) ctx.log.warn(`dropped an IRC line longer than ${MAX_INBOUND_LINE_BYTES} bytes (${this.droppedLines} so far)`);
      },
      onLineError: (err, line) => ctx.log.warn(`error handling IRC ${line.command}: ${err.message}`),
    });
    this.closed = this.client.closed.then((end) => {
      this.stopTimers();
      ctx.signal.removeEventListener("abort", this.onAbort);
      if (this.client.registered) ctx.log.info(end.error ? `disconnected: ${end.error}` : "disconnected");
      return end;
    });
  }

  async open(): Promise<void> {
    const { nick, server } = await this.client.welcomed;
    if (this.ctx.signal.aborted) {
      await this.close();
      throw new Error("IRC connect aborted");
    }
    this.ctx.signal.addEventListener("abort", this.onAbort, { once: true });
    const { host, port, tls, nickserv, channels, pingIntervalMs } = this.account;
    this.ctx.log.info(`connected to ${host}:${port}${tls ? " (TLS)" : ""} as ${nick} (${server || "unknown server"})`);
    this.ctx.setStatus({ nick, server });
    if (nickserv) {
      this.ctx.log.info(`identifying to ${nickserv.service}`);
      this.client.send(`PRIVMSG ${nickserv.service} :IDENTIFY ${nickserv.password}`).catch(() => {});
    }
    for (const channel of channels) this.join(channel);
    this.pingTimer = setInterval(() => this.client.sendNow(`PING :openclaw-${Date.now()}`), pingIntervalMs);
    this.pingTimer.unref();
  }

  selfId(): string | undefined {
    return this.client.registered ? this.client.nick : undefined;
  }

  async sendText(target: OutboundTarget, text: string): Promise<{ messageId?: string }> {
    const to = target.conversationId;
    const problem = targetProblem(to);
    if (problem) throw new ChannelSendError(problem, { permanent: true });
    if (!this.client.isOpen) throw new ChannelSendError("IRC connection is closed");
    let budget: number;
    try {
      budget = ircPayloadBudget(to, this.relayPrefixBytes());
    } catch (err) {
      throw new ChannelSendError((err as Error).message, { permanent: true });
    }
    const lines = ircLines(outboundSafeText(text), { maxBytes: budget });
    await Promise.all(lines.map((line) => this.client.send(`PRIVMSG ${to} :${line}`)));
    // IRC messages have no ids; a local one lets callers tell sends apart.
    return { messageId: randomUUID() };
  }

  async close(): Promise<void> {
    this.stopTimers();
    await this.client.quit("bye");
    await this.closed;
  }

  /**
   * Room for the `:nick!user@host ` the server puts before our line when relaying it: the margin
   * for an unknown mask, or our real mask (seen on our JOIN) if that is longer.
   */
  private relayPrefixBytes(): number {
    const mask = this.client.selfMask;
    const userHost = mask ? mask.slice(mask.indexOf("!") + 1) : "";
    const known = userHost ? Buffer.byteLength(`:${this.client.nick}!${userHost} `) : 0;
    return Math.max(IRC_RELAY_PREFIX_MARGIN, known);
  }

  private join(channel: IrcChannelJoin): void {
    this.client.send(channel.key ? `JOIN ${channel.name} ${channel.key}` : `JOIN ${channel.name}`).catch(() => {});
  }

  private configuredChannel(name: string): IrcChannelJoin | undefined {
    const key = ircLower(name);
    return this.account.channels.find((c) => ircLower(c.name) === key);
  }

  private isSelf(prefix: string | undefined): boolean {
    return !!prefix && ircLower(parseSource(prefix).nick) === ircLower(this.client.nick);
  }

  private onMessage(line: IrcLine): void {
    const [first, second] = line.params;
    switch (line.command) {
      case "PRIVMSG": {
        const message = inboundFromPrivmsg(line, {
          accountId: this.ctx.accountId,
          selfNick: this.client.nick,
          ignoreNicks: [this.account.nickserv?.service ?? "NickServ"],
        });
        if (message) this.deliver(message);
        return;
      }
      case "JOIN":
        if (first && this.isSelf(line.prefix)) {
          this.joined.set(ircLower(first), first);
          this.ctx.log.info(`joined ${first}`);
          this.reportChannels();
        }
        return;
      case "PART":
        if (first && this.isSelf(line.prefix)) {
          this.joined.delete(ircLower(first));
          this.reportChannels();
        }
        return;
      case "KICK":
        if (first && second && ircLower(second) === ircLower(this.client.nick)) this.onKicked(first, line.params[2] ?? "");
        return;
      case "NICK":
        // IrcClient already follows our nick; a NICK whose new nick is ours is our own change.
        if (first && ircLower(first) === ircLower(this.client.nick)) {
          this.ctx.log.info(`nick is now ${first}`);
          this.ctx.setStatus({ nick: first });
        }
        return;
    }
    if (JOIN_ERRORS.has(line.command) && second) {
      this.ctx.log.warn(`cannot join ${second}: ${line.params[line.params.length - 1]}`);
    }
  }

  private onKicked(channel: string, reason: string): void {
    this.joined.delete(ircLower(channel));
    this.reportChannels();
    const configured = this.configuredChannel(channel);
    this.ctx.log.warn(`kicked from ${channel}${reason ? ` (${reason})` : ""}${configured ? `; rejoining in ${this.account.rejoinDelayMs} ms` : ""}`);
    if (!configured) return;
    const timer = setTimeout(() => {
      this.rejoinTimers.delete(timer);
      if (this.client.isOpen) this.join(configured);
    }, this.account.rejoinDelayMs);
    this.rejoinTimers.add(timer);
  }

  /** Hands messages to core one at a time, in the order they arrived; reading goes on meanwhile. */
  private deliver(message: InboundMessage): void {
    if (this.inboundPending >= MAX_PENDING_INBOUND) {
      this.ctx.log.warn(`dropped an IRC message from ${message.sender.name}: ${MAX_PENDING_INBOUND} messages are waiting to be stored`);
      return;
    }
    this.inboundPending++;
    this.inbound = this.inbound
      .then(() => this.ctx.receive(message))
      .catch((err: unknown) => this.ctx.log.warn(`could not store an IRC message from ${message.sender.name}: ${(err as Error)?.message ?? String(err)}`))
      .finally(() => {
        this.inboundPending--;
      });
  }

  private reportChannels(): void {
    this.ctx.setStatus({ joined: [...this.joined.values()] });
  }

  private stopTimers(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    for (const timer of this.rejoinTimers) clearTimeout(timer);
    this.rejoinTimers.clear();
  }
}
