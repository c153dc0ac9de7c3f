import type { ConfigDoc } from "./use-config-doc";

export type Fields = { model: string; level: string };

const FALLBACK_LEVELS = ["silent", "fatal", "error", "warn", "info", "debug", "trace"];

function modelValue(doc: ConfigDoc): any {
  return doc.resolved?.agents?.defaults?.model;
}

export function readFields(doc: ConfigDoc): Fields {
  const model = modelValue(doc);
  const primary = typeof model === "string" ? model : typeof model?.primary === "string" ? model.primary : "";
  const level = doc.resolved?.logging?.level;
  return { model: primary, level: typeof level === "string" ? level : "" };
}

export function configuredPort(doc: ConfigDoc): string {
  const port = doc.resolved?.gateway?.port;
  return typeof port === "number" ? String(port) : "";
}

/** The merge patch (null deletes) for the fields that differ from what was loaded, or null when none do. */
export function patchFor(doc: ConfigDoc, before: Fields, after: Fields): Record<string, unknown> | null {
  const patch: Record<string, any> = {};
  const model = after.model.trim();
  if (model !== before.model) {
    const current = modelValue(doc);
    const value = model === "" ? null : model;
    patch.agents = { defaults: { model: current && typeof current === "object" ? { primary: value } : value } };
  }
  if (after.level !== before.level) patch.logging = { level: after.level === "" ? null : after.level };
  return Object.keys(patch).length > 0 ? patch : null;
}

/** The log levels the config schema allows for `logging.level`. */
export function levelsFromSchema(schema: any): string[] {
  const level = schema?.schema?.properties?.logging?.properties?.level;
  const options: unknown[] = level?.enum ?? (level?.anyOf ?? []).map((o: any) => o?.const);
  const levels = options.filter((v): v is string => typeof v === "string");
  return levels.length > 0 ? levels : FALLBACK_LEVELS;
}
