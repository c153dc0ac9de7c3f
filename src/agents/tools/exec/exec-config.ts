import { isPlainObject } from "../../../config/objects.js";
import type { GatewayConfig } from "../../../config/schema.js";

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 1800;
export const DEFAULT_BACKGROUND_MS = 10_000;
export const DEFAULT_CLEANUP_MS = 30 * 60_000;

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
};

type Raw = Record<string, unknown>;
const obj = (value: unknown): Raw => (isPlainObject(value) ? (value as Raw) : {});

function num(value: unknown, min: number, max: number): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim()) : undefined;
}

function expandHome(path: string, home: string | undefined): string {
  if (!home) return path;
  return path === "~" ? home : path.startsWith("~/") ? `${home}/${path.slice(2)}` : path;
}

/**
 * `tools.exec` (OpenClaw's names: `timeoutSeconds`, `backgroundMs`, `cleanupMs`, `pathPrepend`),
 * each key overridden by `agents.entries.<id>.tools.exec`. `passEnv` is ours: names of
 * secret-looking variables (…TOKEN, …KEY, …SECRET, …PASSWORD) a host command may still inherit.
 */
export function resolveExecSettings(config: GatewayConfig, agentId: string, home?: string): ExecSettings {
  const global = obj(obj(config.tools).exec);
  const entries = obj(obj(config.agents).entries);
  const agent = obj(obj(obj(Object.entries(entries).find(([id]) => id.toLowerCase() === agentId)?.[1]).tools).exec);
  const pick = <T>(read: (section: Raw) => T | undefined, fallback: T): T => read(agent) ?? read(global) ?? fallback;
  return {
    timeoutSeconds: pick((s) => num(s.timeoutSeconds, 0, Number.MAX_SAFE_INTEGER), DEFAULT_EXEC_TIMEOUT_SECONDS),
    backgroundMs: pick((s) => num(s.backgroundMs, 10, 120_000), DEFAULT_BACKGROUND_MS),
    cleanupMs: pick((s) => num(s.cleanupMs, 60_000, 3 * 3600_000), DEFAULT_CLEANUP_MS),
    passEnv: pick((s) => strings(s.passEnv), []),
    pathPrepend: pick((s) => strings(s.pathPrepend), []).map((p) => expandHome(p, home)),
  };
}
