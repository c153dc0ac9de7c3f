import { ToolError } from "../types.js";

/** One `@@` section of an update: lines to find (context and removals) and what replaces them. */
export type PatchHunk = {
  /** Text after `@@`: a line to find first, the hunk then matches after it. */
  anchor: string | null;
  oldLines: string[];
  newLines: string[];
  /** Ended by `*** End of File`: the hunk matches (or appends) at the end of the file. */
  endOfFile: boolean;
};

export type PatchOperation =
  | { kind: "add"; path: string; lines: string[] }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; moveTo: string | null; hunks: PatchHunk[] };

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const ADD = "*** Add File: ";
const DELETE = "*** Delete File: ";
const UPDATE = "*** Update File: ";
const MOVE = "*** Move to: ";
const END_OF_FILE = "*** End of File";
// "@@ -12,3 +12,4 @@" carries no anchor text, only numbers from a unified diff.
const UNIFIED_RANGE = /^-\d+(,\d+)? \+\d+(,\d+)? @@/;

/** Parses the `*** Begin Patch … *** End Patch` format into file operations; every problem names its line. */
export function parsePatch(input: string): PatchOperation[] {
  const lines = input.split(/\r?\n/);
  let first = 0;
  let last = lines.length - 1;
  while (first <= last && lines[first].trim() === "") first++;
  while (last >= first && lines[last].trim() === "") last--;
  if (first > last || lines[first].trim() !== BEGIN) throw malformed(`the patch must start with "${BEGIN}"`);
  if (last === first || lines[last].trim() !== END) throw malformed(`the patch must end with "${END}"`);

  const operations: PatchOperation[] = [];
  let i = first + 1;
  const lineNo = () => i + 1;
  while (i < last) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    if (line.startsWith(ADD)) {
      const path = headerPath(line, ADD, lineNo());
      i++;
      const body: string[] = [];
      let bareBlanks = 0;
      while (i < last && !isFileHeader(lines[i])) {
        const text = lines[i];
        if (text.startsWith("+")) {
          body.push(text.slice(1));
          bareBlanks = 0;
        } else if (text === "") {
          body.push("");
          bareBlanks++;
        } else {
          throw malformed(`line ${lineNo()}: every line of an added file starts with "+" (in ${path})`);
        }
        i++;
      }
      // Blank lines without "+" just before the next header separate operations; they are not content.
      operations.push({ kind: "add", path, lines: body.slice(0, body.length - bareBlanks) });
      continue;
    }
    if (line.startsWith(DELETE)) {
      const path = headerPath(line, DELETE, lineNo());
      i++;
      while (i < last && !isFileHeader(lines[i])) {
        if (lines[i].trim() !== "") throw malformed(`line ${lineNo()}: "${DELETE.trim()}" takes no lines after it (in ${path})`);
        i++;
      }
      operations.push({ kind: "delete", path });
      continue;
    }
    if (line.startsWith(UPDATE)) {
      const path = headerPath(line, UPDATE, lineNo());
      i++;
      let moveTo: string | null = null;
      if (i < last && lines[i].startsWith(MOVE)) {
        moveTo = headerPath(lines[i], MOVE, lineNo());
        i++;
      }
      const hunks: PatchHunk[] = [];
      let hunk: PatchHunk | null = null;
      while (i < last && !isFileHeader(lines[i])) {
        const text = lines[i];
        if (text.startsWith("@@")) {
          if (hunk && hunk.oldLines.length + hunk.newLines.length === 0) throw malformed(`line ${lineNo()}: empty hunk in ${path}`);
          const anchor = text.slice(2).trim();
          hunk = { anchor: anchor === "" || UNIFIED_RANGE.test(anchor) ? null : anchor, oldLines: [], newLines: [], endOfFile: false };
          hunks.push(hunk);
        } else if (text.trim() === END_OF_FILE) {
          if (!hunk) throw malformed(`line ${lineNo()}: "${END_OF_FILE}" must follow the lines of a hunk (in ${path})`);
          hunk.endOfFile = true;
          hunk = null;
        } else if (text.startsWith(MOVE)) {
          throw malformed(`line ${lineNo()}: "${MOVE.trim()}" must directly follow its "${UPDATE.trim()}" line`);
        } else if (text.startsWith("***")) {
          throw malformed(`line ${lineNo()}: unknown patch line "${text}"`);
        } else {
          if (!hunk) {
            if (hunks.length > 0) throw malformed(`line ${lineNo()}: start a new hunk with "@@" after "${END_OF_FILE}" (in ${path})`);
            hunk = { anchor: null, oldLines: [], newLines: [], endOfFile: false };
            hunks.push(hunk);
          }
          addHunkLine(hunk, text, lineNo(), path);
        }
        i++;
      }
      if (hunk && hunk.oldLines.length + hunk.newLines.length === 0) throw malformed(`empty hunk at the end of the update of ${path}`);
      if (hunks.length === 0 && moveTo === null) throw malformed(`"${UPDATE}${path}" has no changes; add hunks or a "${MOVE.trim()}" line`);
      operations.push({ kind: "update", path, moveTo, hunks });
      continue;
    }
    throw malformed(`line ${lineNo()}: expected "${ADD.trim()}", "${UPDATE.trim()}" or "${DELETE.trim()}", got "${line}"`);
  }
  if (operations.length === 0) throw malformed("the patch changes no files");
  return operations;
}

function addHunkLine(hunk: PatchHunk, text: string, lineNo: number, path: string): void {
  const marker = text[0];
  const rest = text.slice(1);
  if (marker === " " || text === "") {
    hunk.oldLines.push(rest);
    hunk.newLines.push(rest);
  } else if (marker === "-") {
    hunk.oldLines.push(rest);
  } else if (marker === "+") {
    hunk.newLines.push(rest);
  } else {
    throw malformed(`line ${lineNo}: hunk lines start with " " (context), "-" (remove) or "+" (add), got "${text}" (in ${path})`);
  }
}

function isFileHeader(line: string): boolean {
  return line.startsWith(ADD) || line.startsWith(DELETE) || line.startsWith(UPDATE);
}

function headerPath(line: string, header: string, lineNo: number): string {
  const path = line.slice(header.length).trim();
  if (path === "") throw malformed(`line ${lineNo}: "${header.trim()}" needs a path`);
  return path;
}

function malformed(message: string): ToolError {
  return new ToolError(`invalid patch: ${message}`, "invalid_arguments");
}
