import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import JSON5 from "json5";
import { applyEdits, modify } from "jsonc-parser";
import { writeFileAtomic } from "../infra/files.js";
import { REDACTED } from "./redact.js";
import { describePlan, diffConfigPaths, planReload, type ReloadPlan } from "./reload-plan.js";
import { formatConfigIssues, readConfigSnapshot, snapshotFromText, type ConfigSnapshot } from "./snapshot.js";
import { isPlainObject } from "./objects.js";

export type ConfigWriteErrorCode = "stale-hash" | "base-hash-required" | "invalid" | "includes" | "array-shrink" | "bad-patch" | "redacted-unknown";

/** A write that was refused; the file on disk is unchanged. */
export class ConfigWriteError extends Error {
  constructor(
    readonly code: ConfigWriteErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type ConfigWriteResult = {
  path: string;
  changed: boolean;
  hash: string;
  plan: ReloadPlan;
  hint: string;
  /** Set when the file had comments or JSON5 syntax that the rewrite could not keep. */
  formattingLost: boolean;
  next: ConfigSnapshot;
};

type Segment = string | number;

/** `a.b[0].c` → ["a", "b", 0, "c"] */
export function parseConfigPath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || (match[1] === "" && match[2] === "")) throw new ConfigWriteError("bad-patch", `Invalid config path: ${path}`);
    if (match[1]) segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

export function getAtPath(value: unknown, segments: Segment[]): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== "object" || !(segment in (current as object))) return { found: false };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}

/** RFC 7396 merge patch: objects merge, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function shrunkArrays(prev: unknown, next: unknown, prefix = ""): string[] {
  if (Array.isArray(prev) && Array.isArray(next)) return next.length < prev.length ? [prefix] : [];
  if (!isPlainObject(prev) || !isPlainObject(next)) return [];
  return Object.keys(next).flatMap((key) => shrunkArrays(prev[key], next[key], prefix ? `${prefix}.${key}` : key));
}

/** Values a client read back as the redaction sentinel mean "keep what is there". */
function restoreRedacted(value: unknown, current: unknown, path: Segment[] = []): { value: unknown; restored: Segment[][] } {
  const restored: Segment[][] = [];
  const walk = (v: unknown, cur: unknown, at: Segment[]): unknown => {
    if (v === REDACTED) {
      if (typeof cur !== "string") throw new ConfigWriteError("redacted-unknown", `${at.join(".")} holds the redaction placeholder but has no current value to keep`);
      restored.push(at);
      return cur;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, Array.isArray(cur) ? cur[i] : undefined, [...at, i]));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(v)) out[key] = walk(child, isPlainObject(cur) ? cur[key] : undefined, [...at, key]);
      return out;
    }
    return v;
  };
  return { value: walk(value, current, path), restored };
}

/**
 * Produces new file text for `nextValue`, editing the old text in place so comments and layout
 * survive; falls back to plain JSON when the old text uses syntax the editor cannot keep.
 */
function renderText(oldText: string | null, oldValue: unknown, nextValue: unknown): { text: string; formattingLost: boolean } {
  const fallback = JSON.stringify(nextValue, null, 2) + "\n";
  if (!oldText) return { text: fallback, formattingLost: false };
  try {
    let text = oldText;
    for (const dotted of diffConfigPaths(oldValue, nextValue)) {
      if (dotted === "<root>") return { text: fallback, formattingLost: true };
      const segments = parseConfigPath(dotted);
      const target = getAtPath(nextValue, segments);
      const edits = modify(text, segments, target.found ? target.value : undefined, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } });
      text = applyEdits(text, edits);
    }
    if (isDeepStrictEqual(JSON5.parse(text), nextValue)) return { text, formattingLost: false };
  } catch {}
  return { text: fallback, formattingLost: true };
}

async function commit(current: ConfigSnapshot, nextText: string, formattingLost: boolean): Promise<ConfigWriteResult> {
  const next = snapshotFromText(current.path, nextText);
  if (!next.valid) throw new ConfigWriteError("invalid", formatConfigIssues(next), { issues: next.issues });
  const plan = planReload(current.config, next.config);
  const changed = current.raw !== nextText;
  if (changed) await writeFileAtomic(current.path, nextText, 0o600);
  return { path: current.path, changed, hash: changed ? next.hash : current.hash, plan, hint: changed ? describePlan(plan) : "No change", formattingLost, next };
}

function checkBaseHash(current: ConfigSnapshot, baseHash: string | undefined, required: boolean): void {
  if (baseHash === undefined) {
    if (required && current.exists) throw new ConfigWriteError("base-hash-required", "baseHash is required once the config file exists; read it with config.get first");
    return;
  }
  if (baseHash !== current.hash) {
    throw new ConfigWriteError("stale-hash", "config changed since it was read (stale baseHash); re-read it with config.get and retry", { currentHash: current.hash });
  }
}

/**
 * Where a patch must be written when the config uses `$include`: the root file when the patched
 * sections are plain, or the one file that alone backs a patched top-level section. Anything
 * ambiguous (root includes, include arrays, includes with sibling keys, several files) fails closed.
 */
function includeTarget(current: ConfigSnapshot, patch: Record<string, unknown>): { section: string; file: string } | null {
  if (current.includedPaths.length === 0) return null;
  const root = current.parsed as Record<string, unknown>;
  const refuse = (why: string) => new ConfigWriteError("includes", `${current.path} uses $include and ${why}; edit the included file directly`);
  if ("$include" in root) throw refuse("includes at its root");
  const targets = Object.keys(patch).filter((key) => JSON.stringify(root[key] ?? null).includes('"$include"'));
  if (targets.length === 0) return null;
  if (targets.length > 1 || Object.keys(patch).length > 1) throw refuse(`the change spans several sections (${Object.keys(patch).join(", ")})`);
  const section = root[targets[0]];
  const spec = isPlainObject(section) ? section.$include : undefined;
  if (typeof spec !== "string" || Object.keys(section as object).length !== 1) throw refuse(`section ${targets[0]} is not backed by exactly one included file`);
  return { section: targets[0], file: resolve(dirname(current.path), spec) };
}

/** Writes the section's patch into its included file, keeping it only if the whole config stays valid. */
async function patchIncludedSection(current: ConfigSnapshot, target: { section: string; file: string }, sectionPatch: unknown): Promise<ConfigWriteResult> {
  const oldText = readFileSync(target.file, "utf8");
  let oldValue: unknown;
  try {
    oldValue = JSON5.parse(oldText);
  } catch (err) {
    throw new ConfigWriteError("invalid", `${target.file}: JSON5 parse error: ${(err as Error).message}`);
  }
  if (isPlainObject(oldValue) && "$include" in oldValue) throw new ConfigWriteError("includes", `${target.file} includes further files; edit them directly`);
  const nextValue = mergePatch(oldValue, sectionPatch);
  if (isDeepStrictEqual(nextValue, oldValue)) {
    return { path: target.file, changed: false, hash: current.hash, plan: planReload(current.config, current.config), hint: "No change", formattingLost: false, next: current };
  }
  const { text, formattingLost } = renderText(oldText, oldValue, nextValue);
  await writeFileAtomic(target.file, text, 0o600);
  const next = readConfigSnapshot(current.path);
  if (!next.valid) {
    await writeFileAtomic(target.file, oldText, 0o600);
    throw new ConfigWriteError("invalid", formatConfigIssues(next), { issues: next.issues });
  }
  const plan = planReload(current.config, next.config);
  return { path: target.file, changed: true, hash: next.hash, plan, hint: describePlan(plan), formattingLost, next };
}

/** Replaces the whole file (config.set / config.apply). */
export async function writeConfigRaw(path: string, raw: string, opts: { baseHash?: string } = {}): Promise<ConfigWriteResult> {
  const current = readConfigSnapshot(path);
  checkBaseHash(current, opts.baseHash, false);
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch (err) {
    throw new ConfigWriteError("invalid", `Invalid config: JSON5 parse error: ${(err as Error).message}`);
  }
  const { value, restored } = restoreRedacted(parsed, current.parsed);
  if (restored.length === 0) return commit(current, raw, false);
  const inPlace = fillPlaceholders(raw, restored.map((at) => getAtPath(value, at).value));
  if (inPlace !== null && parsesTo(inPlace, value)) return commit(current, inPlace, false);
  const { text, formattingLost } = renderText(raw, parsed, value);
  return commit(current, text, formattingLost);
}

function parsesTo(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON5.parse(text), value);
  } catch {
    return false;
  }
}

/**
 * Puts the kept secrets where the text holds the placeholder, in order of appearance (the order
 * the parser met them), so a JSON5 file keeps its comments and layout. Null when the counts differ.
 */
function fillPlaceholders(raw: string, secrets: unknown[]): string | null {
  const quoted = new RegExp(`(["'])${REDACTED}\\1`, "g");
  let i = 0;
  const text = raw.replace(quoted, (match) => (i < secrets.length ? JSON.stringify(secrets[i++]) : match));
  return i === secrets.length ? text : null;
}

/** Applies a merge patch to the file (config.patch, `openclaw config set/unset`). */
export async function patchConfigFile(
  path: string,
  patch: unknown,
  opts: { baseHash?: string; requireBaseHash?: boolean; replacePaths?: string[] } = {},
): Promise<ConfigWriteResult> {
  if (!isPlainObject(patch)) throw new ConfigWriteError("bad-patch", "a config patch must be an object");
  const current = readConfigSnapshot(path);
  checkBaseHash(current, opts.baseHash, opts.requireBaseHash ?? false);
  const target = includeTarget(current, patch);
  if (target) return patchIncludedSection(current, target, patch[target.section]);
  if (current.exists && current.raw !== null && !isPlainObject(current.parsed)) {
    throw new ConfigWriteError("invalid", `${path} does not hold a config object; fix it before patching`);
  }
  const { value: nextValue } = restoreRedacted(mergePatch(current.parsed, patch), current.parsed);
  const shrunk = shrunkArrays(current.parsed, nextValue).filter((p) => !(opts.replacePaths ?? []).includes(p));
  if (shrunk.length > 0) {
    throw new ConfigWriteError("array-shrink", `patch would drop items from ${shrunk.join(", ")}; list the path in replacePaths to allow it`);
  }
  if (isDeepStrictEqual(nextValue, current.parsed) && current.exists) {
    return { path, changed: false, hash: current.hash, plan: planReload(current.config, current.config), hint: "No change", formattingLost: false, next: current };
  }
  const { text, formattingLost } = renderText(current.raw, current.parsed, nextValue);
  return commit(current, text, formattingLost);
}

/** Builds the merge patch that sets (or, with `undefined`, removes) one dotted path. */
export function patchForPath(path: string, value: unknown): Record<string, unknown> {
  const segments = parseConfigPath(path);
  if (segments.some((s) => typeof s === "number")) throw new ConfigWriteError("bad-patch", `array indexes are not supported in set/unset paths: ${path}`);
  let patch: unknown = value === undefined ? null : value;
  for (const segment of [...segments].reverse()) patch = { [segment]: patch };
  return patch as Record<string, unknown>;
}
