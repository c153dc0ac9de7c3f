/**
 * One live WhatsApp Web connection of one account.
 *
 * Opening: a socket on the stored login; `connect` resolves on `connection: "open"`. A 515
 * ("restart required") before that is a protocol step, not a failure: the socket is replaced once
 * with the saved creds. A 515 after opening ends the connection with `retryAfterMs: 0`, and core
 * reconnects after its minimum backoff. A QR before opening means the stored login is not usable.
 *
 * Liveness: every raw frame (Baileys pings every 30 s and WhatsApp answers), every connection,
 * creds and message event counts as activity, so core's silence watchdog fires only when the
 * transport itself went quiet. Baileys' own keep-alive ends a socket whose pings go unanswered.
 */
import { randomBytes } from "node:crypto";
import { ChannelSendError, type ChannelConnection, type ConnectContext, type ConnectionEnd, type OutboundTarget } from "../types.js";
import type { WhatsAppAccount } from "./account.js";
import { clearAuthDir, CredsWriter, prepareAuthDir, readLink } from "./auth-dir.js";
import { settleWithin } from "./deadline.js";
import { classifyClose, connectionEndOf, notLinkedEnd, WhatsAppConnectError } from "./disconnect.js";
import { toInboundMessage } from "./inbound.js";
import { jidToE164, normalizeJid, parseTarget, selfJids } from "./jid.js";
import { RecentMessages } from "./recent-messages.js";
import { createWhatsAppSocket } from "./socket-factory.js";
import type { WAConnectionUpdate, WAEvents, WAInboundMessage, WhatsAppSocket } from "./socket.js";

export type ConnectionTiming = {
  /** How long `connect` waits for `open` before giving up. */
  connectTimeoutMs: number;
  /** How long `close` waits for Baileys to end the socket. */
  closeTimeoutMs: number;
  /** Messages that arrived while we were offline come as `append`; older ones than this are history. */
  catchUpMs: number;
};

const DEFAULT_TIMING: ConnectionTiming = { connectTimeoutMs: 60_000, closeTimeoutMs: 5_000, catchUpMs: 6 * 3_600_000 };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function timestampSeconds(value: WAInboundMessage["messageTimestamp"]): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  return value && typeof value.toNumber === "function" ? value.toNumber() : NaN;
}

/** Baileys' own id format; chosen before sending so self-chat mode knows its reply when it echoes back. */
function newMessageId(): string {
  return `3EB0${randomBytes(18).toString("hex").toUpperCase()}`;
}

export async function connectWhatsApp(ctx: ConnectContext<WhatsAppAccount>, timing: ConnectionTiming = DEFAULT_TIMING): Promise<ChannelConnection> {
  const authDir = ctx.account.authDir ?? ctx.credentialsDir();
  if (!(await readLink(authDir)).linked) throw new WhatsAppConnectError(notLinkedEnd(ctx.accountId));
  await prepareAuthDir(authDir);
  const connection = new WhatsAppConnection(ctx, authDir, timing);
  await connection.open();
  return connection;
}

class WhatsAppConnection implements ChannelConnection {
  readonly closed: Promise<ConnectionEnd>;
  private resolveClosed!: (end: ConnectionEnd) => void;
  private phase: "opening" | "open" | "ended" = "opening";
  private socket: WhatsAppSocket | null = null;
  private restarted = false;
  private self: string | undefined;
  private opening: { resolve(): void; reject(err: Error): void } | null = null;
  private openTimer: NodeJS.Timeout | undefined;
  private inbound: Promise<void> = Promise.resolve();
  private readonly recent = new RecentMessages();
  private readonly creds: CredsWriter;
  private readonly onAbort = () => void this.close();

  constructor(
    private readonly ctx: ConnectContext<WhatsAppAccount>,
    private readonly authDir: string,
    private readonly timing: ConnectionTiming,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.creds = new CredsWriter(authDir, (err) => ctx.log.error(`whatsapp: saving credentials failed: ${err.message}`));
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.opening = { resolve, reject };
      if (this.ctx.signal.aborted) return this.finish({ error: "stopped before the connection opened" });
      this.ctx.signal.addEventListener("abort", this.onAbort, { once: true });
      this.openTimer = setTimeout(() => this.fail({ error: `WhatsApp did not open the connection within ${this.timing.connectTimeoutMs / 1000} s` }), this.timing.connectTimeoutMs);
      void this.attach();
    });
  }

  private async attach(): Promise<void> {
    let created: Awaited<ReturnType<typeof createWhatsAppSocket>>;
    try {
      created = await createWhatsAppSocket({ authDir: this.authDir, log: this.ctx.log });
    } catch (err) {
      return this.finish({ error: `could not start WhatsApp: ${messageOf(err)}` });
    }
    const { socket, saveCreds } = created;
    if (this.phase === "ended") return void this.dispose(socket);
    this.socket = socket;
    const current = () => this.socket === socket;
    socket.ws?.on("message", () => current() && this.ctx.activity());
    socket.ev.on("creds.update", () => this.creds.save(saveCreds));
    socket.ev.on("connection.update", (update) => current() && this.onUpdate(update));
    socket.ev.on("messages.upsert", (upsert) => current() && this.onUpsert(socket, upsert));
  }

  private onUpdate(update: WAConnectionUpdate): void {
    this.ctx.activity();
    if (update.qr && this.phase === "opening") return this.fail(notLinkedEnd(this.ctx.accountId));
    if (update.connection === "open" && this.phase === "opening") {
      this.phase = "open";
      clearTimeout(this.openTimer);
      const id = this.socket?.user?.id;
      const self = (this.self = id ? (jidToE164(id) ?? normalizeJid(id)) : undefined);
      this.ctx.setStatus({ linked: true, ...(self ? { self } : {}) });
      this.ctx.log.debug(`whatsapp: connection open${self ? ` as ${self}` : ""}`);
      this.opening?.resolve();
      this.opening = null;
    }
    if (update.connection === "close") void this.onClose(update.lastDisconnect?.error);
  }

  private async onClose(error: unknown): Promise<void> {
    this.socket = null;
    if (this.phase === "ended") return;
    const reason = classifyClose(error);
    if (reason.kind === "restartRequired" && this.phase === "opening" && !this.restarted) {
      this.restarted = true;
      this.ctx.log.debug("whatsapp: restart required before open; reopening with the saved login");
      await this.creds.settled();
      return this.attach();
    }
    const end = connectionEndOf(reason, this.ctx.accountId);
    if (reason.kind === "loggedOut") {
      this.phase = "ended";
      this.ctx.setStatus({ linked: false });
      await this.creds.stop();
      await clearAuthDir(this.authDir).catch((err: Error) => this.ctx.log.error(`whatsapp: clearing the revoked login failed: ${err.message}`));
    }
    this.finish(end);
  }

  /** Ends the connection with `end`; before `open` that is `connect`'s rejection. */
  private finish(end: ConnectionEnd, rejection: Error = new WhatsAppConnectError(end)): void {
    this.phase = "ended";
    clearTimeout(this.openTimer);
    this.ctx.signal.removeEventListener("abort", this.onAbort);
    this.opening?.reject(rejection);
    this.opening = null;
    this.resolveClosed(end);
  }

  /** Gives up on the current socket (no `close` from Baileys will follow that we act on). */
  private fail(end: ConnectionEnd): void {
    const socket = this.socket;
    this.socket = null;
    this.finish(end);
    if (socket) void this.dispose(socket);
  }

  private async dispose(socket: WhatsAppSocket): Promise<void> {
    await settleWithin(socket.end(undefined), this.timing.closeTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.phase === "ended") return this.creds.settled();
    const socket = this.socket;
    this.socket = null;
    this.finish({}, new WhatsAppConnectError({ error: "stopped before the connection opened" }));
    if (socket) await this.dispose(socket);
    await this.creds.settled();
  }

  private onUpsert(socket: WhatsAppSocket, upsert: WAEvents["messages.upsert"]): void {
    this.ctx.activity();
    const oldest = Date.now() / 1000 - this.timing.catchUpMs / 1000;
    for (const raw of upsert.messages ?? []) {
      if (upsert.type !== "notify" && !(timestampSeconds(raw.messageTimestamp) >= oldest)) continue;
      this.inbound = this.inbound
        .then(() => this.deliver(socket, raw))
        .catch((err) => this.ctx.log.warn(`whatsapp: could not read message ${raw?.key?.id ?? "?"}: ${messageOf(err)}`));
    }
  }

  /** Stores the message through core, and only then sends the read receipt that acknowledges it. */
  private async deliver(socket: WhatsAppSocket, raw: WAInboundMessage): Promise<void> {
    const { ctx } = this;
    const message = toInboundMessage(raw, {
      accountId: ctx.accountId,
      self: selfJids(socket.user),
      selfChatMode: ctx.account.selfChatMode,
      sentByUs: (id) => this.recent.wasSent(id),
    });
    if (!message) return;
    this.recent.rememberInbound(message.conversationId, raw);
    try {
      await ctx.receive(message);
    } catch (err) {
      ctx.log.warn(`whatsapp: message ${message.messageId} was not stored, so it is not marked read: ${messageOf(err)}`);
      return;
    }
    if (!ctx.account.sendReadReceipts || raw.key.fromMe || this.socket !== socket || this.phase !== "open") return;
    try {
      await socket.readMessages([raw.key]);
    } catch (err) {
      ctx.log.debug(`whatsapp: read receipt for ${message.messageId} failed: ${messageOf(err)}`);
    }
  }

  private liveSocket(): WhatsAppSocket {
    if (this.phase !== "open" || !this.socket) throw new ChannelSendError("WhatsApp is not connected");
    return this.socket;
  }

  private jidOf(target: OutboundTarget): string {
    const parsed = parseTarget(target.conversationId);
    if ("error" in parsed) throw new ChannelSendError(parsed.error, { permanent: true });
    return parsed.conversationId;
  }

  async sendText(target: OutboundTarget, text: string, opts?: { replyToId?: string }): Promise<{ messageId?: string }> {
    const socket = this.liveSocket();
    const jid = this.jidOf(target);
    const quoted = opts?.replyToId ? this.recent.inboundById(jid, opts.replyToId) : undefined;
    const messageId = newMessageId();
    this.recent.rememberSent(messageId);
    let sent: Awaited<ReturnType<WhatsAppSocket["sendMessage"]>>;
    try {
      sent = await socket.sendMessage(jid, { text }, { messageId, ...(quoted ? { quoted } : {}) });
    } catch (err) {
      throw new ChannelSendError(`WhatsApp send failed: ${messageOf(err)}`);
    }
    const id = sent?.key?.id;
    if (!id) throw new ChannelSendError("WhatsApp returned no message id, so the message is not known to be sent");
    this.recent.rememberSent(id);
    return { messageId: id };
  }

  async sendTyping(target: OutboundTarget): Promise<void> {
    const socket = this.liveSocket();
    try {
      await socket.sendPresenceUpdate("composing", this.jidOf(target));
    } catch (err) {
      if (err instanceof ChannelSendError) throw err;
      throw new ChannelSendError(`WhatsApp typing failed: ${messageOf(err)}`);
    }
  }

  selfId(): string | undefined {
    return this.self;
  }
}
