import { ToolError } from "../types.js";
import type { PatchHunk } from "./patch-parse.js";

const SHOWN_LINES = 12;

// Tried in order: models often get trailing spaces or indentation of context lines slightly wrong.
const LINE_MATCHERS: Array<(fileLine: string, patchLine: string) => boolean> = [
  (a, b) => a === b,
  (a, b) => a.trimEnd() === b.trimEnd(),
  (a, b) => a.trim() === b.trim(),
];

/** Applies an update's hunks in order, each searched after the previous one; throws if one does not match. */
export function applyHunks(original: string, hunks: PatchHunk[], fileName: string): string {
  const eol = original.includes("\r\n") ? "\r\n" : "\n";
  const endsWithNewline = original === "" || original.endsWith("\n");
  const lines = original === "" ? [] : original.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (endsWithNewline && lines.length > 0) lines.pop();

  let cursor = 0;
  hunks.forEach((hunk, h) => {
    const label = `${fileName}: hunk ${h + 1}`;
    if (hunk.anchor !== null) {
      const at = seek(lines, [hunk.anchor], cursor, false);
      if (at === -1) {
        throw new ToolError(`${label} did not apply: the line "${hunk.anchor}" after @@ was not found${after(cursor)}; read the file and fix the patch`, "failed", { path: fileName, hunk: h + 1 });
      }
      cursor = at + 1;
    }
    if (hunk.oldLines.length === 0) {
      const at = hunk.endOfFile || hunk.anchor === null ? lines.length : cursor;
      lines.splice(at, 0, ...hunk.newLines);
      cursor = at + hunk.newLines.length;
      return;
    }
    const at = seek(lines, hunk.oldLines, cursor, hunk.endOfFile);
    if (at === -1) {
      const shown = hunk.oldLines.slice(0, SHOWN_LINES).join("\n");
      const more = hunk.oldLines.length > SHOWN_LINES ? `\n… (${hunk.oldLines.length - SHOWN_LINES} more lines)` : "";
      const where = hunk.endOfFile ? " at the end of the file" : after(cursor);
      throw new ToolError(
        `${label} did not apply: these lines were not found${where}; read the file and fix the patch:\n${shown}${more}`,
        "failed",
        { path: fileName, hunk: h + 1 },
      );
    }
    lines.splice(at, hunk.oldLines.length, ...hunk.newLines);
    cursor = at + hunk.newLines.length;
  });

  if (lines.length === 0) return "";
  return lines.join(eol) + (endsWithNewline ? eol : "");
}

/** First index at or after `from` where `pattern` matches, strictest matcher first; at the very end only, if `atEnd`. */
function seek(lines: string[], pattern: string[], from: number, atEnd: boolean): number {
  const lastStart = lines.length - pattern.length;
  const firstStart = atEnd ? lastStart : from;
  if (firstStart < from || lastStart < 0) return -1;
  for (const same of LINE_MATCHERS) {
    for (let start = firstStart; start <= lastStart; start++) {
      if (pattern.every((p, k) => same(lines[start + k], p))) return start;
    }
  }
  return -1;
}

function after(cursor: number): string {
  return cursor > 0 ? ` after line ${cursor}` : "";
}
