import { promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";

export type LogTailRequest = { cursor?: number; limit: number; maxBytes: number };
export type LogTailResult = {
  file: string;
  cursor: number;
  size: number;
  lines: string[];
  truncated?: boolean;
  reset?: boolean;
  skippedBytes?: number;
};

/** When today's rolling file does not exist yet, the newest file of the same family is read. */
async function resolveExistingFile(file: string): Promise<{ file: string; size: number } | null> {
  try {
    return { file, size: (await fsp.stat(file)).size };
  } catch {}
  const family = /^(openclaw(?:-[a-z0-9_-]+)?)-\d{4}-\d{2}-\d{2}\.log$/i.exec(basename(file));
  if (!family) return null;
  const dir = dirname(file);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const pattern = new RegExp(`^${family[1]}-\\d{4}-\\d{2}-\\d{2}\\.log$`);
  const newest = names.filter((n) => pattern.test(n)).sort().pop();
  if (!newest) return null;
  const path = join(dir, newest);
  return { file: path, size: (await fsp.stat(path)).size };
}

/** Reads complete lines from `cursor` (a byte offset) on, bounded by bytes and line count. */
export async function tailLogFile(file: string, req: LogTailRequest): Promise<LogTailResult> {
  const existing = await resolveExistingFile(file);
  if (!existing) return { file, cursor: 0, size: 0, lines: [] };
  const { size } = existing;
  let start: number;
  const result: LogTailResult = { file: existing.file, cursor: size, size, lines: [] };
  if (req.cursor === undefined) {
    start = Math.max(0, size - req.maxBytes);
  } else if (req.cursor > size) {
    result.reset = true;
    start = Math.max(0, size - req.maxBytes);
  } else if (size - req.cursor > req.maxBytes) {
    start = size - req.maxBytes;
    result.reset = true;
    result.truncated = true;
    result.skippedBytes = start - req.cursor;
  } else {
    start = req.cursor;
  }
  if (start >= size) return result;

  const buffer = Buffer.alloc(size - start);
  const handle = await fsp.open(existing.file, "r");
  try {
    await handle.read(buffer, 0, buffer.length, start);
  } finally {
    await handle.close();
  }
  let from = 0;
  if (start > 0 && start !== req.cursor) {
    const firstNewline = buffer.indexOf(0x0a);
    from = firstNewline === -1 ? buffer.length : firstNewline + 1;
  }
  const lastNewline = buffer.lastIndexOf(0x0a);
  const end = lastNewline >= from ? lastNewline + 1 : from;
  result.cursor = start + end;
  let lines = buffer.subarray(from, end).toString("utf8").split("\n");
  lines.pop();
  if (lines.length > req.limit) {
    lines = lines.slice(-req.limit);
    result.truncated = true;
  }
  result.lines = lines;
  return result;
}
