import { parseInput, type Input } from "./field-input";
import { diffPatch, getAt, setAt } from "./merge-patch";
import { kindOf, sectionsOf, type SchemaNode } from "./schema-kind";

/** The form's edits (input state by dotted path) and the config hash they started from. */
export type Draft = { inputs: Record<string, Input>; baseHash: string };
export type Built = { patch: Record<string, unknown> | null; errors: Record<string, string> };

/** The merge patch for the edited fields that differ from `values`, and the inputs that cannot be read. */
export function buildPatch(schema: SchemaNode, values: unknown, inputs: Record<string, Input>): Built {
  const patch: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const walk = (node: SchemaNode, path: string[]) => {
    const value = getAt(values, path);
    const kind = kindOf(node, value);
    if (kind.kind === "object") {
      for (const [key, child] of kind.properties) walk(child, [...path, key]);
      return;
    }
    const dotted = path.join(".");
    if (!(dotted in inputs)) return;
    const parsed = parseInput(kind, inputs[dotted]);
    if ("error" in parsed) errors[dotted] = parsed.error;
    else {
      const sub = diffPatch(value, parsed.value);
      if (sub !== undefined) setAt(patch, path, sub);
    }
  };
  for (const key of sectionsOf(schema)) walk(schema.properties![key], [key]);
  return { patch: Object.keys(patch).length > 0 ? patch : null, errors };
}
