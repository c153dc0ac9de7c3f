/**
 * The account's auth directory: Baileys' multi-file auth state (`creds.json` plus one file per
 * Signal key). It holds the device's private keys, so the directory is 0700 and every file 0600.
 */
import { chmod, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { jidToE164 } from "./jid.js";

const CREDS_FILE = "creds.json";

/** What `creds.json` says about the link: linked once pairing stored our identity. */
export async function readLink(authDir: string): Promise<{ linked: boolean; e164?: string }> {
  let creds: { me?: { id?: unknown }; registered?: unknown };
  try {
    creds = JSON.parse(await readFile(join(authDir, CREDS_FILE), "utf8"));
  } catch {
    return { linked: false };
  }
  const id = typeof creds?.me?.id === "string" ? creds.me.id : undefined;
  const e164 = id ? jidToE164(id) : undefined;
  return { linked: Boolean(id) || creds?.registered === true, ...(e164 ? { e164 } : {}) };
}

/** Creates the directory (0700) and tightens whatever is already in it. */
export async function prepareAuthDir(authDir: string): Promise<void> {
  await mkdir(authDir, { recursive: true, mode: 0o700 });
  await chmod(authDir, 0o700);
  const names = await readdir(authDir);
  await Promise.all(names.map((name) => chmod(join(authDir, name), 0o600).catch(() => undefined)));
}

/** After Baileys rewrote `creds.json` (with the process umask). */
async function tightenCreds(authDir: string): Promise<void> {
  await chmod(join(authDir, CREDS_FILE), 0o600).catch(() => undefined);
}

/** Removes the stored login, keeping the (empty, 0700) directory; true when there was anything. */
export async function clearAuthDir(authDir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(authDir);
  } catch {
    return false;
  }
  await Promise.all(names.map((name) => rm(join(authDir, name), { recursive: true, force: true })));
  return names.length > 0;
}

/**
 * Serializes `saveCreds` calls and tightens the file after each one. `settled()` waits for the
 * writes queued so far, so nothing rewrites `creds.json` after a clear or reopens on stale creds.
 */
export class CredsWriter {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly authDir: string,
    private readonly onError: (err: Error) => void,
  ) {}

  save(saveCreds: () => Promise<void>): void {
    if (this.stopped) return;
    this.chain = this.chain
      .then(async () => {
        if (this.stopped) return;
        await saveCreds();
        await tightenCreds(this.authDir);
      })
      .catch((err: Error) => this.onError(err));
  }

  settled(): Promise<void> {
    return this.chain;
  }

  /** Drops later saves (the login was revoked; what is left is about to be removed). */
  stop(): Promise<void> {
    this.stopped = true;
    return this.chain;
  }
}
