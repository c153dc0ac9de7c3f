import JSON5 from "json5";
import { resolveConfigPath } from "../../config/paths.js";
import { redactConfig } from "../../config/redact.js";
import { readConfigSnapshot } from "../../config/snapshot.js";
import { ConfigWriteError, getAtPath, parseConfigPath, patchConfigFile, patchForPath, type ConfigWriteResult } from "../../config/write.js";
import { CliError, EXIT_CONFIG, printJson } from "../exit.js";

function loadValid() {
  const snapshot = readConfigSnapshot(resolveConfigPath());
  if (snapshot.exists && !snapshot.valid) {
    throw new CliError(`Config at ${snapshot.path} is invalid; fix it first (openclaw config validate):\n${snapshot.issues.map((i) => `- ${i.path}: ${i.message}`).join("\n")}`, EXIT_CONFIG);
  }
  return snapshot;
}

/** `openclaw config get <path>`: the resolved value, secrets redacted. */
export function configGetCommand(path: string, flags: { json?: boolean }): void {
  const snapshot = loadValid();
  const found = getAtPath(redactConfig(snapshot.config), parseConfigPath(path));
  if (!found.found) {
    if (!flags.json) throw new CliError(`Config path not found: ${path}`);
    printJson({ error: `Config path not found: ${path}` });
    process.exitCode = 1;
    return;
  }
  if (flags.json || typeof found.value === "object") printJson(found.value);
  else process.stdout.write(String(found.value) + "\n");
}

function parseValue(raw: string, strictJson: boolean): unknown {
  try {
    return strictJson ? JSON.parse(raw) : JSON5.parse(raw);
  } catch (err) {
    if (strictJson) throw new CliError(`Value is not valid JSON: ${(err as Error).message}`);
    return raw;
  }
}

function report(result: ConfigWriteResult, what: string): void {
  if (!result.changed) {
    process.stdout.write("No change\n");
    return;
  }
  if (result.formattingLost) process.stderr.write("Note: comments and JSON5 formatting could not be kept; the file was rewritten as JSON.\n");
  process.stdout.write(`${what} in ${result.path}\n${result.hint}\n`);
}

async function write(fn: () => Promise<ConfigWriteResult>): Promise<ConfigWriteResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConfigWriteError) throw new CliError(`Config write rejected: ${err.message}`, err.code === "invalid" ? EXIT_CONFIG : 1);
    throw err;
  }
}

/** `openclaw config set <path> <value>`: value parsed as JSON5, else kept as a string. */
export async function configSetCommand(path: string, rawValue: string, flags: { strictJson?: boolean }): Promise<void> {
  loadValid();
  const value = parseValue(rawValue, Boolean(flags.strictJson));
  if (value === null) throw new CliError("Use `openclaw config unset` to remove a value.");
  const result = await write(() => patchConfigFile(resolveConfigPath(), patchForPath(path, value)));
  report(result, `Updated ${path}`);
}

/** `openclaw config unset <path>`: an absent path is an error. */
export async function configUnsetCommand(path: string): Promise<void> {
  const snapshot = loadValid();
  if (!getAtPath(snapshot.parsed, parseConfigPath(path)).found) throw new CliError(`Config path not found: ${path}`);
  const result = await write(() => patchConfigFile(resolveConfigPath(), patchForPath(path, undefined)));
  report(result, `Removed ${path}`);
}

/** `openclaw config validate`: exit 0 when valid, 78 with every problem otherwise. */
export function configValidateCommand(flags: { json?: boolean }): void {
  const snapshot = readConfigSnapshot(resolveConfigPath());
  if (flags.json) printJson({ path: snapshot.path, exists: snapshot.exists, valid: snapshot.valid, issues: snapshot.issues, warnings: snapshot.warnings });
  else if (!snapshot.exists) process.stdout.write(`No config file at ${snapshot.path} (defaults apply; the gateway creates one on first run)\n`);
  else if (snapshot.valid) process.stdout.write(`Config valid: ${snapshot.path}\n${snapshot.warnings.map((w) => `warning: ${w}\n`).join("")}`);
  else process.stderr.write(`Invalid config at ${snapshot.path}:\n${snapshot.issues.map((i) => `- ${i.path}: ${i.message}`).join("\n")}\n`);
  if (!snapshot.valid) process.exitCode = EXIT_CONFIG;
}

export function configFileCommand(flags: { json?: boolean }): void {
  const snapshot = readConfigSnapshot(resolveConfigPath());
  if (flags.json) printJson({ path: snapshot.path, exists: snapshot.exists, includedPaths: snapshot.includedPaths });
  else process.stdout.write(snapshot.path + "\n");
}
