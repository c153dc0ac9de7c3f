import type { Env } from "../config/paths.js";
import type { LifecycleContext } from "../service/lifecycle.js";

export type Severity = "error" | "warning" | "info";

/** One doctor result: what is wrong, how bad, how to fix it, and whether `--fix` can. */
export type Finding = { id: string; severity: Severity; message: string; fix: string; fixable: boolean };

export type FixRecord = { id: string; ok: boolean; message: string };

export type DoctorFlags = { fix?: boolean; repair?: boolean; json?: boolean; deep?: boolean };

export type DoctorDeps = {
  env?: Env;
  platform?: NodeJS.Platform;
  /** Lifecycle context overrides for service checks and repairs (manager, systemDir, ...). */
  lifecycle?: Partial<LifecycleContext>;
  findListeners?: (port: number) => number[];
  canBindPort?: (port: number, host: string) => Promise<boolean>;
  commandLine?: (pid: number) => string | undefined;
  write?: (text: string) => void;
};

export type DoctorReport = {
  ok: boolean;
  configPath: string;
  stateDir: string;
  findings: Finding[];
  fixed: FixRecord[];
  summary: { errors: number; warnings: number; info: number };
  exitCode: number;
};

/** A finding plus, when fixable, the repair that `--fix` runs (returns what it did). */
export type Check = Finding & { key?: string; apply?: () => Promise<string> | string };
