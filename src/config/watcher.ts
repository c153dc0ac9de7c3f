import { watch, type FSWatcher } from "node:fs";
import { dirname, resolve } from "node:path";

export const RELOAD_DEBOUNCE_MS = 300;

/**
 * Watches the config file and its includes through their folders, so editors that save by writing
 * a new file and renaming it over the old one are seen too. Calls `onChange` once per burst.
 */
export class ConfigWatcher {
  private watchers = new Map<string, FSWatcher>();
  private files = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private onChange: () => void,
    private debounceMs = RELOAD_DEBOUNCE_MS,
  ) {}

  /** Replaces the watched set (the root file plus whatever it currently includes). */
  watchFiles(paths: readonly string[]): void {
    this.files = new Set(paths.map((p) => resolve(p)));
    const dirs = new Set([...this.files].map((f) => dirname(f)));
    for (const [dir, watcher] of this.watchers) {
      if (!dirs.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (!filename || this.files.has(resolve(dir, filename.toString()))) this.schedule();
        });
        watcher.on("error", () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // A folder that does not exist yet cannot be watched; the next accepted config retries.
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onChange();
    }, this.debounceMs);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
