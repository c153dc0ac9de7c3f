import { readFileSync } from "node:fs";
import type { ServiceIdentity } from "./identity.js";
import { interpretLaunchAgent } from "./plist-parse.js";
import { readInstalledSystemdUnit } from "./systemd-unit-parse.js";

/** An installed service definition, whichever manager it belongs to. */
export type InstalledService = {
  file: string;
  programArguments: string[];
  environment: Record<string, string>;
  workingDirectory?: string;
  /** systemd drop-ins that replace ExecStart or WorkingDirectory. */
  overridingDropIns: string[];
  /** False when the file exists but could not be understood. */
  readable: boolean;
  error?: string;
};

/** Reads the installed unit or plist for an identity; null when no file is installed. */
export function readInstalledService(identity: ServiceIdentity): InstalledService | null {
  if (identity.kind === "launchd") {
    let xml: string;
    try {
      xml = readFileSync(identity.file, "utf8");
    } catch {
      return null;
    }
    try {
      const agent = interpretLaunchAgent(identity.file, xml);
      return { ...agent, overridingDropIns: [], readable: true };
    } catch (err) {
      return { file: identity.file, programArguments: [], environment: {}, overridingDropIns: [], readable: false, error: (err as Error).message };
    }
  }
  const unit = readInstalledSystemdUnit(identity.file);
  if (!unit) return null;
  return {
    file: unit.file,
    programArguments: unit.programArguments,
    environment: unit.environment,
    ...(unit.workingDirectory ? { workingDirectory: unit.workingDirectory } : {}),
    overridingDropIns: unit.overridingDropIns,
    readable: unit.programArguments.length > 0,
    ...(unit.programArguments.length === 0 ? { error: "the unit has no ExecStart" } : {}),
  };
}

const SECRET_KEY = /TOKEN|PASSWORD|SECRET|PASSWD|API_?KEY|PRIVATE/i;

/** A copy of a service environment safe to print: secret-looking values are masked. */
export function redactServiceEnvironment(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = SECRET_KEY.test(k) && v !== "" ? "***" : v;
  return out;
}
