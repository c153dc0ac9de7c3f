import { lstat, readlink, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { BOOTSTRAP_FILES } from "../../workspace.js";
import { ToolError } from "../types.js";

const BOOTSTRAP_NAMES = new Set(BOOTSTRAP_FILES.map((f) => f.name));

/** A path a file tool may use: inside the workspace, with every symbolic link on the way checked. */
export type WorkspacePath = {
  /** Absolute path inside the workspace as requested, symbolic links left in place. */
  absolute: string;
  /** Where the path really lands once every symbolic link is followed (missing tail appended). */
  real: string;
  /** The path relative to the workspace, for messages ("." for the workspace itself). */
  relative: string;
};

export type ResolveOptions = {
  /** The path will be created or replaced: the workspace folder itself is refused. */
  forWrite?: boolean;
  /**
   * A sandboxed session writes: the bootstrap files (AGENTS.md, SOUL.md …) are refused, since they
   * become part of every session's system prompt, the owner's too.
   */
  sandboxed?: boolean;
};

const MAX_LINK_HOPS = 40;

/**
 * Confines `requested` to `workspace`. Relative paths resolve against the workspace; absolute paths
 * must lie inside it. `~` is never expanded (file tools cannot reach a home folder), so a path that
 * starts with `~` is refused; `./~/x` names a folder literally called `~`. Every existing component
 * (the final one included, dangling links followed) must really lie inside the workspace.
 * Checks happen before use, so a link swapped in afterwards by another process is not caught.
 */
export async function resolveInWorkspace(workspace: string, requested: string, options: ResolveOptions = {}): Promise<WorkspacePath> {
  if (typeof requested !== "string" || requested.trim() === "") {
    throw new ToolError("the path is empty; name a file inside the workspace", "invalid_arguments");
  }
  if (requested.includes("\0")) throw new ToolError("the path contains a NUL byte", "invalid_arguments");
  const root = resolve(workspace);
  if (/^~[^/]*(\/|$)/.test(requested)) {
    throw new ToolError(
      `"${requested}" starts with ~, which is not expanded: file tools only reach the workspace ${root}. ` +
        `Use a path relative to the workspace (./~/name for a folder literally named ~).`,
      "invalid_arguments",
      { path: requested, workspace: root },
    );
  }

  const rootReal = await landing(root);
  const target = resolve(root, requested);
  let base: string;
  if (isInside(root, target)) base = root;
  else if (isInside(rootReal, target)) base = rootReal;
  else throw outside(requested, root);

  const rel = relative(base, target);
  if (options.forWrite && rel === "") {
    throw new ToolError(`"${requested}" is the workspace folder itself; name a file inside it`, "invalid_arguments", { path: requested, workspace: root });
  }

  const parts = rel === "" ? [] : rel.split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = join(base, ...parts.slice(0, i));
    if (!(await exists(prefix))) break;
    if (!isInside(rootReal, await landing(prefix))) {
      throw outside(requested, root, parts.slice(0, i).join("/"));
    }
  }
  const real = await landing(target);
  if (!isInside(rootReal, real)) throw outside(requested, root);
  if (options.forWrite && options.sandboxed && dirname(real) === rootReal && BOOTSTRAP_NAMES.has(basename(real))) {
    throw new ToolError(
      `"${requested}" is one of the workspace's bootstrap files, which shape every session's system prompt; a sandboxed session cannot change it`,
      "blocked",
      { path: requested },
    );
  }
  return { absolute: join(root, rel), real, relative: rel === "" ? "." : rel };
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function outside(requested: string, root: string, link?: string): ToolError {
  const why = link ? `: "${link}" is a symbolic link that leads out of it` : "";
  return new ToolError(
    `"${requested}" is outside the workspace ${root}${why}. File tools only reach files inside the workspace.`,
    "invalid_arguments",
    { path: requested, workspace: root },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw err;
  }
}

/** Where `path` lands with every link followed, also when it (or its link target) does not exist yet. */
async function landing(path: string, hops = 0): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw tooManyLinks(path);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
  }
  const parent = dirname(path);
  if (parent === path) return path;
  const info = await lstat(path).catch(() => null);
  if (info?.isSymbolicLink()) {
    if (hops >= MAX_LINK_HOPS) throw tooManyLinks(path);
    const target = await readlink(path);
    return landing(resolve(await landing(parent, hops), target), hops + 1);
  }
  return join(await landing(parent, hops), basename(path));
}

function tooManyLinks(path: string): ToolError {
  return new ToolError(`"${path}" goes through too many symbolic links (a loop?)`, "failed");
}
