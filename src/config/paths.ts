import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_GATEWAY_PORT } from "../protocol/constants.js";

export type Env = Record<string, string | undefined>;

export const PROFILE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export function resolveHomeDir(env: Env = process.env): string {
  const raw = env.OPENCLAW_HOME || env.HOME || homedir();
  return raw.startsWith("~") ? join(homedir(), raw.slice(1)) : raw;
}

/** The active profile name, or undefined for the default profile. */
export function resolveProfile(env: Env = process.env): string | undefined {
  const profile = env.OPENCLAW_PROFILE?.trim();
  return profile && profile !== "default" ? profile : undefined;
}

export function resolveStateDir(env: Env = process.env): string {
  if (env.OPENCLAW_STATE_DIR) return resolve(env.OPENCLAW_STATE_DIR);
  const profile = resolveProfile(env);
  return join(resolveHomeDir(env), profile ? `.openclaw-${profile}` : ".openclaw");
}

export function resolveConfigPath(env: Env = process.env): string {
  if (env.OPENCLAW_CONFIG_PATH) return resolve(env.OPENCLAW_CONFIG_PATH);
  return join(resolveStateDir(env), "openclaw.json");
}

/** Accepts `1234`, `host:1234` or `[v6]:1234`; returns the port or undefined when absent or malformed. */
export function parsePortEnv(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^(?:\[[^\]]*\]:|[^:\[\]]*:)?(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[1]);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** FNV-1a-32 derived port for named profiles: 20000..59999. */
export function profileDerivedPort(profile: string): number {
  let hash = 2166136261;
  for (const byte of Buffer.from(profile, "utf8")) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return 20000 + (hash % 40000);
}

export type PortSource = "cli" | "env" | "config" | "profile" | "default";

export function resolveGatewayPort(
  opts: { flag?: number; configPort?: number },
  env: Env = process.env,
): { port: number; source: PortSource } {
  if (opts.flag !== undefined) return { port: opts.flag, source: "cli" };
  const envPort = parsePortEnv(env.OPENCLAW_GATEWAY_PORT);
  if (envPort !== undefined) return { port: envPort, source: "env" };
  if (opts.configPort !== undefined) return { port: opts.configPort, source: "config" };
  const profile = resolveProfile(env);
  if (profile && profile !== "dev") return { port: profileDerivedPort(profile), source: "profile" };
  return { port: DEFAULT_GATEWAY_PORT, source: "default" };
}
