type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** The RFC 7396 merge patch that turns `before` into `after` (undefined = not set), or undefined when they are equal. */
export function diffPatch(before: unknown, after: unknown): unknown {
  if (after === undefined) return before === undefined ? undefined : null;
  if (isObject(after) && (isObject(before) || before === undefined)) {
    const old = before ?? {};
    const patch: Json = {};
    for (const key of new Set([...Object.keys(old), ...Object.keys(after)])) {
      const sub = diffPatch(old[key], after[key]);
      if (sub !== undefined) patch[key] = sub;
    }
    return Object.keys(patch).length > 0 ? patch : undefined;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : after;
}

export function getAt(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), value);
}

/** Puts `sub` into `patch` at `path`, creating the objects on the way. */
export function setAt(patch: Json, path: string[], sub: unknown): void {
  let at = patch;
  for (const key of path.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key] as Json;
  }
  at[path[path.length - 1]] = sub;
}

/** Dotted paths of a patch's leaves (values, arrays, empty objects). */
export function patchPaths(patch: unknown, prefix = ""): string[] {
  if (!isObject(patch) || (prefix !== "" && Object.keys(patch).length === 0)) return [prefix];
  return Object.entries(patch).flatMap(([key, sub]) => patchPaths(sub, prefix ? `${prefix}.${key}` : key));
}

/** Paths where the patch replaces an array, which `config.patch` must be told may shrink. */
export function arrayPaths(patch: unknown, prefix = ""): string[] {
  if (Array.isArray(patch)) return [prefix];
  if (!isObject(patch)) return [];
  return Object.entries(patch).flatMap(([key, sub]) => arrayPaths(sub, prefix ? `${prefix}.${key}` : key));
}
