import { collectSecrets } from "../config/redact.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { DEFAULT_MAX_FILE_BYTES } from "../infra/log-file.js";
import { logSink, type LevelSetting } from "../infra/logger.js";
import type { ResolvedAuth } from "./auth.js";

export type LogOverrides = { verbose?: boolean; level?: LevelSetting; profile?: string };

/** Points the log sink at the config's logging settings and teaches the redactor every secret. */
export function applyLogSettings(snapshot: ConfigSnapshot, overrides: LogOverrides, auth: ResolvedAuth): void {
  const logging = snapshot.config.logging ?? {};
  const level = overrides.level ?? (process.env.OPENCLAW_LOG_LEVEL as LevelSetting | undefined);
  logSink.configure({
    fileLevel: level ?? logging.level ?? "info",
    consoleLevel: overrides.verbose ? "debug" : level ?? logging.consoleLevel ?? "info",
    consoleStyle: logging.consoleStyle ?? "pretty",
    file: logging.file,
    profile: overrides.profile,
    maxFileBytes: logging.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    redactPatterns: logging.redactPatterns,
  });
  const secrets = collectSecrets(snapshot.parsed);
  for (const value of collectSecrets(snapshot.config)) secrets.add(value);
  for (const value of [auth.token, auth.password]) if (value) secrets.add(value);
  logSink.redactor.setSecrets(secrets);
}
