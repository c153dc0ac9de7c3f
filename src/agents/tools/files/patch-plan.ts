import { lstat, stat, unlink } from "node:fs/promises";
import { ToolError } from "../types.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { applyHunks } from "./patch-hunks.js";
import type { PatchOperation } from "./patch-parse.js";
import { loadTextFile } from "./text-file.js";
import { resolveInWorkspace, type WorkspacePath } from "./workspace-path.js";
import { writeWorkspaceFile } from "./write.js";

/** What a file will be once the patch is applied: new content, or null for removed. */
type FinalFile = {
  path: WorkspacePath;
  content: string | null;
  /** The file existed before the patch, so removing it means unlinking it. */
  onDisk: boolean;
  /** Permissions to keep (a moved file keeps its own). */
  mode?: number;
};

/** A patch checked against the workspace, ready to commit; nothing on disk has changed yet. */
export type PatchPlan = {
  files: Map<string, FinalFile>;
  /** Symbolic links the patch deletes (the links themselves, never their targets). */
  links: WorkspacePath[];
  /** One line per operation, as in `git status --short`. */
  summary: string[];
};

/**
 * Works out every operation against a view of the workspace that includes the patch's earlier
 * operations (so a file deleted earlier may be added again), and throws at the first problem.
 */
export async function planPatch(operations: PatchOperation[], workspace: string, sandboxed = false): Promise<PatchPlan> {
  const files = new Map<string, FinalFile>();
  const links: WorkspacePath[] = [];
  const removedLinks = new Set<string>();
  const summary: string[] = [];

  const locate = async (requested: string): Promise<WorkspacePath> => {
    const path = await resolveInWorkspace(workspace, requested, { forWrite: true, sandboxed });
    // Once the patch removed a link, the name is free: later operations create a plain file there.
    return removedLinks.has(path.absolute) ? { ...path, real: path.absolute } : path;
  };
  const onDisk = async (path: WorkspacePath): Promise<boolean> =>
    !removedLinks.has(path.absolute) && (await fileOnDisk(path)) !== null;
  const present = async (path: WorkspacePath): Promise<boolean> => {
    const planned = files.get(path.real);
    return planned ? planned.content !== null : onDisk(path);
  };
  const contentOf = async (path: WorkspacePath): Promise<{ text: string; mode?: number }> => {
    const planned = files.get(path.real);
    if (planned) {
      if (planned.content === null) throw new ToolError(`cannot update ${path.relative}: the patch deletes it earlier`, "failed", { path: path.relative });
      return { text: planned.content, mode: planned.mode };
    }
    return loadTextFile(path);
  };
  const record = async (path: WorkspacePath, content: string | null, mode?: number): Promise<void> => {
    if (content !== null) checkSize(path, content);
    const before = files.get(path.real);
    files.set(path.real, { path, content, onDisk: before ? before.onDisk : await onDisk(path), mode });
  };

  for (const op of operations) {
    if (op.kind === "add") {
      const path = await locate(op.path);
      if (await present(path)) {
        throw new ToolError(`cannot add ${path.relative}: it already exists (delete it earlier in the patch, or use Update File)`, "failed", { path: path.relative });
      }
      await record(path, op.lines.length === 0 ? "" : `${op.lines.join("\n")}\n`);
      summary.push(`A ${path.relative}`);
    } else if (op.kind === "delete") {
      const path = await locate(op.path);
      if (!removedLinks.has(path.absolute) && (await isLink(path))) {
        links.push(path);
        removedLinks.add(path.absolute);
      } else {
        if (!(await present(path))) throw new ToolError(`cannot delete ${path.relative}: no such file`, "failed", { path: path.relative });
        await record(path, null);
      }
      summary.push(`D ${path.relative}`);
    } else {
      const path = await locate(op.path);
      if (!(await present(path))) throw new ToolError(`cannot update ${path.relative}: no such file`, "failed", { path: path.relative });
      const source = await contentOf(path);
      const updated = applyHunks(source.text, op.hunks, path.relative);
      const target = op.moveTo === null ? path : await locate(op.moveTo);
      if (target.real === path.real) {
        await record(path, updated, source.mode);
        summary.push(`M ${path.relative}`);
        continue;
      }
      if (await present(target)) {
        throw new ToolError(`cannot move ${path.relative} to ${target.relative}: it already exists (delete it earlier in the patch)`, "failed", { path: target.relative });
      }
      await record(target, updated, source.mode);
      await record(path, null);
      summary.push(`M ${path.relative} -> ${target.relative}`);
    }
  }
  return { files, links, summary };
}

/** Removes deleted links (their names may be reused), writes the planned files, then removes deleted files. */
export async function commitPatch(plan: PatchPlan): Promise<void> {
  const done: string[] = [];
  try {
    for (const link of plan.links) {
      await unlink(link.absolute);
      done.push(link.relative);
    }
    for (const file of plan.files.values()) {
      if (file.content === null) continue;
      await writeWorkspaceFile(file.path, file.content, file.mode);
      done.push(file.path.relative);
    }
    for (const file of plan.files.values()) {
      if (file.content !== null || !file.onDisk) continue;
      await unlink(file.path.real);
      done.push(file.path.relative);
    }
  } catch (err) {
    if (err instanceof ToolError) throw err;
    const changed = done.length > 0 ? `; already changed: ${done.join(", ")}` : "; no file was changed";
    throw new ToolError(`applying the patch failed: ${(err as Error).message}${changed}`, "failed");
  }
}

async function fileOnDisk(path: WorkspacePath): Promise<"file" | null> {
  try {
    const info = await stat(path.real);
    if (info.isDirectory()) throw new ToolError(`${path.relative} is a directory, not a file`, "failed", { path: path.relative });
    return "file";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw err;
  }
}

async function isLink(path: WorkspacePath): Promise<boolean> {
  const info = await lstat(path.absolute).catch(() => null);
  return info?.isSymbolicLink() ?? false;
}

function checkSize(path: WorkspacePath, content: string): void {
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > MAX_FILE_BYTES) {
    throw new ToolError(`${path.relative} would be ${bytes} bytes, more than the ${MAX_FILE_BYTES}-byte limit`, "failed", { path: path.relative });
  }
}
