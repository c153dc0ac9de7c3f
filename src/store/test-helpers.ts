import { mkdtempSync, rmSync } from "node:fs";
import { after } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewEntry } from "./types.js";

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A database path inside a fresh directory that is removed when the test process exits. */
export function tempStorePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-store-"));
  tempDirs.push(dir);
  return join(dir, "agent", "openclaw-agent.sqlite");
}

export function message(role: "user" | "assistant" | "toolResult", text: string, extra: Partial<NewEntry> = {}): NewEntry {
  return { type: "message", role, text, data: {}, runId: null, idempotencyKey: null, ...extra };
}

/**
 * Fresh state dirs and the stores opened in them for one test file: everything is closed and
 * removed after the file's tests. `open(dir?)` opens a store in `dir` (default: a new one).
 */
export function tempStateStores<S extends { close(): void }>(prefix: string, openStore: (stateDir: string) => Promise<S>) {
  const dirs: string[] = [];
  const opened: S[] = [];
  after(() => {
    for (const s of opened) {
      try {
        s.close();
      } catch {
        // already closed by the test
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tempStateDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  const open = async (dir = tempStateDir()): Promise<S> => {
    const store = await openStore(dir);
    opened.push(store);
    return store;
  };
  return { tempStateDir, open };
}
