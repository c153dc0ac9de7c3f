import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive, processCommandLine } from "./process-info.js";

const TCP_LISTEN = "0A";

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${hexPort}`) && cols[3] === TCP_LISTEN) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function pidsFromProc(port: number): number[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSafe("/proc") ?? []) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of readdirSafe(`/proc/${entry}/fd`) ?? []) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith("socket:[") && inodes.has(target.slice(8, -1))) {
          pids.push(Number(entry));
          break;
        }
      } catch {}
    }
  }
  return pids;
}

function readdirSafe(path: string): string[] | null {
  try {
    return readdirSync(path);
  } catch {
    return null;
  }
}

function pidsFromTools(port: number): number[] {
  try {
    const out = execFileSync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fp"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 });
    return out.split("\n").filter((l) => l.startsWith("p")).map((l) => Number(l.slice(1)));
  } catch {}
  try {
    const out = execFileSync("fuser", [`${port}/tcp`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000 });
    return out.trim().split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {}
  return [];
}

/** Processes listening on a TCP port: /proc first, then lsof, then fuser. */
export function findListeningPids(port: number): number[] {
  const pids = pidsFromProc(port);
  const found = pids.length > 0 ? pids : pidsFromTools(port);
  return [...new Set(found)].filter((pid) => pid !== process.pid);
}

export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export type FreePortReport = { killed: Array<{ pid: number; command: string }>; escalated: boolean; waitedMs: number };

/** Stops whatever listens on the port (SIGTERM, then SIGKILL) and waits until the port binds. */
export async function freePort(port: number, host: string, log: (line: string) => void): Promise<FreePortReport> {
  const started = Date.now();
  const report: FreePortReport = { killed: [], escalated: false, waitedMs: 0 };
  const pids = findListeningPids(port);
  if (pids.length === 0 && !(await canBind(port, host))) {
    throw new Error(`port ${port} is still busy after --force, but no listener PID could be determined`);
  }
  for (const pid of pids) {
    const command = processCommandLine(pid) ?? "?";
    try {
      process.kill(pid, "SIGTERM");
      report.killed.push({ pid, command });
      log(`force: killed pid ${pid} (${command}) on port ${port}`);
    } catch {}
  }
  const termDeadline = Date.now() + 700;
  while (pids.some(isProcessAlive) && Date.now() < termDeadline) await sleep(100);
  const survivors = pids.filter(isProcessAlive);
  if (survivors.length > 0) {
    report.escalated = true;
    log(`force: escalated to SIGKILL while freeing port ${port}`);
    for (const pid of survivors) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
  const bindDeadline = Date.now() + 3000;
  while (!(await canBind(port, host))) {
    if (Date.now() > bindDeadline) throw new Error(`port ${port} did not become free`);
    await sleep(150);
  }
  report.waitedMs = Date.now() - started;
  if (report.killed.length > 0) log(`force: waited ${report.waitedMs}ms for port ${port} to free`);
  return report;
}
