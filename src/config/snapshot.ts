import { readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import JSON5 from "json5";
import { validateConfig, type ConfigIssue, type GatewayConfig } from "./schema.js";

/** An immutable view of the config file at one moment: raw text, parsed value, validation result. */
export type ConfigSnapshot = {
  readonly path: string;
  readonly exists: boolean;
  readonly raw: string | null;
  readonly parsed: unknown;
  readonly config: Readonly<GatewayConfig>;
  readonly valid: boolean;
  readonly issues: readonly ConfigIssue[];
  readonly hash: string;
};

export function hashConfigText(raw: string | null): string {
  return "sha256:" + createHash("sha256").update(raw ?? "").digest("hex");
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function snapshotFromText(path: string, raw: string | null): ConfigSnapshot {
  if (raw === null) {
    return deepFreeze({ path, exists: false, raw, parsed: {}, config: {}, valid: true, issues: [], hash: hashConfigText(null) });
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    const message = `JSON5 parse error: ${(err as Error).message}`;
    return deepFreeze({ path, exists: true, raw, parsed: {}, config: {}, valid: false, issues: [{ path: "<root>", message }], hash: hashConfigText(raw) });
  }
  const issues = validateConfig(parsed);
  const valid = issues.length === 0;
  return deepFreeze({
    path,
    exists: true,
    raw,
    parsed,
    config: valid ? (parsed as GatewayConfig) : {},
    valid,
    issues,
    hash: hashConfigText(raw),
  });
}

export function readConfigSnapshot(path: string): ConfigSnapshot {
  let raw: string | null = null;
  try {
    if (!statSync(path).isFile()) return notAFile(path);
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      return deepFreeze({
        path, exists: true, raw: null, parsed: {}, config: {}, valid: false,
        issues: [{ path: "<root>", message: `cannot read config: ${(err as Error).message}` }],
        hash: hashConfigText(null),
      });
    }
  }
  return snapshotFromText(path, raw);
}

function notAFile(path: string): ConfigSnapshot {
  return deepFreeze({
    path, exists: true, raw: null, parsed: {}, config: {}, valid: false,
    issues: [{ path: "<root>", message: "config path is not a regular file" }], hash: hashConfigText(null),
  });
}

export function formatConfigIssues(snapshot: ConfigSnapshot): string {
  return [`Invalid config at ${snapshot.path}:`, ...snapshot.issues.map((i) => `- ${i.path}: ${i.message}`)].join("\n");
}
