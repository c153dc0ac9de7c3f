import { runDoctor } from "../../doctor/runner.js";
import type { DoctorDeps, DoctorFlags, DoctorReport } from "../../doctor/types.js";

export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`OpenClaw doctor (config ${report.configPath}, state dir ${report.stateDir})`];
  for (const record of report.fixed) lines.push(`${record.ok ? "Fixed" : "Fix failed"}: ${record.message}`);
  for (const f of report.findings) {
    lines.push(`[${f.severity}] ${f.id}: ${f.message}`);
    if (f.fix) lines.push(`  Fix: ${f.fix}`);
  }
  const { errors, warnings, info } = report.summary;
  if (report.findings.length === 0) lines.push("No problems found.");
  else lines.push(`Summary: ${errors} error(s), ${warnings} warning(s), ${info} info.${report.findings.some((f) => f.fixable) ? " Run openclaw doctor --fix to apply the safe fixes." : ""}`);
  return lines.join("\n") + "\n";
}

/**
 * `openclaw doctor [--fix] [--json] [--deep]`. Exit 1 when an error-severity finding remains;
 * `--json` without `--fix` is advisory (exit 0, `ok` tells the result), as in OpenClaw 2026.9.6.
 */
export async function doctorCommand(flags: DoctorFlags, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  const report = await runDoctor(flags, deps);
  if (flags.json) {
    const { exitCode: _exitCode, ...body } = report;
    write(JSON.stringify(body, null, 2) + "\n");
    if (flags.fix || flags.repair) process.exitCode = report.exitCode || process.exitCode;
  } else {
    write(formatDoctorReport(report));
    if (report.exitCode) process.exitCode = report.exitCode;
  }
  return report;
}
