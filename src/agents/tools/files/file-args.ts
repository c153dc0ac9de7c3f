import { ToolError } from "../types.js";

/** A required string argument; the registry has checked the schema, this guards direct callers. */
export function requiredString(args: Record<string, unknown>, name: string, tool: string): string {
  const value = args[name];
  if (typeof value !== "string") throw new ToolError(`${tool} needs "${name}" as a string`, "invalid_arguments");
  return value;
}

/** An optional whole number of at least 1 (line numbers and counts). */
export function optionalPositiveInteger(args: Record<string, unknown>, name: string, tool: string): number | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ToolError(`${tool}: "${name}" must be a whole number of at least 1`, "invalid_arguments");
  }
  return value;
}
