import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Type } from "@sinclair/typebox";
import { writeFileAtomic } from "../../../infra/files.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import { requiredString } from "./file-args.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { resolveInWorkspace, type WorkspacePath } from "./workspace-path.js";

const NEW_FILE_MODE = 0o644;

const WriteParameters = Type.Object({
  path: Type.String({ description: "Path of the file to write, relative to the workspace (or absolute inside it)" }),
  content: Type.String({ description: "The complete new content of the file" }),
});

export function writeTool(): ToolDefinition {
  return {
    name: "write",
    description:
      "Write a file in the workspace, replacing it if it exists; missing parent folders are created. " +
      `Content is limited to ${MAX_FILE_BYTES / (1024 * 1024)} MB. Prefer edit for changes to part of a file.`,
    parameters: WriteParameters,
    execute: writeFile,
  };
}

async function writeFile(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
  const requested = requiredString(args, "path", "write");
  const content = requiredString(args, "content", "write");
  const bytes = Buffer.byteLength(content, "utf8");
  if (bytes > MAX_FILE_BYTES) {
    throw new ToolError(`content is ${bytes} bytes, more than the ${MAX_FILE_BYTES}-byte limit for write`, "invalid_arguments");
  }
  const path = await resolveInWorkspace(ctx.workspace, requested, { forWrite: true, sandboxed: ctx.sandboxed });
  ctx.signal.throwIfAborted();
  const existed = await writeWorkspaceFile(path, content);
  return {
    content: `${existed ? "Wrote" : "Created"} ${path.relative} (${bytes} bytes)`,
    details: { path: path.relative, bytes, created: !existed },
  };
}

/**
 * Replaces (or creates) a confined file atomically, with `mode` or else the existing file's
 * permissions. Says whether a file was there before.
 */
export async function writeWorkspaceFile(path: WorkspacePath, content: string, mode?: number): Promise<boolean> {
  const existing = await stat(path.real).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
    throw err;
  });
  if (existing?.isDirectory()) throw new ToolError(`${path.relative} is a directory; name a file to write`, "invalid_arguments", { path: path.relative });
  try {
    await mkdir(dirname(path.real), { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST" || (err as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new ToolError(`cannot create ${path.relative}: a parent of it is a file, not a folder`, "failed", { path: path.relative });
    }
    throw err;
  }
  await writeFileAtomic(path.real, content, mode ?? (existing ? existing.mode & 0o7777 : NEW_FILE_MODE));
  return existing !== null;
}
