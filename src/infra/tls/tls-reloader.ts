import { watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { createLogger } from "../logger.js";
import { readTlsMaterial, type LoadedTls } from "./tls-material.js";

const log = createLogger("gateway/tls");

export const TLS_RELOAD_DEBOUNCE_MS = 200;

/** What `https.Server` / `tls.Server` offers for renewals: new handshakes use the new context. */
export type SecureContextTarget = { setSecureContext(options: LoadedTls["options"]): void };

function sameMaterial(a: LoadedTls["options"], b: LoadedTls["options"]): boolean {
  return a.cert === b.cert && a.key === b.key && a.ca === b.ca;
}

/**
 * Watches the certificate, key and CA folders (so rename-over, symlink and projected-folder
 * swaps are seen) and hands a validated new pair to the server. Open connections keep theirs.
 */
export class TlsReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  private lastRejected = "";

  constructor(
    private readonly server: SecureContextTarget,
    private current: LoadedTls,
    private readonly debounceMs = TLS_RELOAD_DEBOUNCE_MS,
  ) {}

  get material(): LoadedTls {
    return this.current;
  }

  /** Starts watching the folders of the files; a no-op while already watching. */
  start(): void {
    if (this.watchers.length > 0) return;
    const paths = [this.current.certPath, this.current.keyPath, this.current.caPath].filter((p): p is string => !!p);
    for (const dir of new Set(paths.map((p) => dirname(p)))) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on("error", (err) => log.warn(`gateway tls: stopped watching ${dir} for certificate renewals (${err.message})`));
        this.watchers.push(watcher);
      } catch (err) {
        log.warn(`gateway tls: cannot watch ${dir} for certificate renewals (${(err as Error).message}); restart the gateway after replacing the files`);
      }
    }
  }

  /** Watches again after a pause and checks the files once, since they may have changed meanwhile. */
  resume(): void {
    if (this.watchers.length > 0) return;
    this.start();
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  /** Resolves once the pending and running checks are done (tests). */
  async settled(): Promise<void> {
    while (this.timer) await new Promise((resolve) => setTimeout(resolve, this.debounceMs));
    await this.checking;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checking = this.checking.then(() => this.check()).catch((err: Error) => log.warn(`gateway tls: certificate renewal check failed: ${err.message}`));
    }, this.debounceMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let next: LoadedTls;
    try {
      next = await readTlsMaterial(this.current);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastRejected) log.warn(`gateway tls: certificate files changed but cannot be used; keeping the previous certificate (${this.current.fingerprint}). ${message}`);
      this.lastRejected = message;
      return;
    }
    this.lastRejected = "";
    if (sameMaterial(next.options, this.current.options)) return;
    try {
      this.server.setSecureContext(next.options);
    } catch (err) {
      log.warn(`gateway tls: renewal rejected by the server; keeping the previous certificate (${(err as Error).message})`);
      return;
    }
    this.current = next;
    log.info(`gateway tls: certificate reloaded from ${next.certPath}; fingerprint (SHA-256) ${next.fingerprint}`);
  }
}
