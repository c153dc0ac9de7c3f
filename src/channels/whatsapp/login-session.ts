/**
 * One QR login in progress. WhatsApp's pairing is a short conversation of sockets:
 *   1. a socket on empty creds gets QR codes (a new one every ~20 s; the latest replaces the last);
 *   2. once the phone scans one, Baileys stores the creds and the server closes with 515
 *      ("restart required"): that is success so far, not an error;
 *   3. a fresh socket on the saved creds reaches `open`: linked. It is closed again at once, so the
 *      gateway's own connection never competes with it.
 * A socket that runs out of QR codes (408) before a scan is replaced while the login has time left.
 */
import type { Logger } from "../../infra/logger.js";
import { clearAuthDir, CredsWriter, prepareAuthDir } from "./auth-dir.js";
import { settleWithin } from "./deadline.js";
import { classifyClose } from "./disconnect.js";
import { jidToE164 } from "./jid.js";
import { qrDataUrl } from "./qr-image.js";
import { createWhatsAppSocket } from "./socket-factory.js";
import type { WAConnectionUpdate, WhatsAppSocket } from "./socket.js";

export type LoginTiming = {
  /** The whole login, from the first socket to `open`. */
  overallTimeoutMs: number;
  /** Best-effort socket teardown. */
  closeTimeoutMs: number;
  /** Pause before replacing a socket that ended before the scan. */
  reopenDelayMs: number;
  /** Sockets replaced before the scan (each brings a new series of QR codes). */
  maxQrRounds: number;
  /** Sockets replaced after the scan (the 515 step, a dropped connection while finishing). */
  maxRestarts: number;
};

export const DEFAULT_LOGIN_TIMING: LoginTiming = { overallTimeoutMs: 180_000, closeTimeoutMs: 5_000, reopenDelayMs: 1_000, maxQrRounds: 3, maxRestarts: 3 };

export type LoginResult = { connected: boolean; message: string };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class LoginSession {
  qr?: string;
  qrDataUrl?: string;
  /** Counts the QR codes published so far; a waiter compares it to see a new one. */
  qrVersion = 0;
  result?: LoginResult;
  private qrSeen = 0;
  private socket: WhatsAppSocket | null = null;
  private finishing = false;
  private paired = false;
  private qrRounds = 0;
  private restarts = 0;
  private deadline: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly creds: CredsWriter;

  constructor(
    readonly authDir: string,
    private readonly log: Logger,
    private readonly timing: LoginTiming,
  ) {
    this.creds = new CredsWriter(authDir, (err) => log.error(`whatsapp login: saving credentials failed: ${err.message}`));
  }

  /** A login that ended before it needed a socket ("already linked"). */
  static finished(authDir: string, log: Logger, result: LoginResult): LoginSession {
    const session = new LoginSession(authDir, log, DEFAULT_LOGIN_TIMING);
    session.finishing = true;
    session.result = result;
    return session;
  }

  begin(): void {
    this.deadline = setTimeout(() => void this.finish({ connected: false, message: "login timed out: the QR code was not scanned in time" }), this.timing.overallTimeoutMs);
    this.deadline.unref();
    void this.attach();
  }

  /** Resolves when `done()` holds (checked on every change) or after `ms`. */
  until(ms: number, done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => done() && stop();
      const timer = setTimeout(stop, Math.max(0, ms));
      this.waiters.add(check);
    });
  }

  cancel(message: string): Promise<void> {
    return this.finish({ connected: false, message });
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }

  private async attach(): Promise<void> {
    let created: Awaited<ReturnType<typeof createWhatsAppSocket>>;
    try {
      created = await createWhatsAppSocket({ authDir: this.authDir, log: this.log });
    } catch (err) {
      return this.finish({ connected: false, message: `login failed: could not start WhatsApp: ${messageOf(err)}` });
    }
    const { socket, saveCreds } = created;
    if (this.finishing) return void settleWithin(socket.end(undefined), this.timing.closeTimeoutMs);
    this.socket = socket;
    socket.ev.on("creds.update", () => this.creds.save(saveCreds));
    socket.ev.on("connection.update", (update) => {
      if (this.socket === socket) void this.onUpdate(socket, update);
    });
  }

  private async onUpdate(socket: WhatsAppSocket, update: WAConnectionUpdate): Promise<void> {
    if (update.isNewLogin) this.paired = true;
    if (update.qr) void this.publishQr(update.qr);
    if (update.connection === "open") {
      const self = socket.user?.id ? jidToE164(socket.user.id) : undefined;
      return this.finish({ connected: true, message: self ? `linked as ${self}` : "linked" });
    }
    if (update.connection === "close") return this.onClose(update.lastDisconnect?.error);
  }

  private async publishQr(qr: string): Promise<void> {
    const seen = ++this.qrSeen;
    let dataUrl: string | undefined;
    try {
      dataUrl = await qrDataUrl(qr);
    } catch (err) {
      this.log.warn(`whatsapp login: could not render the QR code: ${messageOf(err)}`);
    }
    if (seen !== this.qrSeen || this.finishing) return;
    this.qr = qr;
    this.qrDataUrl = dataUrl;
    this.qrVersion++;
    this.changed();
  }

  private async onClose(error: unknown): Promise<void> {
    this.socket = null;
    if (this.finishing) return;
    const reason = classifyClose(error);
    if (reason.kind === "loggedOut" || reason.kind === "refused") {
      await this.creds.stop();
      await clearAuthDir(this.authDir).catch(() => undefined);
      return this.finish({ connected: false, message: `WhatsApp refused the link: ${reason.message}; start the login again` });
    }
    if (reason.kind === "replaced") return this.finish({ connected: false, message: `another WhatsApp Web session took over: ${reason.message}` });
    if (reason.kind === "restartRequired" || this.paired) {
      this.paired = true;
      if (this.restarts >= this.timing.maxRestarts) return this.finish({ connected: false, message: `login failed after the scan: ${reason.message}` });
      this.restarts++;
      this.log.debug(`whatsapp login: ${reason.message} after pairing; reopening with the saved login`);
      await this.creds.settled();
      return this.attach();
    }
    if (this.qrRounds >= this.timing.maxQrRounds) return this.finish({ connected: false, message: `login failed: ${reason.message}` });
    this.qrRounds++;
    this.log.debug(`whatsapp login: ${reason.message} before the scan; fetching new QR codes`);
    await new Promise((resolve) => setTimeout(resolve, this.timing.reopenDelayMs).unref());
    if (!this.finishing) await this.attach();
  }

  /** Ends the login: saved creds flushed and tightened, the socket closed, then the result. */
  private async finish(result: LoginResult): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    clearTimeout(this.deadline);
    const socket = this.socket;
    this.socket = null;
    await this.creds.settled();
    if (socket) await settleWithin(socket.end(undefined), this.timing.closeTimeoutMs);
    if (result.connected) await prepareAuthDir(this.authDir).catch(() => undefined);
    this.qr = undefined;
    this.qrDataUrl = undefined;
    this.result = result;
    this.log.info(`whatsapp login: ${result.message}`);
    this.changed();
  }
}
