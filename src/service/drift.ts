import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parsePortEnv, resolveConfigPath, resolveStateDir } from "../config/paths.js";

/** The parts of an installed service definition that drift detection reads. */
export type InstalledCommand = { programArguments: string[]; environment: Record<string, string> };

export type DriftExpectation = {
  port: number;
  stateDir: string;
  configPath: string;
  /** HOME the service would get when its definition sets none. */
  home: string;
};

export type DriftCode = "port" | "state-dir" | "config-path" | "runtime-missing" | "entry-missing" | "not-gateway";
export type DriftFinding = { code: DriftCode; message: string };

/** `--port N` / `--port=N` in an argv. */
export function portFromArgs(args: string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = arg === "--port" ? args[i + 1] : arg.startsWith("--port=") ? arg.slice(7) : undefined;
    if (value !== undefined && /^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

/** The port an installed service runs on: its `--port`, else its OPENCLAW_GATEWAY_PORT. */
export function servicePort(def: InstalledCommand): number | undefined {
  return portFromArgs(def.programArguments) ?? parsePortEnv(def.environment.OPENCLAW_GATEWAY_PORT);
}

/** The state dir and config path the service would use, resolved like the gateway resolves them. */
export function servicePaths(def: InstalledCommand, home: string): { stateDir: string; configPath: string } {
  const env = {
    HOME: def.environment.HOME ?? home,
    OPENCLAW_HOME: def.environment.OPENCLAW_HOME,
    OPENCLAW_PROFILE: def.environment.OPENCLAW_PROFILE,
    OPENCLAW_STATE_DIR: def.environment.OPENCLAW_STATE_DIR,
    OPENCLAW_CONFIG_PATH: def.environment.OPENCLAW_CONFIG_PATH,
  };
  return { stateDir: resolveStateDir(env), configPath: resolveConfigPath(env) };
}

/** The CLI entry script in a service argv (the first `.js`/`.mjs`/`.cjs` argument). */
export function entryFromArgs(args: string[]): string | undefined {
  return args.slice(1).find((a) => /\.(?:c|m)?js$/.test(a));
}

/**
 * Compares an installed service with what `install` would write now: port, state dir, config
 * path, and whether the runtime and entry script it points at still exist.
 */
export function detectDrift(def: InstalledCommand, expected: DriftExpectation, source = "unit"): DriftFinding[] {
  const findings: DriftFinding[] = [];
  const args = def.programArguments;
  if (!args.includes("gateway")) {
    findings.push({ code: "not-gateway", message: `Gateway service ${source} does not run \`gateway\` (command: ${args.join(" ") || "<none>"})` });
  }
  const runtime = args[0];
  if (runtime && isAbsolute(runtime) && !existsSync(runtime)) {
    findings.push({ code: "runtime-missing", message: `Gateway service runtime is missing: ${runtime} (Node was moved or removed)` });
  }
  const entry = entryFromArgs(args);
  if (entry && isAbsolute(entry) && !existsSync(entry)) {
    findings.push({ code: "entry-missing", message: `Gateway service entry point is missing: ${entry} (openclaw was moved or removed)` });
  }
  const port = servicePort(def);
  if (port !== undefined && port !== expected.port) {
    findings.push({ code: "port", message: `Gateway service port does not match current gateway config (${source} ${port}, config ${expected.port})` });
  }
  const paths = servicePaths(def, expected.home);
  if (resolve(paths.stateDir) !== resolve(expected.stateDir)) {
    findings.push({ code: "state-dir", message: `Gateway service state dir does not match the current one (${source} ${paths.stateDir}, current ${expected.stateDir})` });
  }
  if (resolve(paths.configPath) !== resolve(expected.configPath)) {
    findings.push({ code: "config-path", message: `Gateway service config path does not match the current one (${source} ${paths.configPath}, current ${expected.configPath})` });
  }
  return findings;
}
