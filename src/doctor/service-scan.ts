import { resolveProfile } from "../config/paths.js";
import { resolveServiceIdentity } from "../service/identity.js";
import type { LifecycleContext } from "../service/lifecycle.js";
import { scanGatewayServices } from "../service/scan.js";
import type { ServiceTarget } from "../service/target.js";
import type { Check } from "./types.js";

/**
 * `--deep`: other, legacy and stale gateway services on this machine. `systemLevelFile` is
 * skipped because the service check already reports it.
 */
export function checkOtherServices(target: ServiceTarget, ctx: LifecycleContext, systemLevelFile: string | undefined): Check[] {
  const checks: Check[] = [];
  const identity = resolveServiceIdentity(resolveProfile(ctx.env), ctx.env, ctx.platform);
  for (const found of scanGatewayServices({ identity, home: target.home, systemDir: ctx.systemDir })) {
    if (found.own) continue;
    if (found.scope === "system" && found.file === systemLevelFile) continue;
    const removeFix =
      identity.kind === "launchd"
        ? `launchctl bootout gui/$(id -u)/${found.name.replace(/\.plist$/, "")}; rm ${found.file}`
        : found.scope === "system"
          ? `sudo systemctl disable --now ${found.name} && sudo rm ${found.file}`
          : `systemctl --user disable --now ${found.name} && rm ${found.file}`;
    if (found.legacy) {
      checks.push({ id: "service.legacy", severity: "warning", fixable: false, message: `Legacy gateway service ${found.name} found (${found.file}); it can start an old gateway next to this one.`, fix: removeFix });
    } else if (found.missingPaths.length > 0) {
      checks.push({ id: "service.stale", severity: "warning", fixable: false, message: `Gateway-like service ${found.name} (${found.file}) points at missing ${found.missingPaths.join(", ")}.`, fix: removeFix });
    } else if (found.port !== undefined && found.port === target.port) {
      checks.push({
        id: "service.extra", severity: "warning", fixable: false,
        message: `Another gateway service ${found.name} (${found.file}) uses the same port ${found.port}.`,
        fix: "Give each instance its own port (leave at least 20 ports between instances) or remove the extra service.",
      });
    } else {
      checks.push({
        id: "service.extra", severity: "info", fixable: false,
        message: `Other gateway-like service: ${found.name} (${found.scope}, port ${found.port ?? "?"}, state dir ${found.stateDir ?? "?"}).`,
        fix: "",
      });
    }
  }
  return checks;
}
