import { chmodSync, readFileSync, statSync } from "node:fs";
import { isLoopbackBindHost, resolveBindHost, type BindMode } from "../../config/bind.js";
import { generateGatewayToken } from "../../config/first-run.js";
import { resolveProfile, type Env } from "../../config/paths.js";
import type { GatewayConfig } from "../../config/schema.js";
import { patchConfigFile } from "../../config/write.js";
import { configLockPath, type LockPayload } from "../../infra/gateway-lock.js";
import { canBind, findListeningPids } from "../../infra/port-free.js";
import { isProcessAlive, processCommandLine } from "../../infra/process-info.js";
import { resolveServerAuth } from "../../server/auth.js";
import { describeService } from "../../service/describe.js";
import { resolveServiceIdentity } from "../../service/identity.js";
import { defaultLifecycleContext, regenerateServiceDefinition, type LifecycleContext } from "../../service/lifecycle.js";
import { scanGatewayServices } from "../../service/scan.js";
import { resolveServiceTarget, type ServiceTarget } from "../../service/target.js";

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
type Check = Finding & { key?: string; apply?: () => Promise<string> | string };

/** Tokens shorter than this are flagged as weak. */
export const MIN_TOKEN_LENGTH = 24;

const PLACEHOLDERS = new Set([
  "change-me", "changeme", "change_me", "change-this", "changethis", "replace-me", "replaceme", "password", "passw0rd", "token",
  "secret", "test", "test-token", "testing", "example", "sample", "default", "admin", "openclaw", "gateway", "your-token",
  "your_token", "yourtoken", "my-token", "mytoken", "<token>", "todo", "xxx", "dummy", "letmein", "qwerty", "123456",
  "12345678", "1234567890", "gateway-token", "openclaw-token",
]);

/** True for obvious placeholder tokens (`change-me`, `password`, `token`, `xxxx…`, `<your token>`). */
export function isPlaceholderToken(token: string): boolean {
  const t = token.trim().toLowerCase();
  if (PLACEHOLDERS.has(t)) return true;
  if (/^(.)\1*$/.test(t)) return true;
  if (/^<.*>$/.test(t) || /^\{\{.*\}\}$/.test(t)) return true;
  if (/^(?:your|my|the)[-_ ]?(?:gateway[-_ ]?)?(?:token|secret|password)(?:[-_ ]?here)?$/.test(t)) return true;
  if (/^change[-_ ]?me/.test(t) || /^replace[-_ ]?me/.test(t)) return true;
  return false;
}

const mode8 = (mode: number) => `0${(mode & 0o777).toString(8)}`;

// ---------------------------------------------------------------------------------------------
// Config file rewriting (used by the legacy-key and token repairs)
// ---------------------------------------------------------------------------------------------

/**
 * Applies `edits` (dotted path → new value, `undefined` removes) through the shared config writer,
 * which validates the result, keeps comments where it can and writes atomically with mode 0600.
 */
async function rewriteConfig(path: string, edits: Array<[string, unknown]>): Promise<string> {
  const patch: Record<string, unknown> = {};
  for (const [dotted, value] of edits) {
    const keys = dotted.split(".");
    let node = patch;
    for (const key of keys.slice(0, -1)) {
      if (!node[key] || typeof node[key] !== "object") node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value === undefined ? null : value;
  }
  const result = await patchConfigFile(path, patch);
  return result.formattingLost ? " (the file was rewritten as plain JSON; its comments and JSON5 layout were not kept)" : "";
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

type LegacyKey = { path: string; describe: string; value: unknown };

/** Retired keys that `doctor --fix` migrates (spec operations §1.7). */
export function findLegacyKeys(parsed: unknown): LegacyKey[] {
  const found: LegacyKey[] = [];
  const config = (parsed && typeof parsed === "object" ? parsed : {}) as Record<string, any>;
  const reload = config.gateway?.reload;
  if (reload && typeof reload === "object") {
    if (reload.mode === "hot" || reload.mode === "restart") {
      found.push({ path: "gateway.reload.mode", describe: `gateway.reload.mode "${reload.mode}" is retired (now "hybrid")`, value: "hybrid" });
    }
    for (const key of ["debounceMs", "deferralTimeoutMs"]) {
      if (key in reload) found.push({ path: `gateway.reload.${key}`, describe: `gateway.reload.${key} is retired`, value: undefined });
    }
  }
  const logging = config.logging;
  if (logging && typeof logging === "object") {
    for (const key of Object.keys(logging)) {
      if (key.startsWith("redact") && key !== "redactPatterns") {
        found.push({ path: `logging.${key}`, describe: `logging.${key} is retired (redaction is always on)`, value: undefined });
      }
    }
    if (logging.consoleStyle === "compact") {
      found.push({ path: "logging.consoleStyle", describe: 'logging.consoleStyle "compact" is internal only (now "pretty")', value: "pretty" });
    }
  }
  return found;
}

function checkConfig(target: ServiceTarget): Check[] {
  const { config } = target;
  const checks: Check[] = [];
  if (!config.exists) {
    checks.push({
      id: "config.missing", severity: "info", fixable: false,
      message: `No config file at ${config.path}; defaults apply.`,
      fix: "Run `openclaw gateway` once: it creates the config with gateway.mode \"local\" and a generated token.",
    });
    return checks;
  }
  const legacy = config.raw === null ? [] : findLegacyKeys(config.parsed);
  if (legacy.length > 0) {
    const blocking = legacy.some((l) => config.issues.some((i) => i.path === l.path));
    checks.push({
      id: "config.legacy", severity: blocking ? "error" : "warning", fixable: true, key: "config.legacy",
      message: `Config ${config.path} uses retired keys: ${legacy.map((l) => l.describe).join("; ")}`,
      fix: "openclaw doctor --fix migrates them (the rest of the file is kept).",
      apply: async () => {
        const note = await rewriteConfig(config.path, legacy.map((l): [string, unknown] => [l.path, l.value]));
        return `Migrated retired config keys in ${config.path}: ${legacy.map((l) => l.path).join(", ")}${note}`;
      },
    });
  }
  for (const issue of config.issues) {
    if (legacy.some((l) => l.path === issue.path)) continue;
    checks.push({
      id: "config.invalid", severity: "error", fixable: false,
      message: `Invalid config at ${config.path}: ${issue.path}: ${issue.message}`,
      fix: issue.path === "<root>" ? `Repair or restore ${config.path} (the gateway refuses to start with exit 78 until then).` : `Edit ${config.path} and correct ${issue.path} (the gateway refuses to start with exit 78 until then).`,
    });
  }
  if (config.valid) {
    const mode = config.config.gateway?.mode;
    if (mode === undefined) {
      checks.push({
        id: "config.mode", severity: "error", fixable: false,
        message: `gateway.mode is not set in ${config.path}; \`openclaw gateway\` refuses to start (this can mean a clobbered config).`,
        fix: `Check the file, then set gateway.mode to "local" in ${config.path} (or start with --allow-unconfigured).`,
      });
    } else if (mode === "remote") {
      checks.push({
        id: "config.mode", severity: "info", fixable: false,
        message: "gateway.mode is \"remote\": this machine is a client of a remote gateway and does not run one.",
        fix: "",
      });
    }
  }
  return checks;
}

function containsSecret(config: GatewayConfig): boolean {
  return Boolean(config.gateway?.auth?.token || config.gateway?.auth?.password);
}

function checkPermissions(target: ServiceTarget, platform: NodeJS.Platform): Check[] {
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

function checkAuth(target: ServiceTarget, env: Env): Check[] {
  const { config } = target;
  if (!config.exists || !config.valid || config.config.gateway?.mode === "remote") return [];
  const checks: Check[] = [];
  const gateway = config.config.gateway ?? {};
  const auth = resolveServerAuth(config.config, {}, env);
  const bindMode: BindMode = gateway.bind ?? "loopback";
  const exposed = !isLoopbackBindHost(resolveBindHost(bindMode, config.config));
  const path = config.path;
  const writeToken = async () => {
    const note = await rewriteConfig(path, [["gateway.auth.token", generateGatewayToken()]]);
    return (
      `Generated a new gateway token and wrote it to gateway.auth.token in ${path}${note}. ` +
      "Clients that used the old token need the new one (show it with: openclaw gateway auth-token --show); restart a running gateway to apply it (openclaw gateway restart)."
    );
  };
  if (gateway.auth?.token && gateway.auth?.password && !gateway.auth?.mode) {
    checks.push({
      id: "auth.mode.ambiguous", severity: "error", fixable: false,
      message: "gateway.auth.token and gateway.auth.password are both set but gateway.auth.mode is not; start-up and service install fail.",
      fix: `Set gateway.auth.mode to "token" or "password" in ${path}.`,
    });
  }
  if (auth.mode === "token") {
    // A `${VAR}` reference in the file is the user's indirection: never overwrite it with a literal.
    const rawToken = (config.parsed as { gateway?: { auth?: { token?: unknown } } })?.gateway?.auth?.token;
    const envRef = typeof rawToken === "string" && /\$\{[A-Z_][A-Z0-9_]*\}/.test(rawToken);
    const fromConfig = Boolean(gateway.auth?.token) && !envRef;
    const fixEnv = `Set ${envRef ? `the variable behind gateway.auth.token (${String(rawToken)})` : "OPENCLAW_GATEWAY_TOKEN"} to a long random value (for example: openssl rand -base64 32).`;
    if (!auth.token) {
      checks.push({
        id: "auth.token.missing", severity: exposed ? "error" : "warning", fixable: true, key: "auth.token",
        message:
          `Gateway auth mode is token but no token is configured (gateway.auth.token or OPENCLAW_GATEWAY_TOKEN)` +
          (exposed ? `, and bind=${bindMode} is not loopback: the gateway refuses to start.` : ": each start generates a different runtime-only token, so clients cannot authenticate."),
        fix: "openclaw doctor --fix generates a strong token and writes it to gateway.auth.token.",
        apply: writeToken,
      });
    } else if (isPlaceholderToken(auth.token)) {
      checks.push({
        id: "auth.token.placeholder", severity: "error", fixable: fromConfig, key: "auth.token",
        message: `The gateway token (${fromConfig || envRef ? "gateway.auth.token" : "OPENCLAW_GATEWAY_TOKEN"}) is a well-known placeholder value; anyone can guess it.`,
        fix: fromConfig ? "openclaw doctor --fix replaces it with a strong generated token." : fixEnv,
        ...(fromConfig ? { apply: writeToken } : {}),
      });
    } else if (auth.token.length < MIN_TOKEN_LENGTH) {
      checks.push({
        id: "auth.token.weak", severity: exposed ? "error" : "warning", fixable: fromConfig, key: "auth.token",
        message: `The gateway token (${fromConfig || envRef ? "gateway.auth.token" : "OPENCLAW_GATEWAY_TOKEN"}) is only ${auth.token.length} characters; use at least ${MIN_TOKEN_LENGTH} random characters${exposed ? ` (bind=${bindMode} exposes the gateway beyond loopback)` : ""}.`,
        fix: fromConfig ? "openclaw doctor --fix replaces it with a strong generated token." : fixEnv,
        ...(fromConfig ? { apply: writeToken } : {}),
      });
    }
  } else if (auth.mode === "password" && !auth.password) {
    checks.push({
      id: "auth.password.missing", severity: "error", fixable: false,
      message: "Gateway auth is set to password, but no password is configured; the gateway refuses to start (exit 78).",
      fix: `Set gateway.auth.password in ${path} or OPENCLAW_GATEWAY_PASSWORD.`,
    });
  } else if (auth.mode === "none" && exposed) {
    checks.push({
      id: "auth.none.exposed", severity: "error", fixable: false,
      message: `Gateway auth mode is none with bind=${bindMode}; the gateway refuses to bind beyond loopback without auth.`,
      fix: `Use bind "loopback", or set gateway.auth.mode to "token" with a token in ${path}.`,
    });
  }
  return checks;
}

async function checkPort(target: ServiceTarget, deps: Required<Pick<DoctorDeps, "findListeners" | "canBindPort" | "commandLine">>): Promise<Check[]> {
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

function checkService(target: ServiceTarget, ctx: LifecycleContext, deep: boolean): Check[] {
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
  const identity = resolveServiceIdentity(profile, ctx.env, ctx.platform);
  for (const found of scanGatewayServices({ identity, home: target.home, systemDir: ctx.systemDir })) {
    if (found.own) continue;
    if (found.scope === "system" && found.file === description.systemLevelFile) continue;
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

// ---------------------------------------------------------------------------------------------
// Runner and output
// ---------------------------------------------------------------------------------------------

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
