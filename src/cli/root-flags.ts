import { join } from "node:path";
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
    const stateDir = join(resolveHomeDir(env), `.openclaw-${name}`);
    env.OPENCLAW_PROFILE = name;
    env.OPENCLAW_STATE_DIR = stateDir;
    env.OPENCLAW_CONFIG_PATH = join(stateDir, "openclaw.json");
    if (dev && !env.OPENCLAW_GATEWAY_PORT) env.OPENCLAW_GATEWAY_PORT = String(DEV_GATEWAY_PORT);
  }
  return rest;
}
