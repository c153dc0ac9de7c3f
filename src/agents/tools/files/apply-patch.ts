import { Type } from "@sinclair/typebox";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import { requiredString } from "./file-args.js";
import { MAX_PATCH_BYTES } from "./limits.js";
import { parsePatch } from "./patch-parse.js";
import { commitPatch, planPatch } from "./patch-plan.js";

const ApplyPatchParameters = Type.Object({
  input: Type.String({ description: "The full patch, from *** Begin Patch to *** End Patch" }),
});

export function applyPatchTool(): ToolDefinition {
  return {
    name: "apply_patch",
    description: [
      "Add, update, move and delete workspace files with one patch. The whole patch is checked first; if any part does not apply, no file is changed.",
      "Format:",
      "*** Begin Patch",
      "*** Add File: path/new.txt",
      "+every line of the new file starts with +",
      "*** Update File: path/app.ts",
      "*** Move to: path/renamed.ts   (optional, directly after Update File)",
      "@@ optional line to find first",
      " context line (space)",
      "-removed line",
      "+added line",
      "*** End of File   (optional: the hunk is at the end of the file)",
      "*** Delete File: path/old.txt",
      "*** End Patch",
    ].join("\n"),
    parameters: ApplyPatchParameters,
    execute: applyPatch,
  };
}

async function applyPatch(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
  const input = requiredString(args, "input", "apply_patch");
  const bytes = Buffer.byteLength(input, "utf8");
  if (bytes > MAX_PATCH_BYTES) {
    throw new ToolError(`the patch is ${bytes} bytes, more than the ${MAX_PATCH_BYTES}-byte limit; split it into smaller patches`, "invalid_arguments");
  }
  const plan = await planPatch(parsePatch(input), ctx.workspace, ctx.sandboxed);
  ctx.signal.throwIfAborted();
  await commitPatch(plan);
  return {
    content: `Applied the patch:\n${plan.summary.join("\n")}`,
    details: { changes: plan.summary },
  };
}
