import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { BindMode } from "../config/bind.js";
import { writeFirstRunConfig } from "../config/first-run.js";
import { resolveConfigPath, resolveProfile, resolveStateDir } from "../config/paths.js";
import { AUTH_MODES, BIND_MODES, TAILSCALE_MODES } from "../config/schema.js";
import { formatConfigIssues, readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { isLoopback } from "../infra/loopback.js";
import { acquireGatewayLock, type GatewayLock } from "../infra/gateway-lock.js";
import { createLogger, logSink, type LevelSetting } from "../infra/logger.js";
import { freePort } from "../infra/port-free.js";
import type { AuthMode } from "../server/auth.js";
import { wsLogSettings, type WsLogStyle } from "../server/connection.js";
import { PortInUseError, type RunningGateway } from "../server/gateway.js";
import { GatewayRuntime } from "../server/runtime.js";
import { GatewaySetupError, type SettingsOverrides } from "../server/settings.js";
import type { TailscaleMode } from "../server/tailscale-settings.js";
import { detectSupervisor } from "../service/supervisor.js";
import { probeHealthz } from "../service/health-wait.js";
import { localTlsPin } from "../infra/tls/tls-pin.js";
import { CliError, EXIT_CONFIG } from "./exit.js";

const log = createLogger("gateway");

export type GatewayRunFlags = {
  port?: string;
  bind?: string;
  auth?: string;
  token?: string;
  password?: string;
  passwordFile?: string;
  verbose?: boolean;
  wsLog?: string;
  compact?: boolean;
  force?: boolean;
  allowUnconfigured?: boolean;
  dev?: boolean;
  logLevel?: string;
  tailscale?: string;
  tailscaleResetOnExit?: boolean;
};

function parsePortFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new CliError(`Invalid --port "${value}". Use an integer from 1 to 65535.`);
  return port;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], message: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(message);
  return value as T;
}

function readPasswordFlags(flags: GatewayRunFlags): string | undefined {
  if (flags.password !== undefined && flags.passwordFile !== undefined) throw new CliError("Use either --password or --password-file.");
  if (flags.passwordFile !== undefined) {
    try {
      return readFileSync(flags.passwordFile, "utf8").trim();
    } catch (err) {
      throw new CliError(`Cannot read --password-file ${flags.passwordFile}: ${(err as Error).message}`);
    }
  }
  if (flags.password !== undefined) {
    process.stderr.write("--password can be exposed via process listings. Prefer --password-file or OPENCLAW_GATEWAY_PASSWORD.\n");
  }
  return flags.password;
}

function loadConfigOrCreate(configPath: string, externalToken: boolean, allowUnconfigured: boolean): { snapshot: ConfigSnapshot; created: boolean } {
  let snapshot = readConfigSnapshot(configPath);
  const created = !snapshot.exists;
  if (created) {
    writeFirstRunConfig(configPath, { externalToken });
    snapshot = readConfigSnapshot(configPath);
  }
  if (!snapshot.valid) throw new CliError(formatConfigIssues(snapshot), EXIT_CONFIG);
  const mode = snapshot.config.gateway?.mode;
  if (!allowUnconfigured && mode === undefined) {
    throw new CliError(
      "Gateway start blocked: existing config is missing gateway.mode. Treat this as suspicious or clobbered config. " +
        `Set gateway.mode to "local" in ${configPath} (or pass --allow-unconfigured).`,
      EXIT_CONFIG,
    );
  }
  if (!allowUnconfigured && mode !== "local") {
    throw new CliError(`Gateway start blocked: set gateway.mode=local (current: ${mode}) or pass --allow-unconfigured.`, EXIT_CONFIG);
  }
  return { snapshot, created };
}

/**
 * Printed once, straight to the terminal and never to the file log. The token itself is shown only
 * to an interactive terminal, so journals and redirected output never hold it.
 */
function printFirstRunNotice(configPath: string, dashboardBase: string, token: string | undefined): void {
  const fragment = token && process.stdout.isTTY ? `#token=${token}` : "#token=<token>";
  process.stdout.write(
    [
      "",
      `First run: created ${configPath} (mode 0600) with gateway.mode "local" and token auth.`,
      `Dashboard: ${dashboardBase}/${fragment}`,
      "Show the token any time with: openclaw gateway auth-token --show",
      "Clients on this machine (openclaw health, openclaw status) read the token from the same config.",
      "",
    ].join("\n") + "\n",
  );
}

/** `openclaw gateway [run]`: validates flags and config, then serves until SIGTERM/SIGINT. */
export async function runGateway(flags: GatewayRunFlags): Promise<void> {
  const startedAt = performance.now();
  const overrides: SettingsOverrides = {
    port: parsePortFlag(flags.port),
    bind: oneOf<BindMode>(flags.bind, BIND_MODES, 'Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".'),
    authMode: oneOf<AuthMode>(flags.auth, AUTH_MODES, 'Invalid --auth. Use "none", "token", "password", or "trusted-proxy".'),
    token: flags.token,
    password: readPasswordFlags(flags),
    tailscale: oneOf<TailscaleMode>(flags.tailscale, TAILSCALE_MODES, 'Invalid --tailscale. Use "off", "serve", or "funnel".'),
    tailscaleResetOnExit: flags.tailscaleResetOnExit,
  };
  const wsLog = oneOf<WsLogStyle>(flags.compact ? "compact" : flags.wsLog, ["auto", "compact", "full"], 'Invalid --ws-log. Use "auto", "compact", or "full".');
  if (flags.token) process.env.OPENCLAW_GATEWAY_TOKEN = flags.token;

  const stateDir = resolveStateDir();
  const configPath = resolveConfigPath();
  const profile = resolveProfile();
  log.info("loading configuration…");
  const externalToken = Boolean(flags.token || process.env.OPENCLAW_GATEWAY_TOKEN);
  const { snapshot, created } = loadConfigOrCreate(configPath, externalToken, Boolean(flags.allowUnconfigured));
  for (const warning of snapshot.warnings) log.warn(warning);

  log.info("resolving authentication…");
  const handOver = serviceSupervisor() !== null && process.env.OPENCLAW_NO_RESPAWN !== "1";
  let runtime: GatewayRuntime;
  try {
    runtime = new GatewayRuntime({
      configPath,
      stateDir,
      profile,
      snapshot,
      overrides,
      logOverrides: { verbose: flags.verbose, level: flags.logLevel as LevelSetting | undefined, profile },
      ...(handOver ? { supervisedExit: () => process.exit(0) } : {}),
    });
  } catch (err) {
    if (err instanceof GatewaySetupError) throw new CliError(err.message, err.exitCode);
    throw err;
  }
  wsLogSettings.verbose = Boolean(flags.verbose);
  wsLogSettings.style = wsLog ?? "auto";
  const { port, bindHost } = runtime.currentSettings;

  if (flags.force) await freePort(port, bindHost, (line) => log.info(line));

  log.info("starting...");
  let lock: GatewayLock;
  try {
    lock = await acquireGatewayLock({ stateDir, configPath, port });
  } catch (err) {
    await exitIfSupervisedDuplicate(port, localTlsPin(snapshot.config.gateway?.tls, stateDir));
    throw new CliError(`Gateway failed to start: ${(err as Error).message}\nIf the gateway is supervised, stop it with: openclaw gateway stop`);
  }
  let gateway: RunningGateway;
  try {
    gateway = await runtime.start();
  } catch (err) {
    lock.release();
    if (err instanceof PortInUseError) await exitIfSupervisedDuplicate(port, localTlsPin(snapshot.config.gateway?.tls, stateDir));
    throw new CliError(`Gateway failed to start: ${(err as Error).message}`, err instanceof GatewaySetupError ? err.exitCode : undefined);
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const tls = gateway.context.tls;
  log.info(`listening on ${tls ? "wss" : "ws"}://${bindHost}:${gateway.port} (${seconds}s, auth=${runtime.currentSettings.auth.mode})`);
  if (tls) log.info(`TLS certificate fingerprint (SHA-256): ${tls.fingerprint} (${tls.certPath})`);
  log.info(`log file: ${logSink.filePath}`);
  if (created) printFirstRunNotice(configPath, `http://${isLoopback(bindHost) ? "127.0.0.1" : bindHost}:${gateway.port}`, snapshot.config.gateway?.auth?.token);
  log.info("gateway ready");
  installSignalHandlers(runtime, lock);
}

/**
 * The supervisor, when this process was started as our service (the unit and plist we generate set
 * these markers). Generic hints such as JOURNAL_STREAM are inherited by anything a service spawns,
 * so they alone do not make a foreground run supervised.
 */
function serviceSupervisor() {
  const env = process.env;
  const ours = env.OPENCLAW_SERVICE_MARKER === "openclaw" || !!env.OPENCLAW_SYSTEMD_UNIT || !!env.OPENCLAW_LAUNCHD_LABEL || env.OPENCLAW_SUPERVISOR_MODE === "external";
  return ours ? detectSupervisor(env) : null;
}

/**
 * Under systemd, a second gateway that finds a healthy one already serving exits 78, which the unit's
 * RestartPreventExitStatus turns into "stop retrying" instead of a restart loop.
 */
async function exitIfSupervisedDuplicate(port: number, tlsPin: (() => string) | undefined): Promise<void> {
  if (serviceSupervisor() !== "systemd") return;
  if (await probeHealthz(port, 1000, "127.0.0.1", tlsPin?.())) {
    throw new CliError("gateway already running under systemd; existing gateway is healthy, exiting with code 78 to prevent a systemd Restart=always loop", EXIT_CONFIG);
  }
}

function installSignalHandlers(runtime: GatewayRuntime, lock: GatewayLock): void {
  let shuttingDown = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log.info(`received ${signal} during shutdown; ignoring`);
      return;
    }
    shuttingDown = true;
    log.info(`received ${signal}; shutting down`);
    const hardExit = setTimeout(() => {
      lock.release();
      logSink.flushSync();
      process.exit(1);
    }, 15_000);
    hardExit.unref();
    runtime
      .stop("gateway stopping")
      .catch((err: Error) => log.error(`shutdown error: ${err.message}`))
      .finally(() => {
        lock.release();
        process.exit(0);
      });
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGUSR2", () => {
    if (shuttingDown) return;
    log.info("received SIGUSR2; restarting");
    runtime.requestRestart("SIGUSR2");
  });
  process.on("exit", () => {
    lock.release();
    logSink.flushSync();
  });
}
