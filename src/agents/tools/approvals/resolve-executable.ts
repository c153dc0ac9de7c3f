import { constants, promises as fsp } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const stat = await fsp.stat(path);
    if (!stat.isFile()) return false;
    await fsp.access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `command` (argv[0]) would be found: a name with a slash is taken relative to `cwd`, a
 * bare name is looked up through `pathEnv` like execvp does (empty PATH entries are skipped
 * rather than meaning the working directory). Null when nothing executable is there.
 */
export async function resolveExecutable(command: string, cwd: string, pathEnv: string | undefined): Promise<string | null> {
  if (command === "") return null;
  if (command.includes("/")) {
    // resolve() also folds `..`, so `/opt/tools/../../bin/sh` is judged as the /bin/sh it is.
    const path = resolve(cwd, command);
    return (await isExecutableFile(path)) ? path : null;
  }
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** The symlink-free path, so a pattern for the real binary also matches a link to it. */
export async function realPathOf(path: string): Promise<string> {
  try {
    return await fsp.realpath(path);
  } catch {
    return path;
  }
}
