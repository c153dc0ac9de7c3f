import { open, readFile, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { ToolError } from "../types.js";
import { MAX_FILE_BYTES } from "./limits.js";
import type { WorkspacePath } from "./workspace-path.js";

const SNIFF_BYTES = 8192;

/** A NUL byte or bytes that are not UTF-8 in the first few KB mark a file as binary. */
function looksBinary(sample: Uint8Array): boolean {
  const head = sample.subarray(0, SNIFF_BYTES);
  if (head.includes(0)) return true;
  try {
    // stream mode: a character cut at the sample's end is not an error
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

/** Sniffs the start of a file without reading the rest. */
export async function fileLooksBinary(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const sample = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(sample, 0, SNIFF_BYTES, 0);
    return looksBinary(sample.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Stats a path a tool wants to use as a regular file, with errors the model can act on. */
export async function statFile(path: WorkspacePath): Promise<Stats> {
  let info: Stats;
  try {
    info = await stat(path.real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ToolError(`File not found: ${path.relative}`, "failed", { path: path.relative });
    throw err;
  }
  if (info.isDirectory()) throw new ToolError(`${path.relative} is a directory, not a file`, "invalid_arguments", { path: path.relative });
  if (!info.isFile()) throw new ToolError(`${path.relative} is not a regular file`, "invalid_arguments", { path: path.relative });
  return info;
}

export type TextFile = { text: string; mode: number };

/** Loads a whole text file to change it (edit, apply_patch): bounded in size, binary refused. */
export async function loadTextFile(path: WorkspacePath): Promise<TextFile> {
  const info = await statFile(path);
  if (info.size > MAX_FILE_BYTES) {
    throw new ToolError(`${path.relative} is ${info.size} bytes, more than the ${MAX_FILE_BYTES}-byte limit for changing a file`, "failed", { path: path.relative });
  }
  const bytes = await readFile(path.real);
  if (looksBinary(bytes)) throw new ToolError(`${path.relative} is a binary file; only text files can be changed`, "failed", { path: path.relative });
  return { text: bytes.toString("utf8"), mode: info.mode & 0o7777 };
}
