import { homedir } from "node:os";
import { join } from "node:path";
import type { Env } from "../../../config/paths.js";

/** The HOME a host command runs with: the gateway's own (the model cannot override it there). */
export function commandHome(env: Env): string {
  return env.HOME || homedir();
}

/** `~` and `~/…` as sh expands them; any other path is returned as is. */
export function expandHome(path: string, home: string | undefined): string {
  if (!home) return path;
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}
