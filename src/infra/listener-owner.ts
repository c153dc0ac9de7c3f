import { readFileSync, readdirSync, readlinkSync } from "node:fs";

const LISTEN = "0A";

/** The socket inode listening on 127.0.0.1:<port>, from /proc/net/tcp; null when none, undefined without /proc. */
function listeningInode(port: number): string | null | undefined {
  let table: string;
  try {
    table = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[3] === LISTEN) return fields[9];
  }
  return null;
}

/**
 * Whether process `pid` holds the socket listening on 127.0.0.1:<port>, so a client can tell its
 * own tunnel from another local process that took the port first. True where /proc cannot tell.
 */
export function ownsLoopbackListener(pid: number, port: number): boolean {
  const inode = listeningInode(port);
  if (inode === undefined) return true;
  if (inode === null) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
