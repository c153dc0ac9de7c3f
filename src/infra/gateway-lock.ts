import { setTimeout as sleep } from "node:timers/promises";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive, processCommandLine, processStartTime } from "./process-info.js";

export const LOCK_ACQUIRE_TIMEOUT_MS = 5000;
const POLL_MS = 100;
const STALE_WITHOUT_PID_MS = 30_000;

export type LockPayload = {
  pid: number;
  createdAt: string;
  configPath: string;
  stateDir: string;
  port?: number;
  startTime?: number;
};

export class GatewayLockError extends Error {}

export function lockDir(stateDir: string): string {
  const uid = process.getuid?.();
  return join(stateDir, "tmp", uid === undefined ? "openclaw" : `openclaw-${uid}`);
}

export function stateLockPath(stateDir: string): string {
  return join(lockDir(stateDir), "gateway.state.lock");
}

export function configLockPath(stateDir: string, configPath: string): string {
  const digest = createHash("sha256").update(configPath).digest("hex").slice(0, 8);
  return join(lockDir(stateDir), `gateway.${digest}.lock`);
}

function readPayload(path: string): LockPayload | null {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as LockPayload;
    return parsed && typeof parsed === "object" ? parsed : null;
  } catch {
    return null;
  }
}

/** A holder is gone when its pid is dead, or alive but a different process (start time changed). */
function holderIsGone(path: string, payload: LockPayload | null): boolean {
  if (!payload || !Number.isInteger(payload.pid)) {
    try {
      return Date.now() - statSync(path).mtimeMs > STALE_WITHOUT_PID_MS;
    } catch {
      return true;
    }
  }
  if (!isProcessAlive(payload.pid)) return true;
  if (payload.startTime !== undefined) {
    const current = processStartTime(payload.pid);
    if (current !== undefined) return current !== payload.startTime;
  }
  // Without a start time to compare, a pid now running something other than a gateway was reused.
  const command = processCommandLine(payload.pid);
  return command !== undefined && !/\bgateway\b/.test(command);
}

export type GatewayLock = { path: string; release(): void };

/**
 * Takes the gateway locks: one per state dir (always) and one per config file (skipped with
 * OPENCLAW_ALLOW_MULTI_GATEWAY=1). Each is an O_EXCL file with pid and start time; stale ones are reclaimed.
 */
export async function acquireGatewayLock(
  opts: { stateDir: string; configPath: string; port?: number },
  timeoutMs = LOCK_ACQUIRE_TIMEOUT_MS,
): Promise<GatewayLock> {
  const stateLock = await acquireLockFile(stateLockPath(opts.stateDir), opts, timeoutMs);
  if (process.env.OPENCLAW_ALLOW_MULTI_GATEWAY === "1") return stateLock;
  try {
    const configLock = await acquireLockFile(configLockPath(opts.stateDir, opts.configPath), opts, timeoutMs);
    return {
      path: configLock.path,
      release() {
        configLock.release();
        stateLock.release();
      },
    };
  } catch (err) {
    stateLock.release();
    throw err;
  }
}

async function acquireLockFile(path: string, opts: { stateDir: string; configPath: string; port?: number }, timeoutMs: number): Promise<GatewayLock> {
  mkdirSync(lockDir(opts.stateDir), { recursive: true, mode: 0o700 });
  const startTime = processStartTime(process.pid);
  const payload: LockPayload = {
    pid: process.pid,
    createdAt: new Date().toISOString(),
    configPath: opts.configPath,
    stateDir: opts.stateDir,
    ...(opts.port ? { port: opts.port } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
  };
  const deadline = Date.now() + timeoutMs;
  let holder: LockPayload | null = null;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, JSON.stringify(payload));
      } finally {
        closeSync(fd);
      }
      return {
        path,
        release() {
          if (readPayload(path)?.pid === process.pid) {
            try {
              unlinkSync(path);
            } catch {}
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    holder = readPayload(path);
    if (holderIsGone(path, holder)) {
      if (JSON.stringify(readPayload(path)) === JSON.stringify(holder)) {
        try {
          unlinkSync(path);
        } catch {}
      }
      continue;
    }
    if (Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  throw new GatewayLockError(`gateway already running (pid ${holder?.pid ?? "unknown"}); lock timeout after ${timeoutMs}ms`);
}
