import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { entryFromArgs, servicePaths, servicePort } from "./drift.js";
import type { ServiceIdentity } from "./identity.js";
import { interpretLaunchAgent } from "./plist-parse.js";
import { readInstalledSystemdUnit } from "./systemd-unit-parse.js";

/** A gateway-like service definition found on disk. */
export type FoundService = {
  file: string;
  name: string;
  scope: "user" | "system";
  /** The service this profile would install (same file). */
  own: boolean;
  /** A pre-rename (clawdbot) gateway unit. */
  legacy: boolean;
  port?: number;
  stateDir?: string;
  configPath?: string;
  command: string[];
  /** Paths the definition runs that no longer exist. */
  missingPaths: string[];
};

const SYSTEMD_NAME = /^(?:openclaw-gateway(?:-[A-Za-z0-9_.-]+)?|clawdbot-gateway(?:-[A-Za-z0-9_.-]+)?)\.service$/;
const LAUNCHD_NAME = /^ai\.openclaw\.[A-Za-z0-9_.-]+\.plist$/;

function list(dir: string, pattern: RegExp): string[] {
  try {
    return readdirSync(dir).filter((n) => pattern.test(n)).sort();
  } catch {
    return [];
  }
}

function missingPaths(args: string[]): string[] {
  const candidates = [args[0], entryFromArgs(args)].filter((p): p is string => !!p && isAbsolute(p));
  return [...new Set(candidates)].filter((p) => !existsSync(p));
}

export type ScanOptions = {
  identity: ServiceIdentity;
  home: string;
  /** Where system-level units live (default /etc/systemd/system or /Library/LaunchDaemons). */
  systemDir?: string;
};

/**
 * Best-effort scan for gateway-like services of this user and of the system: other profiles,
 * legacy clawdbot units, and definitions pointing at runtimes or scripts that no longer exist.
 */
export function scanGatewayServices(opts: ScanOptions): FoundService[] {
  const found: FoundService[] = [];
  const { identity } = opts;
  if (identity.kind === "systemd") {
    const dirs: Array<[string, "user" | "system"]> = [[identity.systemdUserDir, "user"], [opts.systemDir ?? "/etc/systemd/system", "system"]];
    for (const [dir, scope] of dirs) {
      for (const name of list(dir, SYSTEMD_NAME)) {
        const file = join(dir, name);
        const unit = readInstalledSystemdUnit(file);
        if (!unit) continue;
        const port = servicePort(unit);
        const paths = servicePaths(unit, opts.home);
        found.push({
          file, name, scope, own: file === identity.file, legacy: name.startsWith("clawdbot-"),
          ...(port !== undefined ? { port } : {}), stateDir: paths.stateDir, configPath: paths.configPath,
          command: unit.programArguments, missingPaths: missingPaths(unit.programArguments),
        });
      }
    }
  } else if (identity.kind === "launchd") {
    const dirs: Array<[string, "user" | "system"]> = [[identity.launchAgentsDir, "user"], [opts.systemDir ?? "/Library/LaunchDaemons", "system"]];
    for (const [dir, scope] of dirs) {
      for (const name of list(dir, LAUNCHD_NAME)) {
        if (name === "ai.openclaw.node.plist") continue;
        const file = join(dir, name);
        try {
          const agent = interpretLaunchAgent(file, readFileSync(file, "utf8"));
          const port = servicePort(agent);
          const paths = servicePaths(agent, opts.home);
          found.push({
            file, name, scope, own: file === identity.file, legacy: false,
            ...(port !== undefined ? { port } : {}), stateDir: paths.stateDir, configPath: paths.configPath,
            command: agent.programArguments, missingPaths: missingPaths(agent.programArguments),
          });
        } catch {}
      }
    }
  }
  return found;
}
