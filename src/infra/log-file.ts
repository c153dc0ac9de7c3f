import { appendFileSync, lstatSync, mkdirSync, promises as fsp, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const DEFAULT_LOG_DIR = "/tmp/openclaw";
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
const ARCHIVES = 5;

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** /tmp/openclaw unless it is unsafe (a symlink, someone else's, or world-writable without sticky bit). */
function safeLogDir(): string {
  try {
    const st = lstatSync(DEFAULT_LOG_DIR);
    const uid = process.getuid?.() ?? st.uid;
    const unsafe = st.isSymbolicLink() || !st.isDirectory() || st.uid !== uid || (st.mode & 0o002) !== 0;
    return unsafe ? join(tmpdir(), `openclaw-${uid}`) : DEFAULT_LOG_DIR;
  } catch {
    return DEFAULT_LOG_DIR;
  }
}

/** The log file for `now`: the configured path, or the daily file `openclaw[-profile]-YYYY-MM-DD.log`. */
export function resolveLogFilePath(opts: { file?: string; profile?: string }, now = new Date()): string {
  if (opts.file) return opts.file;
  const name = opts.profile ? `openclaw-${opts.profile}-${localDate(now)}.log` : `openclaw-${localDate(now)}.log`;
  return join(safeLogDir(), name);
}

/**
 * Appends lines to a size-capped file. Writes are batched and asynchronous so logging never blocks
 * a request; `flushSync` drains what is left at exit.
 */
export class RotatingLogFile {
  private pending: string[] = [];
  private flushing = false;
  private size = -1;
  private idle: Array<() => void> = [];

  constructor(
    private resolvePath: () => string,
    private maxBytes: number = DEFAULT_MAX_FILE_BYTES,
  ) {}

  private currentPath = "";

  get path(): string {
    return this.currentPath || this.resolvePath();
  }

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  append(line: string): void {
    this.pending.push(line);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Resolves once everything appended so far is on disk. */
  drained(): Promise<void> {
    if (!this.flushing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private prepare(bytes: number): string {
    const path = this.resolvePath();
    if (path !== this.currentPath) {
      this.currentPath = path;
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      try {
        this.size = statSync(path).size;
      } catch {
        this.size = 0;
      }
    }
    if (this.size > 0 && this.size + bytes > this.maxBytes) {
      this.rotate(path);
      this.size = 0;
    }
    this.size += bytes;
    return path;
  }

  private rotate(path: string): void {
    for (let i = ARCHIVES - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch {}
    }
    try {
      renameSync(path, `${path}.1`);
    } catch {}
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const data = this.pending.join("");
      this.pending = [];
      try {
        const path = this.prepare(Buffer.byteLength(data));
        await fsp.appendFile(path, data, { mode: 0o600 });
      } catch {
        // A log file we cannot write must not take the gateway down; the console still has the line.
      }
    }
    this.flushing = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  flushSync(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.join("");
    this.pending = [];
    try {
      appendFileSync(this.prepare(Buffer.byteLength(data)), data, { mode: 0o600 });
    } catch {}
  }
}
