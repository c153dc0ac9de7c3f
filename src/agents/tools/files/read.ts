import { Type } from "@sinclair/typebox";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import { optionalPositiveInteger, requiredString } from "./file-args.js";
import { READ_COUNT_MAX_BYTES, READ_MAX_BYTES, READ_MAX_LINES } from "./limits.js";
import { readLineWindow, type LineWindow } from "./line-window.js";
import { fileLooksBinary, statFile } from "./text-file.js";
import { resolveInWorkspace } from "./workspace-path.js";

const ReadParameters = Type.Object({
  path: Type.String({ description: "Path of the file to read, relative to the workspace (or absolute inside it)" }),
  offset: Type.Optional(Type.Integer({ minimum: 1, description: "Line number to start reading from (1-based)" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: "Maximum number of lines to read" })),
});

export function readTool(): ToolDefinition {
  return {
    name: "read",
    description:
      `Read a text file in the workspace. Output is limited to ${READ_MAX_LINES} lines or ${READ_MAX_BYTES / 1024} KB per call, ` +
      "whichever comes first; use offset and limit to page through larger files. Binary files are not shown.",
    parameters: ReadParameters,
    execute: readFile,
  };
}

async function readFile(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
  const requested = requiredString(args, "path", "read");
  const offset = optionalPositiveInteger(args, "offset", "read") ?? 1;
  const limit = Math.min(optionalPositiveInteger(args, "limit", "read") ?? READ_MAX_LINES, READ_MAX_LINES);
  const path = await resolveInWorkspace(ctx.workspace, requested);
  const info = await statFile(path);

  if (await fileLooksBinary(path.real)) {
    return {
      content: `${path.relative} is a binary file (${info.size} bytes); read shows text files only.`,
      details: { path: path.relative, binary: true, size: info.size },
    };
  }

  const window = await readLineWindow(path.real, {
    firstLine: offset,
    maxLines: limit,
    maxBytes: READ_MAX_BYTES,
    countUpToBytes: READ_COUNT_MAX_BYTES,
    signal: ctx.signal,
  });
  const details = {
    path: path.relative,
    offset,
    lines: window.lines.length,
    totalLines: window.totalLines,
    nextOffset: window.nextLine,
    truncated: window.nextLine !== null,
  };

  if (window.lines.length === 0) {
    if (window.totalLines === 0 && offset === 1) return { content: `[${path.relative} is empty]`, details };
    throw new ToolError(
      `offset ${offset} is beyond the end of ${path.relative} (${window.totalLines ?? 0} lines)`,
      "invalid_arguments",
      { path: path.relative, totalLines: window.totalLines },
    );
  }
  const note = continuationNote(window);
  return { content: note ? `${window.lines.join("\n")}\n\n${note}` : window.lines.join("\n"), details };
}

/** Tells the model what it did not see and how to read on. */
function continuationNote(window: LineWindow): string | null {
  const last = window.firstLine + window.lines.length - 1;
  const of = window.totalLines === null ? "" : ` of ${window.totalLines}`;
  if (window.lineCut) {
    const rest = window.nextLine === null ? "" : ` Use offset=${window.nextLine} to continue with the next line.`;
    return `[Line ${window.firstLine}${of} is longer than ${READ_MAX_BYTES / 1024} KB; only its start is shown.${rest}]`;
  }
  if (window.nextLine === null) return null;
  const why = window.limitedBy === "bytes" ? ` (${READ_MAX_BYTES / 1024} KB limit)` : "";
  return `[Showing lines ${window.firstLine}-${last}${of}${why}. Use offset=${window.nextLine} to continue.]`;
}
