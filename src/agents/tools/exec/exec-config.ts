import { agentEntry } from "../../agent-config.js";
import { isPlainObject } from "../../../config/objects.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { expandHome } from "./home.js";

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 1800;
export const DEFAULT_BACKGROUND_MS = 10_000;
export const DEFAULT_CLEANUP_MS = 30 * 60_000;
/** The longest a command may be given to run (config or call); well inside what a timer can wait. */
export const MAX_EXEC_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** The longest a call may wait before its command moves to the background. */
export const MAX_YIELD_MS = 3600_000;

export type ExecSettings = {
  /** Default lifetime of a command; 0 = no limit. */
  timeoutSeconds: number;
  /** How long a call waits before the command moves to the background. */
  backgroundMs: number;
  /** How long a finished background session stays readable. */
  cleanupMs: number;
  /** Secret-looking gateway variables that commands on the host may still see. */
  passEnv: string[];
  /** Directories put in front of PATH. */
  pathPrepend: string[];
  /** Where `host: "auto"` runs a command: the session's default, or always on a node. */
  host: "auto" | "gateway" | "node";
  /** The node `host: "node"` picks when the call names none (id, name or IP). */
  node?: string;
};

const HOSTS = ["auto", "gateway", "node"] as const;

type Raw = Record<string, unknown>;
const obj = (value: unknown): Raw => (isPlainObject(value) ? (value as Raw) : {});

function num(value: unknown, min: number, max: number): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim()) : undefined;
}

/**
 * `tools.exec` (OpenClaw's names: `timeoutSeconds`, `backgroundMs`, `cleanupMs`, `pathPrepend`, `host`, `node`),
 * each key overridden by `agents.entries.<id>.tools.exec`. `passEnv` is ours: names of
 * secret-looking variables (…TOKEN, …KEY, …SECRET, …PASSWORD) a host command may still inherit.
 */
export function resolveExecSettings(config: GatewayConfig, agentId: string, home?: string): ExecSettings {
  const global = obj(obj(config.tools).exec);
  const agent = obj(obj(agentEntry(config, agentId)?.tools).exec);
  const pick = <T>(read: (section: Raw) => T | undefined, fallback: T): T => read(agent) ?? read(global) ?? fallback;
  return {
    timeoutSeconds: pick((s) => num(s.timeoutSeconds, 0, MAX_EXEC_TIMEOUT_SECONDS), DEFAULT_EXEC_TIMEOUT_SECONDS),
    backgroundMs: pick((s) => num(s.backgroundMs, 10, 120_000), DEFAULT_BACKGROUND_MS),
    cleanupMs: pick((s) => num(s.cleanupMs, 60_000, 3 * 3600_000), DEFAULT_CLEANUP_MS),
    passEnv: pick((s) => strings(s.passEnv), []),
    pathPrepend: pick((s) => strings(s.pathPrepend), []).map((p) => expandHome(p, home)),
    host: pick((s) => (HOSTS.includes(s.host as never) ? (s.host as ExecSettings["host"]) : undefined), "auto"),
    node: pick<string | undefined>((s) => (typeof s.node === "string" && s.node.trim() !== "" ? s.node.trim() : undefined), undefined),
  };
}
