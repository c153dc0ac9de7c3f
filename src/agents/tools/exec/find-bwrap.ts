import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { Env } from "../../../config/paths.js";
import { systemMountArgs } from "./sandbox.js";

export type BwrapStatus = { ok: true; path: string } | { ok: false; reason: string };

const WELL_KNOWN_PATHS = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"];
const PROBE_TIMEOUT_MS = 5000;
/** A failed probe is retried after this long, so installing bubblewrap does not need a gateway restart. */
const FAILED_PROBE_TTL_MS = 30_000;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The bubblewrap binary: `override` when given (no search), else the first on PATH, else a well-known location. */
export function findBwrap(override?: string, env: Env = process.env): string | null {
  if (override !== undefined) return executable(override) ? override : null;
  const onPath = (env.PATH ?? "").split(delimiter).filter((dir) => dir.startsWith("/")).map((dir) => join(dir, "bwrap"));
  return [...onPath, ...WELL_KNOWN_PATHS].find(executable) ?? null;
}

/** Runs a trivial program with the namespaces and mounts a real command gets: user namespaces may be disabled here. */
function probe(path: string): Promise<BwrapStatus> {
  const args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", ...systemMountArgs(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/sh", "-c", "exit 0"];
  return new Promise((resolve) => {
    execFile(path, args, { timeout: PROBE_TIMEOUT_MS, env: {} }, (err, _stdout, stderr) => {
      if (!err) resolve({ ok: true, path });
      else resolve({ ok: false, reason: `${path} does not work here: ${(stderr || err.message).trim().split("\n")[0]}` });
    });
  });
}

const probes = new Map<string, { at: number; status: Promise<BwrapStatus>; failed: boolean }>();

/** Whether sandboxed commands can run, with the binary to use; probed once per binary (failures retried after a while). */
export function resolveBwrap(override?: string, env: Env = process.env): Promise<BwrapStatus> {
  const path = findBwrap(override, env);
  if (!path) return Promise.resolve({ ok: false, reason: override !== undefined ? `no executable bubblewrap at ${override}` : "bubblewrap (bwrap) is not installed" });
  const cached = probes.get(path);
  if (cached && !(cached.failed && Date.now() - cached.at > FAILED_PROBE_TTL_MS)) return cached.status;
  const entry = { at: Date.now(), status: probe(path), failed: false };
  void entry.status.then((status) => (entry.failed = !status.ok));
  probes.set(path, entry);
  return entry.status;
}

export function sandboxUnavailableMessage(reason: string): string {
  return (
    `This session's commands must run in the bubblewrap sandbox, but it is unavailable: ${reason}. ` +
    "The command was not run. Install bubblewrap on the gateway host (Debian/Ubuntu: `sudo apt-get install bubblewrap`; " +
    "Fedora: `sudo dnf install bubblewrap`) and make sure unprivileged user namespaces are allowed."
  );
}
