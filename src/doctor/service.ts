import { resolveProfile } from "../config/paths.js";
import { describeService } from "../service/describe.js";
import { regenerateServiceDefinition, type LifecycleContext } from "../service/lifecycle.js";
import type { ServiceTarget } from "../service/target.js";
import { checkOtherServices } from "./service-scan.js";
import type { Check } from "./types.js";

/**
 * This profile's service: a system-level twin, drop-ins that seal the unit, and drift from the
 * current config (repaired by `--fix` when the manager runs); with `deep`, other gateway services too.
 */
export function checkService(target: ServiceTarget, ctx: LifecycleContext, deep: boolean): Check[] {
  const checks: Check[] = [];
  const profile = resolveProfile(ctx.env);
  const description = describeService(profile, { env: ctx.env, platform: ctx.platform, manager: ctx.manager, systemDir: ctx.systemDir });
  if (description.systemLevelFile) {
    checks.push({
      id: "service.system-level", severity: "warning", fixable: false,
      message: `System-level OpenClaw gateway service detected (${description.systemLevelFile}); a user service next to it would run a second gateway.`,
      fix: "Keep one: manage the system service with sudo systemctl, or remove it before `openclaw gateway install`.",
    });
  }
  if (description.installed) {
    const external = ctx.env.OPENCLAW_SERVICE_REPAIR_POLICY?.trim().toLowerCase() === "external";
    const sealed = (description.overridingDropIns?.length ?? 0) > 0;
    if (sealed) {
      checks.push({
        id: "service.sealed", severity: "warning", fixable: false,
        message: `Drop-ins replace ExecStart/WorkingDirectory of ${description.label}: ${description.overridingDropIns!.join(", ")}; doctor will not rewrite this unit.`,
        fix: "Remove those drop-ins (Environment= drop-ins are fine) or keep managing the unit yourself.",
      });
    }
    const canRepair = description.managerRunning && !external && !sealed && target.config.valid;
    const reason = !description.managerRunning
      ? `No service manager is running here (${description.managerReason}), so the definition cannot be reloaded; rewrite it where the manager runs with: openclaw gateway install --force`
      : external
        ? "OPENCLAW_SERVICE_REPAIR_POLICY=external: service repair is diagnostic-only; update the definition in your own tooling."
        : sealed
          ? "Remove the overriding drop-ins, then run openclaw doctor --fix."
          : !target.config.valid
            ? "Fix the config first, then run openclaw doctor --fix."
            : "";
    for (const drift of description.driftFindings) {
      checks.push({
        id: "service.drift", severity: drift.code === "runtime-missing" || drift.code === "entry-missing" ? "error" : "warning",
        fixable: canRepair, key: "service.regenerate",
        message: `${drift.message} (${description.file})`,
        fix: canRepair ? `openclaw doctor --fix rewrites ${description.file} with the current port and paths (same as openclaw gateway install --force).` : reason,
        ...(canRepair
          ? {
              apply: () => {
                const done = regenerateServiceDefinition({ ...ctx, source: "doctor" });
                return `Rewrote ${done.file} (port ${done.port})${done.restarted ? " and restarted the service" : "; the service was not running, so it was not started"}.`;
              },
            }
          : {}),
      });
    }
  }
  if (!deep) return checks;
  return [...checks, ...checkOtherServices(target, ctx, description.systemLevelFile)];
}
