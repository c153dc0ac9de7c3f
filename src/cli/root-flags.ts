import { basename, dirname, join, resolve } from "node:path";
import { PROFILE_NAME_PATTERN, resolveHomeDir, type Env } from "../config/paths.js";
import { DEV_GATEWAY_PORT } from "../protocol/constants.js";
import { CliError } from "./exit.js";

/**
 * Applies the root `--dev` / `--profile <name>` flags (those before the command word) to the
 * environment, as every later path and port lookup reads it, and returns argv without them.
 */
export function applyRootFlags(argv: string[], env: Env = process.env): string[] {
  const rest: string[] = [];
  let profile: string | undefined;
  let dev = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dev") dev = true;
    else if (arg === "--profile" || arg.startsWith("--profile=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value || value.startsWith("-")) throw new CliError("--profile requires a value");
      profile = value;
    } else if (arg.startsWith("-")) rest.push(arg);
    else break;
  }
  rest.push(...argv.slice(i));
  if (dev && profile) throw new CliError("Cannot combine --dev with --profile");
  if (profile !== undefined && !PROFILE_NAME_PATTERN.test(profile)) throw new CliError('Invalid --profile (use letters, numbers, "_", "-" only)');
  const name = dev ? "dev" : profile;
  if (name && name !== "default") {
    const home = resolveHomeDir(env);
    const stateDir = join(home, `.openclaw-${name}`);
    env.OPENCLAW_PROFILE = name;
    if (isCanonicalStateDir(env.OPENCLAW_STATE_DIR, home)) env.OPENCLAW_STATE_DIR = stateDir;
    if (isCanonicalConfigPath(env.OPENCLAW_CONFIG_PATH, home)) env.OPENCLAW_CONFIG_PATH = join(env.OPENCLAW_STATE_DIR ?? stateDir, "openclaw.json");
    if (dev && !env.OPENCLAW_GATEWAY_PORT) env.OPENCLAW_GATEWAY_PORT = String(DEV_GATEWAY_PORT);
  }
  return rest;
}

/** Unset, or a profile's default location: a profile flag may replace it. A path the user chose stays. */
function isCanonicalStateDir(value: string | undefined, home: string): boolean {
  if (!value) return true;
  const dir = resolve(value);
  return dirname(dir) === home && /^\.openclaw(-[a-z0-9][a-z0-9_-]*)?$/i.test(basename(dir));
}

function isCanonicalConfigPath(value: string | undefined, home: string): boolean {
  if (!value) return true;
  const file = resolve(value);
  return basename(file) === "openclaw.json" && isCanonicalStateDir(dirname(file), home);
}
