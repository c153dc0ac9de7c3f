import type { ServiceTarget } from "../service/target.js";
import { checkLegacyKeys, findLegacyKeys } from "./retired-keys.js";
import type { Check } from "./types.js";

/** Config file validity: missing file, retired keys, schema issues, unset or remote gateway.mode. */
export function checkConfig(target: ServiceTarget): Check[] {
  const { config } = target;
  const checks: Check[] = [];
  if (!config.exists) {
    checks.push({
      id: "config.missing", severity: "info", fixable: false,
      message: `No config file at ${config.path}; defaults apply.`,
      fix: "Run `openclaw gateway` once: it creates the config with gateway.mode \"local\" and a generated token.",
    });
    return checks;
  }
  const legacy = config.raw === null ? [] : findLegacyKeys(config.parsed);
  if (legacy.length > 0) checks.push(checkLegacyKeys(config, legacy));
  for (const issue of config.issues) {
    if (legacy.some((l) => l.path === issue.path)) continue;
    checks.push({
      id: "config.invalid", severity: "error", fixable: false,
      message: `Invalid config at ${config.path}: ${issue.path}: ${issue.message}`,
      fix: issue.path === "<root>" ? `Repair or restore ${config.path} (the gateway refuses to start with exit 78 until then).` : `Edit ${config.path} and correct ${issue.path} (the gateway refuses to start with exit 78 until then).`,
    });
  }
  if (config.valid) {
    const mode = config.config.gateway?.mode;
    if (mode === undefined) {
      checks.push({
        id: "config.mode", severity: "error", fixable: false,
        message: `gateway.mode is not set in ${config.path}; \`openclaw gateway\` refuses to start (this can mean a clobbered config).`,
        fix: `Check the file, then set gateway.mode to "local" in ${config.path} (or start with --allow-unconfigured).`,
      });
    } else if (mode === "remote") {
      checks.push({
        id: "config.mode", severity: "info", fixable: false,
        message: "gateway.mode is \"remote\": this machine is a client of a remote gateway and does not run one.",
        fix: "",
      });
    }
  }
  return checks;
}
