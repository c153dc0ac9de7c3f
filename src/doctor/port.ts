import { readFileSync } from "node:fs";
import { configLockPath, type LockPayload } from "../infra/gateway-lock.js";
import { isProcessAlive } from "../infra/process-info.js";
import type { ServiceTarget } from "../service/target.js";
import type { Check, DoctorDeps } from "./types.js";

type PortProbes = Required<Pick<DoctorDeps, "findListeners" | "canBindPort" | "commandLine">>;

/** Who listens on the configured port: this config's gateway (info), another gateway or another process (error). */
export async function checkPort(target: ServiceTarget, deps: PortProbes): Promise<Check[]> {
  const port = target.port;
  const pids = deps.findListeners(port);
  let lockPid: number | undefined;
  try {
    const lock = JSON.parse(readFileSync(configLockPath(target.stateDir, target.configPath), "utf8")) as LockPayload;
    if (isProcessAlive(lock.pid)) lockPid = lock.pid;
  } catch {}
  const where = target.config.exists ? `set gateway.port in ${target.configPath}` : "pass --port / set OPENCLAW_GATEWAY_PORT";
  const moveFix = `Stop that process, or move this gateway to a free port (${where}; then \`openclaw gateway install --force\` if it runs as a service).`;
  if (pids.length === 0) {
    if (!(await deps.canBindPort(port, "127.0.0.1"))) {
      return [{
        id: "port.busy", severity: "warning", fixable: false,
        message: `Port ${port} (${target.portSource}) is in use, but its listener could not be identified (another user's process?).`,
        fix: moveFix,
      }];
    }
    return [];
  }
  const checks: Check[] = [];
  for (const pid of pids) {
    if (pid === lockPid) {
      checks.push({ id: "port.gateway", severity: "info", fixable: false, message: `Gateway pid ${pid} holds this config's lock and listens on port ${port}.`, fix: "" });
      continue;
    }
    const command = deps.commandLine(pid) ?? "unknown command";
    const gatewayLike = /openclaw|clawdbot/i.test(command) && /\bgateway\b/.test(command);
    checks.push({
      id: "port.conflict", severity: "error", fixable: false,
      message: gatewayLike
        ? `Port ${port} (${target.portSource}) is held by another gateway (pid ${pid}: ${command}) that does not hold this config's lock (another profile or state dir?).`
        : `Port ${port} (${target.portSource}) is in use by pid ${pid} (${command}); the gateway cannot listen there.`,
      fix: gatewayLike ? moveFix : `${moveFix} \`openclaw gateway --force\` stops non-gateway listeners before starting.`,
    });
  }
  return checks;
}
