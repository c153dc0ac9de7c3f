import { readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import JSON5 from "json5";
import { resolveIncludes, substituteEnv } from "./includes.js";
import { validateConfig, type ConfigIssue, type GatewayConfig } from "./schema.js";

/**
 * An immutable view of the config at one moment: the root file's text and parsed value, the
 * resolved config (includes merged, `${VAR}` substituted) and the validation result.
 */
export type ConfigSnapshot = {
  readonly path: string;
  readonly exists: boolean;
  readonly raw: string | null;
  readonly parsed: unknown;
  readonly config: Readonly<GatewayConfig>;
  readonly valid: boolean;
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly string[];
  readonly includedPaths: readonly string[];
  /** Covers the root file and every included file, so an edit to either changes it. */
  readonly hash: string;
};

export function hashConfigText(raw: string | null, included: readonly string[] = []): string {
  const hash = createHash("sha256").update(raw ?? "");
  for (const text of included) hash.update("\0").update(text);
  return "sha256:" + hash.digest("hex");
}

type Base = Pick<ConfigSnapshot, "path" | "exists" | "raw">;

function invalidSnapshot(base: Base, issues: ConfigIssue[], parsed: unknown = {}, includedPaths: string[] = []): ConfigSnapshot {
  return deepFreeze({ ...base, parsed, config: {}, valid: false, issues, warnings: [], includedPaths, hash: hashConfigText(base.raw) });
}

function annotateOrigin(issue: ConfigIssue, origins: Map<string, string>): ConfigIssue {
  for (let path = issue.path; path; path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "") {
    const file = origins.get(path);
    if (file) return { path: issue.path, message: `${issue.message} (in ${file})` };
  }
  return issue;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function snapshotFromText(path: string, raw: string | null, env: Record<string, string | undefined> = process.env): ConfigSnapshot {
  if (raw === null) {
    return deepFreeze({ path, exists: false, raw, parsed: {}, config: {}, valid: true, issues: [], warnings: [], includedPaths: [], hash: hashConfigText(null) });
  }
  const base = { path, exists: true, raw };
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    return invalidSnapshot(base, [{ path: "<root>", message: `JSON5 parse error: ${(err as Error).message}` }]);
  }
  const included = resolveIncludes(parsed, path);
  if (included.issues.length > 0) return invalidSnapshot(base, included.issues, parsed, included.includedPaths);
  const warnings: string[] = [];
  const resolved = substituteEnv(included.value, env, warnings);
  const issues = validateConfig(resolved).map((issue) => annotateOrigin(issue, included.origins));
  const valid = issues.length === 0;
  return deepFreeze({
    ...base,
    parsed,
    config: valid ? (resolved as GatewayConfig) : {},
    valid,
    issues,
    warnings,
    includedPaths: included.includedPaths,
    hash: hashConfigText(raw, included.includedTexts),
  });
}

export function readConfigSnapshot(path: string): ConfigSnapshot {
  let raw: string | null = null;
  try {
    if (!statSync(path).isFile()) return notAFile(path);
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      return invalidSnapshot({ path, exists: true, raw: null }, [{ path: "<root>", message: `cannot read config: ${(err as Error).message}` }]);
    }
  }
  return snapshotFromText(path, raw);
}

function notAFile(path: string): ConfigSnapshot {
  return invalidSnapshot({ path, exists: true, raw: null }, [{ path: "<root>", message: "config path is not a regular file" }]);
}

export function formatConfigIssues(snapshot: ConfigSnapshot): string {
  return [`Invalid config at ${snapshot.path}:`, ...snapshot.issues.map((i) => `- ${i.path}: ${i.message}`)].join("\n");
}
