import type { Env } from "../../../config/paths.js";
import { ToolError } from "../types.js";
import { searchPath } from "./command-path.js";
import { hostEnvRefusal } from "./refused-env.js";

/** Parts of a variable name that mark it as a credential the gateway holds but a command should not see. */
const SECRET_NAME_PARTS = ["TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What a sandboxed command finds on PATH: the system directories bound into the sandbox. */
export const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function looksSecret(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME_PARTS.some((part) => upper.includes(part));
}

/** Checks the model's `env` argument; on the host it may not make approved programs run other code. */
export function checkEnvOverrides(value: unknown, onHost: boolean): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ToolError("env must be an object of string values", "invalid_arguments");
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!ENV_NAME.test(name)) throw new ToolError(`env: ${JSON.stringify(name)} is not a valid variable name`, "invalid_arguments");
    if (typeof v !== "string") throw new ToolError(`env.${name} must be a string`, "invalid_arguments");
    const refusal = onHost ? hostEnvRefusal(name) : null;
    if (refusal) {
      throw new ToolError(`env.${name} is refused for commands on the gateway host: ${refusal}, which would get around exec approvals; the command was not run. Run it without env.${name}`, "invalid_arguments");
    }
    out[name] = v;
  }
  return out;
}

/**
 * The gateway's environment minus secret-looking variables (unless named in `passEnv`), with
 * `path` (from `hostCommandPath`) as PATH, plus the call's overrides.
 */
export function hostCommandEnv(gatewayEnv: Env, opts: { passEnv: string[]; path: string | undefined; overrides: Record<string, string> }): Record<string, string> {
  const passed = new Set(opts.passEnv);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(gatewayEnv)) {
    if (value === undefined) continue;
    if (looksSecret(name) && !passed.has(name)) continue;
    out[name] = value;
  }
  if (opts.path === undefined) delete out.PATH;
  else out.PATH = opts.path;
  return { ...out, ...opts.overrides, OPENCLAW_SHELL: "exec" };
}

/** A sandboxed command starts from nothing of the gateway's: a fixed PATH, HOME in the workspace, then configured and call values. */
export function sandboxCommandEnv(workspace: string, opts: { lang?: string; pathPrepend: string[]; sandboxEnv: Record<string, string>; overrides: Record<string, string> }): Record<string, string> {
  return {
    PATH: searchPath(SANDBOX_PATH, opts.pathPrepend)!,
    HOME: workspace,
    TMPDIR: "/tmp",
    LANG: opts.lang ?? "C.UTF-8",
    ...opts.sandboxEnv,
    ...opts.overrides,
    OPENCLAW_SHELL: "exec",
  };
}
