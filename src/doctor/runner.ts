import { canBind, findListeningPids } from "../infra/port-free.js";
import { processCommandLine } from "../infra/process-info.js";
import { defaultLifecycleContext, type LifecycleContext } from "../service/lifecycle.js";
import { resolveServiceTarget, type ServiceTarget } from "../service/target.js";
import { checkAuth } from "./auth.js";
import { checkConfig } from "./config.js";
import { checkPermissions } from "./permissions.js";
import { checkPort } from "./port.js";
import { checkService } from "./service.js";
import type { Check, DoctorDeps, DoctorFlags, DoctorReport, Finding, FixRecord } from "./types.js";

async function collect(flags: DoctorFlags, deps: DoctorDeps, ctx: LifecycleContext): Promise<{ target: ServiceTarget; checks: Check[] }> {
  const target = resolveServiceTarget(ctx.env);
  const checks = [
    ...checkConfig(target),
    ...checkPermissions(target, ctx.platform),
    ...checkAuth(target, ctx.env),
    ...(await checkPort(target, {
      findListeners: deps.findListeners ?? findListeningPids,
      canBindPort: deps.canBindPort ?? canBind,
      commandLine: deps.commandLine ?? processCommandLine,
    })),
    ...checkService(target, ctx, Boolean(flags.deep)),
  ];
  return { target, checks };
}

const strip = ({ id, severity, message, fix, fixable }: Check): Finding => ({ id, severity, message, fix, fixable });

/**
 * Runs every check; with `--fix` applies the safe repairs (permissions, token, retired keys,
 * drifted service definition), re-checking after each round, and reports what remains.
 */
export async function runDoctor(flags: DoctorFlags, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const env = deps.env ?? process.env;
  const ctx = defaultLifecycleContext({ env, ...(deps.platform ? { platform: deps.platform } : {}), ...deps.lifecycle });
  const fix = Boolean(flags.fix || flags.repair);
  const fixed: FixRecord[] = [];
  const attempted = new Set<string>();
  let { target, checks } = await collect(flags, deps, ctx);
  for (let round = 0; fix && round < 4; round++) {
    let applied = false;
    for (const check of checks) {
      const key = check.key ?? `${check.id}:${check.message}`;
      if (!check.fixable || !check.apply || attempted.has(key)) continue;
      attempted.add(key);
      applied = true;
      try {
        fixed.push({ id: check.id, ok: true, message: await check.apply() });
      } catch (err) {
        fixed.push({ id: check.id, ok: false, message: `Could not fix ${check.id}: ${(err as Error).message}` });
      }
    }
    if (!applied) break;
    ({ target, checks } = await collect(flags, deps, ctx));
  }
  const findings = checks.map(strip);
  const summary = {
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
    info: findings.filter((f) => f.severity === "info").length,
  };
  return { ok: summary.errors === 0, configPath: target.configPath, stateDir: target.stateDir, findings, fixed, summary, exitCode: summary.errors > 0 ? 1 : 0 };
}
