import { readFileSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, relative, resolve } from "node:path";
import JSON5 from "json5";
import type { ConfigIssue } from "./schema.js";
import { isPlainObject } from "./objects.js";

const MAX_DEPTH = 10;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_PATH_LENGTH = 4096;

export type IncludeResult = {
  value: unknown;
  /** Every file pulled in by `$include`, in the order read. */
  includedPaths: string[];
  /** Contents of the included files, for hashing. */
  includedTexts: string[];
  issues: ConfigIssue[];
  /** Dotted path → the included file its value came from. */
  origins: Map<string, string>;
};

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in out ? deepMerge(out[key], value) : value;
  return out;
}

function allowedRoots(rootFile: string): string[] {
  const extra = (process.env.OPENCLAW_INCLUDE_ROOTS ?? "").split(delimiter).filter(Boolean).map((p) => resolve(p));
  return [dirname(rootFile), ...extra].map((p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  });
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function join(dotted: string, key: string): string {
  return dotted ? `${dotted}.${key}` : key;
}

/** Resolves `$include` directives (files or arrays of files, relative to the including file). */
export function resolveIncludes(rootValue: unknown, rootFile: string): IncludeResult {
  const result: IncludeResult = { value: undefined, includedPaths: [], includedTexts: [], issues: [], origins: new Map() };
  const roots = allowedRoots(rootFile);

  const fail = (dotted: string, message: string) => {
    result.issues.push({ path: dotted || "<root>", message });
    return undefined;
  };

  const loadFile = (spec: unknown, fromFile: string, dotted: string, chain: string[]): unknown => {
    if (typeof spec !== "string" || spec.length === 0) return fail(join(dotted, "$include"), `${fromFile}: $include must be a file path or an array of file paths`);
    if (spec.includes("\0")) return fail(join(dotted, "$include"), `${fromFile}: include path contains a null byte`);
    if (spec.length >= MAX_PATH_LENGTH) return fail(join(dotted, "$include"), `${fromFile}: include path is too long`);
    const target = resolve(dirname(fromFile), spec);
    let real: string;
    try {
      real = realpathSync(target);
    } catch {
      return fail(join(dotted, "$include"), `${fromFile}: included file not found: ${target}`);
    }
    if (!roots.some((root) => within(root, real))) {
      return fail(join(dotted, "$include"), `${fromFile}: include ${spec} is outside ${roots[0]} (add its folder to OPENCLAW_INCLUDE_ROOTS)`);
    }
    if (chain.includes(real)) return fail(join(dotted, "$include"), `circular include: ${[...chain, real].join(" -> ")}`);
    if (chain.length > MAX_DEPTH) return fail(join(dotted, "$include"), `${fromFile}: includes nest deeper than ${MAX_DEPTH} levels`);
    let text: string;
    try {
      if (statSync(real).size > MAX_FILE_BYTES) return fail(join(dotted, "$include"), `${real}: included file is larger than 2 MB`);
      text = readFileSync(real, "utf8");
    } catch (err) {
      return fail(join(dotted, "$include"), `${real}: cannot read: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON5.parse(text);
    } catch (err) {
      return fail(dotted, `${real}: JSON5 parse error: ${(err as Error).message}`);
    }
    result.includedPaths.push(real);
    result.includedTexts.push(text);
    const value = walk(parsed, real, dotted, [...chain, real]);
    markOrigins(value, dotted, real);
    return value;
  };

  const markOrigins = (value: unknown, dotted: string, file: string) => {
    if (!result.origins.has(dotted) && dotted) result.origins.set(dotted, file);
    if (isPlainObject(value)) for (const [key, child] of Object.entries(value)) markOrigins(child, join(dotted, key), file);
  };

  const walk = (value: unknown, file: string, dotted: string, chain: string[]): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, file, `${dotted}[${i}]`, chain));
    if (!isPlainObject(value)) return value;
    let base: unknown = undefined;
    if ("$include" in value) {
      const spec = value.$include;
      const specs = Array.isArray(spec) ? spec : [spec];
      for (const one of specs) {
        const loaded = loadFile(one, file, dotted, chain);
        if (loaded !== undefined) base = base === undefined ? loaded : deepMerge(base, loaded);
      }
    }
    const siblings: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key !== "$include") siblings[key] = walk(child, file, join(dotted, key), chain);
    }
    if (base === undefined) return siblings;
    if (Object.keys(siblings).length === 0) return base;
    return deepMerge(base, siblings);
  };

  result.value = walk(rootValue, rootFile, "", [safeRealpath(rootFile)]);
  return result;
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Replaces `${VAR}` in every string; `$${VAR}` stays a literal `${VAR}`; unset variables stay as written. */
export function substituteEnv(value: unknown, env: Record<string, string | undefined>, warnings: string[], dotted = ""): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(/\$?\$\{([^}]*)\}/g, (match, name: string) => {
      if (match.startsWith("$$")) return match.slice(1);
      if (!ENV_NAME.test(name)) return match;
      const replacement = env[name];
      if (replacement === undefined || replacement === "") {
        warnings.push(`${dotted || "<root>"}: environment variable ${name} is not set; kept "\${${name}}" as written`);
        return match;
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, warnings, `${dotted}[${i}]`));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = substituteEnv(child, env, warnings, join(dotted, key));
    return out;
  }
  return value;
}
