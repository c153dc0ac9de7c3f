import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Host commands run in their own process group, so a gateway killed with SIGKILL leaves them
 * running. Each one is noted in `<stateDir>/exec/running/` while it runs; the next start kills the
 * groups whose gateway is gone (sandboxed commands die with bwrap's --die-with-parent anyway).
 */
const dirOf = (stateDir: string) => join(stateDir, "exec", "running");

/** Linux's start time of a process (clock ticks since boot), which tells a reused pid apart; null elsewhere. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

type Note = { owner: number; ownerStart: string | null; pid: number; start: string | null };

/** Notes a started command group; the returned function forgets it (call it when the command ends). */
export function noteRunningCommand(stateDir: string, pid: number): () => void {
  const file = join(dirOf(stateDir), `${process.pid}-${pid}.json`);
  try {
    mkdirSync(dirOf(stateDir), { recursive: true, mode: 0o700 });
    const note: Note = { owner: process.pid, ownerStart: startTicks(process.pid), pid, start: startTicks(pid) };
    writeFileSync(file, JSON.stringify(note), { mode: 0o600 });
  } catch {
    return () => {};
  }
  return () => rmSync(file, { force: true });
}

/** Kills the command groups a dead gateway left behind; returns how many were still running. */
export function killLeftoverCommands(stateDir: string): number {
  let names: string[];
  try {
    names = readdirSync(dirOf(stateDir));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const name of names) {
    const file = join(dirOf(stateDir), name);
    let note: Note;
    try {
      note = JSON.parse(readFileSync(file, "utf8")) as Note;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    const ownerAlive = note.ownerStart !== null && startTicks(note.owner) === note.ownerStart;
    if (ownerAlive) continue;
    if (note.start !== null && startTicks(note.pid) === note.start) {
      try {
        process.kill(-note.pid, "SIGKILL");
        killed++;
      } catch {
        // Already gone between the check and the kill.
      }
    }
    rmSync(file, { force: true });
  }
  return killed;
}
