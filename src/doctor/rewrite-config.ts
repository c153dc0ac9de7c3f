import { patchConfigFile } from "../config/write.js";

/**
 * Applies `edits` (dotted path → new value, `undefined` removes) through the shared config writer,
 * which validates the result, keeps comments where it can and writes atomically with mode 0600.
 */
export async function rewriteConfig(path: string, edits: Array<[string, unknown]>): Promise<string> {
  const patch: Record<string, unknown> = {};
  for (const [dotted, value] of edits) {
    const keys = dotted.split(".");
    let node = patch;
    for (const key of keys.slice(0, -1)) {
      if (!node[key] || typeof node[key] !== "object") node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value === undefined ? null : value;
  }
  const result = await patchConfigFile(path, patch);
  return result.formattingLost ? " (the file was rewritten as plain JSON; its comments and JSON5 layout were not kept)" : "";
}
