import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import type { Database } from "better-sqlite3";
import { migrate } from "./migrations.js";

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a state database (creating it 0600 and migrating it with `steps` when needed): WAL,
 * `synchronous=NORMAL`, foreign keys on. The driver is imported here, on first use.
 */
export async function openSqliteFile(path: string, steps: readonly string[]): Promise<Database> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  restrictFileModes(path);
  const { default: Sqlite } = await import("better-sqlite3");
  const db = new Sqlite(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("foreign_keys = ON");
    migrate(db, steps);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** SQLite creates -wal and -shm with the main file's mode, so that file is created 0600 up front. */
function restrictFileModes(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}
