/**
 * `channels login --channel whatsapp`, `web.login.start` / `web.login.wait` and `channels logout`.
 * One login per account at a time; its latest QR code is what `start` (again) and `wait` return,
 * so a UI that asks again always shows a code that can still be scanned.
 */
import type { Logger } from "../../infra/logger.js";
import type { ChannelLogin } from "../types.js";
import { authDirOf, type WhatsAppAccount } from "./account.js";
import { clearAuthDir, prepareAuthDir, readLink } from "./auth-dir.js";
import { settleWithin } from "./deadline.js";
import { DEFAULT_LOGIN_TIMING, LoginSession, type LoginTiming } from "./login-session.js";
import { createWhatsAppSocket } from "./socket-factory.js";

const SCAN_HINT = "scan this QR code in WhatsApp: Settings > Linked devices > Link a device";

/** How long logout waits for WhatsApp (to open, then to accept the unlink) before just deleting. */
const UNLINK_TIMEOUT_MS = 10_000;

function startAnswer(login: LoginSession): { qrDataUrl?: string; qr?: string; message: string } {
  if (login.result) return { message: login.result.message };
  if (login.qr) return { qr: login.qr, ...(login.qrDataUrl ? { qrDataUrl: login.qrDataUrl } : {}), message: SCAN_HINT };
  return { message: "WhatsApp has not sent a QR code yet; ask again in a moment" };
}

/** Tells WhatsApp to drop this linked device: open on the stored login, then `logout()`. */
async function unlinkDevice(authDir: string, log: Logger, timeoutMs: number): Promise<boolean> {
  let socket;
  try {
    ({ socket } = await createWhatsAppSocket({ authDir, log }));
  } catch (err) {
    log.debug(`whatsapp logout: could not start WhatsApp: ${(err as Error).message}`);
    return false;
  }
  const opened = new Promise<boolean>((resolve) =>
    socket.ev.on("connection.update", (update) => {
      if (update.connection === "open") resolve(true);
      else if (update.connection === "close" || update.qr) resolve(false);
    }),
  );
  let unlinked = false;
  if (await settleWithin(opened, timeoutMs)) unlinked = (await settleWithin(socket.logout().then(() => true), timeoutMs)) ?? false;
  await settleWithin(socket.end(undefined), 2_000);
  return unlinked;
}

export class WhatsAppLogins implements ChannelLogin<WhatsAppAccount> {
  private readonly logins = new Map<string, LoginSession>();

  constructor(
    private readonly timing: LoginTiming = DEFAULT_LOGIN_TIMING,
    private readonly unlinkTimeoutMs = UNLINK_TIMEOUT_MS,
  ) {}

  async start(opts: { accountId: string; account: WhatsAppAccount; credentialsDir: string; force: boolean; timeoutMs: number; log: Logger }): Promise<{ qrDataUrl?: string; qr?: string; message: string }> {
    const authDir = authDirOf(opts.account, opts.credentialsDir);
    const previous = this.logins.get(opts.accountId);
    if (previous && !previous.result) {
      if (!opts.force && previous.authDir === authDir) {
        await previous.until(opts.timeoutMs, () => previous.qrVersion > 0 || previous.result !== undefined);
        return startAnswer(previous);
      }
      await previous.cancel("replaced by a new login");
    }
    if (opts.force) {
      await clearAuthDir(authDir);
    } else {
      const link = await readLink(authDir);
      if (link.linked) {
        // A socket on these creds would replace the gateway's running connection (a 440 fight).
        const message = `already linked${link.e164 ? ` as ${link.e164}` : ""}; log in with force to link again`;
        this.logins.set(opts.accountId, LoginSession.finished(authDir, opts.log, { connected: true, message }));
        return { message };
      }
    }
    await prepareAuthDir(authDir);
    const login = new LoginSession(authDir, opts.log, this.timing);
    this.logins.set(opts.accountId, login);
    login.begin();
    await login.until(opts.timeoutMs, () => login.qrVersion > 0 || login.result !== undefined);
    return startAnswer(login);
  }

  async wait(opts: { accountId: string; timeoutMs: number }): Promise<{ connected: boolean; message: string; qr?: string; qrDataUrl?: string }> {
    const login = this.logins.get(opts.accountId);
    if (!login) return { connected: false, message: "no WhatsApp login in progress: start one first" };
    await login.until(opts.timeoutMs, () => login.result !== undefined);
    if (login.result) return { ...login.result };
    return {
      connected: false,
      message: login.qr ? `still waiting: ${SCAN_HINT}` : "still waiting for WhatsApp to send a QR code",
      ...(login.qr ? { qr: login.qr } : {}),
      ...(login.qrDataUrl ? { qrDataUrl: login.qrDataUrl } : {}),
    };
  }

  async logout(opts: { accountId: string; account: WhatsAppAccount; credentialsDir: string; log: Logger }): Promise<{ cleared: boolean; loggedOut?: boolean }> {
    const authDir = authDirOf(opts.account, opts.credentialsDir);
    const pending = this.logins.get(opts.accountId);
    this.logins.delete(opts.accountId);
    if (pending && !pending.result) await pending.cancel("logged out");
    const loggedOut = (await readLink(authDir)).linked ? await unlinkDevice(authDir, opts.log, this.unlinkTimeoutMs) : false;
    const cleared = await clearAuthDir(authDir);
    return { cleared, loggedOut };
  }
}
