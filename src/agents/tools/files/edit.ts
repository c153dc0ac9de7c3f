import { Type } from "@sinclair/typebox";
import { writeFileAtomic } from "../../../infra/files.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import { requiredString } from "./file-args.js";
import { MAX_FILE_BYTES } from "./limits.js";
import { loadTextFile } from "./text-file.js";
import { replaceUnique, type Replacement, type ReplacedSpan } from "./text-replace.js";
import { resolveInWorkspace } from "./workspace-path.js";

const EditParameters = Type.Object({
  path: Type.String({ description: "Path of the file to edit, relative to the workspace (or absolute inside it)" }),
  oldText: Type.Optional(Type.String({ description: "Exact text to replace; it must occur exactly once in the file" })),
  newText: Type.Optional(Type.String({ description: "Text to put in its place" })),
  edits: Type.Optional(
    Type.Array(Type.Object({ oldText: Type.String(), newText: Type.String() }), {
      minItems: 1,
      description: "Several replacements in one file instead of oldText/newText; each must match the original file exactly once",
    }),
  ),
});

export function editTool(): ToolDefinition {
  return {
    name: "edit",
    description:
      "Edit a file in the workspace by replacing exact text. oldText must match the file exactly (whitespace included) " +
      "and occur exactly once; give several replacements at once with edits: [{oldText, newText}].",
    parameters: EditParameters,
    execute: editFile,
  };
}

async function editFile(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
  const requested = requiredString(args, "path", "edit");
  const replacements = replacementsFrom(args);
  const path = await resolveInWorkspace(ctx.workspace, requested, { forWrite: true, sandboxed: ctx.sandboxed });
  const file = await loadTextFile(path);
  const outcome = replaceUnique(file.text, replacements, path.relative);
  const bytes = Buffer.byteLength(outcome.text, "utf8");
  if (bytes > MAX_FILE_BYTES) {
    throw new ToolError(`the edited ${path.relative} would be ${bytes} bytes, more than the ${MAX_FILE_BYTES}-byte limit`, "invalid_arguments");
  }
  ctx.signal.throwIfAborted();
  await writeFileAtomic(path.real, outcome.text, file.mode);
  return {
    content: `Edited ${path.relative}: ${outcome.spans.map(describeSpan).join("; ")}`,
    details: { path: path.relative, replacements: outcome.spans },
  };
}

function replacementsFrom(args: Record<string, unknown>): Replacement[] {
  const single = args.oldText !== undefined || args.newText !== undefined;
  if (args.edits !== undefined) {
    if (single) throw new ToolError("give either oldText/newText or edits, not both", "invalid_arguments");
    if (!Array.isArray(args.edits) || args.edits.length === 0) throw new ToolError("edits must be a non-empty list of {oldText, newText}", "invalid_arguments");
    return args.edits.map((entry: unknown, i) => {
      const e = entry as Record<string, unknown> | null;
      if (typeof e?.oldText !== "string" || typeof e?.newText !== "string") {
        throw new ToolError(`edits[${i}] needs oldText and newText as strings`, "invalid_arguments");
      }
      return { oldText: e.oldText, newText: e.newText };
    });
  }
  if (typeof args.oldText !== "string" || typeof args.newText !== "string") {
    throw new ToolError("edit needs oldText and newText as strings (or edits: [{oldText, newText}])", "invalid_arguments");
  }
  return [{ oldText: args.oldText, newText: args.newText }];
}

function describeSpan(span: ReplacedSpan): string {
  const range = (a: number, b: number) => (a === b ? `line ${a}` : `lines ${a}-${b}`);
  return `${range(span.oldStart, span.oldEnd)} replaced (now ${range(span.newStart, span.newEnd)})`;
}
