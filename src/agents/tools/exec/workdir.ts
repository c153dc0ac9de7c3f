import { realpath, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { ToolError } from "../types.js";

export type CommandDirs = {
  /** The workspace with symlinks resolved: what the sandbox binds. */
  root: string;
  /** Where the command starts: the workspace or a directory inside it. */
  cwd: string;
};

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** `workdir` resolved against the workspace; a path that leads outside it (also through a symlink) is refused. */
export async function resolveWorkdir(workspace: string, workdir: unknown): Promise<CommandDirs> {
  if (workdir !== undefined && typeof workdir !== "string") throw new ToolError("workdir must be a string", "invalid_arguments");
  let root: string;
  try {
    root = await realpath(workspace);
  } catch {
    throw new ToolError(`the agent workspace ${workspace} does not exist; the command was not run`, "failed");
  }
  if (workdir === undefined || workdir.trim() === "" || workdir === ".") return { root, cwd: root };
  const requested = resolve(root, workdir);
  let cwd: string;
  try {
    cwd = await realpath(requested);
  } catch {
    throw new ToolError(`workdir ${workdir} does not exist`, "invalid_arguments");
  }
  if (!inside(root, cwd)) throw new ToolError(`workdir ${workdir} is outside the workspace (${root}); commands run inside it`, "invalid_arguments");
  if (!(await stat(cwd)).isDirectory()) throw new ToolError(`workdir ${workdir} is not a directory`, "invalid_arguments");
  return { root, cwd };
}
