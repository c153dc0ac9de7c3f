import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveConfigPath, resolveProfile, resolveStateDir, type Env } from "../config/paths.js";
import { serviceHomeDir, type ServiceIdentity, type ServiceKind } from "./identity.js";

/**
 * What a gateway service runs, independent of the manager's file format: the argv, the working
 * directory and the (non-secret) environment. Tokens and passwords are never part of it; the
 * gateway reads them from its config or from an owner-only env file at run time.
 */
export type ServiceDefinition = {
  kind: ServiceKind;
  identity: ServiceIdentity;
  description: string;
  /** `[runtime, cliEntry, "gateway", "--port", "<port>"]` */
  programArguments: string[];
  workingDirectory: string;
  /** Ordered, non-secret environment. */
  environment: Array<[string, string]>;
  /** systemd only: optional owner-only `KEY=VALUE` file for values the user adds (secrets stay out of the unit). */
  environmentFile?: string;
  port: number;
  stateDir: string;
  configPath: string;
};

/**
 * Absolute path of this build's CLI entry, symlinks resolved. Inside the bundled CLI
 * (dist/openclaw.mjs, the package bin) that is the bundle itself; from the tsc output
 * (dist/src/service/definition.js) it is dist/openclaw.mjs when built, else dist/src/cli/main.js.
 */
export function defaultCliEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  const unbundled = here.endsWith(join("service", "definition.js")) || here.endsWith(join("service", "definition.ts"));
  const candidates = unbundled ? [resolve(dirname(here), "../../openclaw.mjs"), resolve(dirname(here), "../cli/main.js")] : [here];
  const found = candidates.find((path) => existsSync(path)) ?? candidates[candidates.length - 1];
  try {
    return realpathSync(found);
  } catch {
    return found;
  }
}

/** A short PATH for the service: the runtime's own directory first, then the system dirs. */
export function minimalServicePath(execPath: string, platform: NodeJS.Platform = process.platform): string {
  const dirs = [dirname(execPath)];
  if (platform === "darwin") dirs.push("/opt/homebrew/bin");
  dirs.push("/usr/local/bin", "/usr/bin", "/bin");
  return [...new Set(dirs)].join(":");
}

/** Keys that must never be written into a service definition. */
export const SECRET_ENV_KEYS = ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"] as const;

export type DefinitionOptions = {
  identity: ServiceIdentity;
  kind: ServiceKind;
  port: number;
  env?: Env;
  execPath?: string;
  entryPath?: string;
  platform?: NodeJS.Platform;
};

export function buildServiceDefinition(opts: DefinitionOptions): ServiceDefinition {
  const env = opts.env ?? process.env;
  const execPath = opts.execPath ?? process.execPath;
  const entryPath = opts.entryPath ?? defaultCliEntryPath();
  const stateDir = resolveStateDir(env);
  const configPath = resolveConfigPath(env);
  const profile = resolveProfile(env);
  const home = serviceHomeDir(env);
  const environment: Array<[string, string]> = [["HOME", home]];
  if (env.TMPDIR) environment.push(["TMPDIR", env.TMPDIR]);
  environment.push(
    ["PATH", minimalServicePath(execPath, opts.platform)],
    // Cleared on purpose: a shell's NODE_OPTIONS (inspectors, loaders) must not leak into the service.
    ["NODE_OPTIONS", ""],
    ["OPENCLAW_STATE_DIR", stateDir],
    ["OPENCLAW_CONFIG_PATH", configPath],
  );
  if (profile) environment.push(["OPENCLAW_PROFILE", profile]);
  environment.push(["OPENCLAW_GATEWAY_PORT", String(opts.port)]);
  if (opts.kind === "systemd") environment.push(["OPENCLAW_SYSTEMD_UNIT", opts.identity.systemdName]);
  else environment.push(["OPENCLAW_LAUNCHD_LABEL", opts.identity.launchdLabel]);
  environment.push(["OPENCLAW_SERVICE_MARKER", "openclaw"], ["OPENCLAW_SERVICE_KIND", "gateway"]);
  return {
    kind: opts.kind,
    identity: opts.identity,
    description: opts.identity.description,
    programArguments: [execPath, entryPath, "gateway", "--port", String(opts.port)],
    workingDirectory: home,
    environment,
    ...(opts.kind === "systemd" ? { environmentFile: `${stateDir}/gateway.systemd.env` } : {}),
    port: opts.port,
    stateDir,
    configPath,
  };
}
