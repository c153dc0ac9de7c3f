import { isPlainObject } from "../../../config/objects.js";
import { agentEntry } from "../../agent-config.js";
import type { GatewayConfig } from "../../../config/schema.js";
import type { SandboxPolicy } from "./sandbox.js";

/** Default CPU-time cap per sandboxed process: generous for builds, fatal for a runaway loop. */
export const DEFAULT_SANDBOX_CPU_SECONDS = 600;

type Raw = Record<string, unknown>;

const obj = (value: unknown): Raw => (isPlainObject(value) ? (value as Raw) : {});


/** `"none"` (or false) keeps the network out; any other network name, or true, shares the host's. */
function networkOf(section: Raw): boolean | undefined {
  const value = section.network ?? obj(section.docker).network;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && value.trim() !== "") return value.trim() !== "none";
  return undefined;
}

function cpuSecondsOf(section: Raw): number | undefined {
  const direct = section.cpuSeconds;
  if (typeof direct === "number" && Number.isFinite(direct) && direct >= 0) return direct;
  const ulimit = obj(obj(section.docker).ulimits).cpu;
  const value = isPlainObject(ulimit) ? (ulimit as Raw).soft : ulimit;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function envOf(section: Raw): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [obj(obj(section.docker).env), obj(section.env)]) {
    for (const [name, value] of Object.entries(source)) if (typeof value === "string") out[name] = value;
  }
  return out;
}

/**
 * The bubblewrap sandbox's policy for one agent. Read from `agents.defaults.sandbox`, each field
 * overridden by `agents.entries.<id>.sandbox`:
 * - `network`: `"none"` (default) or any other value to share the host network. OpenClaw's
 *   `docker.network` is read when `network` is absent (`"bridge"` then means host network here).
 * - `cpuSeconds`: CPU-time cap per process, default 600, 0 for none; else OpenClaw's `docker.ulimits.cpu`.
 * - `env`: variables set inside (merged over OpenClaw's `docker.env`; the agent's entries win).
 * `mode`, `scope` and `workspaceAccess` are decided elsewhere (sandbox-mode.ts); the other Docker
 * settings (image, mounts, memory) have no bubblewrap equivalent and are ignored.
 */
export function resolveSandboxPolicy(config: GatewayConfig, agentId: string): SandboxPolicy {
  const defaults = obj(obj(obj(config.agents).defaults).sandbox);
  const agent = obj(obj(agentEntry(config, agentId)).sandbox);
  return {
    network: networkOf(agent) ?? networkOf(defaults) ?? false,
    cpuSeconds: cpuSecondsOf(agent) ?? cpuSecondsOf(defaults) ?? DEFAULT_SANDBOX_CPU_SECONDS,
    env: { ...envOf(defaults), ...envOf(agent) },
  };
}
