import { logSink } from "../../../infra/logger.js";
import { maskSecret } from "../../../infra/redact.js";
import { looksSecret } from "../exec/child-env.js";

/** `NAME=value` and `--name=value` words (a quoted value stays one word). */
const ASSIGNMENT = /\b([A-Za-z_][A-Za-z0-9_-]*)=('[^']*'|"[^"]*"|[^\s;&|]+)/g;

/**
 * A command text fit to be kept on disk (last-used stamps, grants): values given to
 * secret-looking names (`GITHUB_TOKEN=…`, `--api-key=…`) are masked, then whatever the log
 * redaction catches (bearer tokens, `sk-…` keys, the config's own secrets).
 */
export function redactCommandText(text: string): string {
  const masked = text.replace(ASSIGNMENT, (word, name: string, value: string) => (looksSecret(name) ? `${name}=${maskSecret(value)}` : word));
  return logSink.redactor.redact(masked);
}
