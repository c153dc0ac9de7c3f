import type { ToolDefinition } from "../types.js";
import { applyPatchTool } from "./apply-patch.js";
import { editTool } from "./edit.js";
import { readTool } from "./read.js";
import { writeTool } from "./write.js";

export { resolveInWorkspace, type WorkspacePath } from "./workspace-path.js";

/** The workspace file tools: read, write, edit, apply_patch. */
export function fileTools(): ToolDefinition[] {
  return [readTool(), writeTool(), editTool(), applyPatchTool()];
}
