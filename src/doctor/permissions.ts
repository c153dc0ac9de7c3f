import { chmodSync, statSync } from "node:fs";
import type { GatewayConfig } from "../config/schema.js";
import type { ServiceTarget } from "../service/target.js";
import type { Check } from "./types.js";

const mode8 = (mode: number) => `0${(mode & 0o777).toString(8)}`;

function containsSecret(config: GatewayConfig): boolean {
  return Boolean(config.gateway?.auth?.token || config.gateway?.auth?.password);
}

/** Mode and owner of the state dir (0700) and the config file (0600). */
export function checkPermissions(target: ServiceTarget, platform: NodeJS.Platform): Check[] {
  if (platform === "win32") return [];
  const checks: Check[] = [];
  const uid = process.getuid?.();
  let dirStat;
  try {
    dirStat = statSync(target.stateDir);
  } catch {
    checks.push({ id: "state.missing", severity: "info", fixable: false, message: `State dir ${target.stateDir} does not exist yet.`, fix: "`openclaw gateway` creates it (mode 0700) on first run." });
  }
  if (dirStat && !dirStat.isDirectory()) {
    checks.push({ id: "state.not-directory", severity: "error", fixable: false, message: `State dir ${target.stateDir} is not a directory.`, fix: `Move ${target.stateDir} aside so the gateway can create its state dir.` });
  } else if (dirStat) {
    if ((dirStat.mode & 0o077) !== 0) {
      const dir = target.stateDir;
      checks.push({
        id: "state.permissions", severity: "warning", fixable: true,
        message: `State dir ${dir} is mode ${mode8(dirStat.mode)}; other users can look inside (config, tokens, locks, logs). It should be 0700.`,
        fix: `chmod 700 ${dir}`,
        apply: () => {
          chmodSync(dir, 0o700);
          return `Set ${dir} to mode 0700.`;
        },
      });
    }
    if (uid !== undefined && dirStat.uid !== uid) {
      checks.push({ id: "state.owner", severity: "warning", fixable: false, message: `State dir ${target.stateDir} belongs to uid ${dirStat.uid}, not to you (uid ${uid}); was it created with sudo?`, fix: `sudo chown -R $(id -u):$(id -g) ${target.stateDir}` });
    }
  }
  if (target.config.exists) {
    try {
      const st = statSync(target.config.path);
      if (st.isFile() && (st.mode & 0o077) !== 0) {
        const path = target.config.path;
        const secret = containsSecret(target.config.config);
        checks.push({
          id: "config.permissions", severity: secret && (st.mode & 0o044) !== 0 ? "error" : "warning", fixable: true,
          message: `Config ${path} is mode ${mode8(st.mode)}; ${secret ? "it holds the gateway secret and other users can read it" : "other users can read or change it"}. It should be 0600.`,
          fix: `chmod 600 ${path}`,
          apply: () => {
            chmodSync(path, 0o600);
            return `Set ${path} to mode 0600.`;
          },
        });
      }
      if (st.isFile() && uid !== undefined && st.uid !== uid) {
        checks.push({ id: "config.owner", severity: "warning", fixable: false, message: `Config ${target.config.path} belongs to uid ${st.uid}, not to you (uid ${uid}).`, fix: `sudo chown $(id -u):$(id -g) ${target.config.path}` });
      }
    } catch {}
  }
  return checks;
}
