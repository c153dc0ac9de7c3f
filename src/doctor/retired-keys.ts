import type { ConfigSnapshot } from "../config/snapshot.js";
import { rewriteConfig } from "./rewrite-config.js";
import type { Check } from "./types.js";

type LegacyKey = { path: string; describe: string; value: unknown };

/** Retired keys that `doctor --fix` migrates (spec operations §1.7). */
export function findLegacyKeys(parsed: unknown): LegacyKey[] {
  const found: LegacyKey[] = [];
  const config = (parsed && typeof parsed === "object" ? parsed : {}) as Record<string, any>;
  const reload = config.gateway?.reload;
  if (reload && typeof reload === "object") {
    if (reload.mode === "hot" || reload.mode === "restart") {
      found.push({ path: "gateway.reload.mode", describe: `gateway.reload.mode "${reload.mode}" is retired (now "hybrid")`, value: "hybrid" });
    }
    for (const key of ["debounceMs", "deferralTimeoutMs"]) {
      if (key in reload) found.push({ path: `gateway.reload.${key}`, describe: `gateway.reload.${key} is retired`, value: undefined });
    }
  }
  const logging = config.logging;
  if (logging && typeof logging === "object") {
    for (const key of Object.keys(logging)) {
      if (key.startsWith("redact") && key !== "redactPatterns") {
        found.push({ path: `logging.${key}`, describe: `logging.${key} is retired (redaction is always on)`, value: undefined });
      }
    }
    if (logging.consoleStyle === "compact") {
      found.push({ path: "logging.consoleStyle", describe: 'logging.consoleStyle "compact" is internal only (now "pretty")', value: "pretty" });
    }
  }
  return found;
}

/** The `config.legacy` finding for `legacy` (non-empty); an error when a retired key also fails validation. */
export function checkLegacyKeys(config: ConfigSnapshot, legacy: LegacyKey[]): Check {
  const blocking = legacy.some((l) => config.issues.some((i) => i.path === l.path));
  return {
    id: "config.legacy", severity: blocking ? "error" : "warning", fixable: true, key: "config.legacy",
    message: `Config ${config.path} uses retired keys: ${legacy.map((l) => l.describe).join("; ")}`,
    fix: "openclaw doctor --fix migrates them (the rest of the file is kept).",
    apply: async () => {
      const note = await rewriteConfig(config.path, legacy.map((l): [string, unknown] => [l.path, l.value]));
      return `Migrated retired config keys in ${config.path}: ${legacy.map((l) => l.path).join(", ")}${note}`;
    },
  };
}
