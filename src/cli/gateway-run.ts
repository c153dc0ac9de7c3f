import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { isLoopbackBindHost, resolveBindHost, type BindMode } from "../config/bind.js";
import { generateGatewayToken, writeFirstRunConfig } from "../config/first-run.js";
import { resolveConfigPath, resolveGatewayPort, resolveProfile, resolveStateDir } from "../config/paths.js";
import { AUTH_MODES, BIND_MODES } from "../config/schema.js";
import { formatConfigIssues, readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { collectSecrets } from "../config/redact.js";
import { acquireGatewayLock, type GatewayLock } from "../infra/gateway-lock.js";
import { createLogger, logSink, type LevelSetting } from "../infra/logger.js";
import { DEFAULT_MAX_FILE_BYTES } from "../infra/log-file.js";
import { freePort } from "../infra/port-free.js";
import { hasSharedSecret, resolveServerAuth, type AuthMode, type ResolvedAuth } from "../server/auth.js";
import { wsLogSettings, type WsLogStyle } from "../server/connection.js";
import { startGateway, type RunningGateway } from "../server/gateway.js";
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

function configureLogging(snapshot: ConfigSnapshot, flags: GatewayRunFlags, auth: ResolvedAuth): void {
  const logging = snapshot.config.logging ?? {};
  const override = (flags.logLevel ?? process.env.OPENCLAW_LOG_LEVEL) as LevelSetting | undefined;
  logSink.configure({
    fileLevel: override ?? logging.level ?? "info",
    consoleLevel: flags.verbose ? "debug" : override ?? logging.consoleLevel ?? "info",
    consoleStyle: logging.consoleStyle ?? "pretty",
    file: logging.file,
    profile: resolveProfile(),
    maxFileBytes: logging.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    redactPatterns: logging.redactPatterns,
  });
  const secrets = collectSecrets(snapshot.parsed);
  for (const value of [auth.token, auth.password]) if (value) secrets.add(value);
  logSink.redactor.setSecrets(secrets);
}

/** `openclaw gateway [run]`: validates flags and config, then serves until SIGTERM/SIGINT. */
export async function runGateway(flags: GatewayRunFlags): Promise<void> {
  const startedAt = performance.now();
  const portFlag = parsePortFlag(flags.port);
  const bindFlag = oneOf(flags.bind, BIND_MODES, 'Invalid --bind. Use "loopback", "lan", "tailnet", "auto", or "custom".');
  const authFlag = oneOf<AuthMode>(flags.auth, AUTH_MODES, 'Invalid --auth. Use "none", "token", "password", or "trusted-proxy".');
  const wsLog = oneOf<WsLogStyle>(flags.compact ? "compact" : flags.wsLog, ["auto", "compact", "full"], 'Invalid --ws-log. Use "auto", "compact", or "full".');
  const password = readPasswordFlags(flags);
  if (flags.token) process.env.OPENCLAW_GATEWAY_TOKEN = flags.token;

  const stateDir = resolveStateDir();
  const configPath = resolveConfigPath();
  log.info("loading configuration…");
  const externalToken = Boolean(flags.token || process.env.OPENCLAW_GATEWAY_TOKEN);
  const { snapshot, created } = loadConfigOrCreate(configPath, externalToken, Boolean(flags.allowUnconfigured));

  const { port } = resolveGatewayPort({ flag: portFlag, configPort: snapshot.config.gateway?.port });
  const bindMode: BindMode = bindFlag ?? snapshot.config.gateway?.bind ?? "loopback";
  const bindHost = resolveBindHost(bindMode, snapshot.config);

  log.info("resolving authentication…");
  const auth = resolveServerAuth(snapshot.config, { mode: authFlag, token: flags.token, password });
  configureLogging(snapshot, flags, auth);
  wsLogSettings.verbose = Boolean(flags.verbose);
  wsLogSettings.style = wsLog ?? "auto";

  if (auth.mode === "password" && !auth.password) {
    throw new CliError("Gateway auth is set to password, but no password is configured. Set gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD.", EXIT_CONFIG);
  }
  if (auth.mode === "trusted-proxy") throw new CliError("Gateway auth mode trusted-proxy is not supported by this gateway yet.", EXIT_CONFIG);
  if (!isLoopbackBindHost(bindHost) && !hasSharedSecret(auth)) {
    throw new CliError(`Refusing to bind gateway to ${bindMode} (${bindHost}) without auth. Set gateway.auth.token or gateway.auth.password, or use --bind loopback.`, EXIT_CONFIG);
  }
  if (auth.mode === "none") log.warn("Gateway auth mode=none explicitly configured; all gateway connections are unauthenticated.");
  if (auth.mode === "token" && !auth.token) {
    auth.token = generateGatewayToken();
    logSink.redactor.setSecrets([...collectSecrets(snapshot.parsed), auth.token]);
    log.warn("Gateway auth token was missing. Generated a runtime token for this startup without changing config; restart will generate a different token. Persist one with gateway.auth.token.");
  }

  if (flags.force) await freePort(port, bindHost, (line) => log.info(line));

  log.info("starting...");
  let lock: GatewayLock;
  try {
    lock = await acquireGatewayLock({ stateDir, configPath, port });
  } catch (err) {
    throw new CliError(`Gateway failed to start: ${(err as Error).message}\nIf the gateway is supervised, stop it with: openclaw gateway stop`);
  }
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({ port, bindHost, config: snapshot, auth, stateDir, profile: resolveProfile() });
  } catch (err) {
    lock.release();
    throw new CliError(`Gateway failed to start: ${(err as Error).message}`);
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  log.info(`listening on ws://${bindHost}:${gateway.port} (${seconds}s, auth=${auth.mode})`);
  log.info(`log file: ${logSink.filePath}`);
  if (created) printFirstRunNotice(configPath, `http://${isLoopbackBindHost(bindHost) ? "127.0.0.1" : bindHost}:${gateway.port}`, snapshot.config.gateway?.auth?.token);
  log.info("gateway ready");
  installSignalHandlers(gateway, lock);
}

function installSignalHandlers(gateway: RunningGateway, lock: GatewayLock): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
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
    }, 10_000);
    hardExit.unref();
    gateway
      .stop("gateway stopping")
      .catch((err: Error) => log.error(`shutdown error: ${err.message}`))
      .finally(async () => {
        lock.release();
        await logSink.drained();
        process.exit(0);
      });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("exit", () => {
    lock.release();
    logSink.flushSync();
  });
}
