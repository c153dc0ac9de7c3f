import type { Command } from "commander";
import { resolveConfigPath, resolveGatewayPort } from "../config/paths.js";
import { readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { GatewayClient, type ClientOptions } from "../client/gateway-client.js";
import { CliError } from "./exit.js";

export type ClientFlags = { url?: string; port?: string; token?: string; password?: string; timeout?: string; json?: boolean };

export function addClientOptions(command: Command, defaultTimeoutMs = 10_000): Command {
  return command
    .option("--url <url>", "gateway WebSocket URL (config and env credentials are not used with --url)")
    .option("--port <port>", "target a local gateway on this port")
    .option("--token <token>", "gateway token")
    .option("--password <password>", "gateway password")
    .option("--timeout <ms>", "timeout in milliseconds", String(defaultTimeoutMs))
    .option("--json", "print machine-readable JSON");
}

export type ResolvedTarget = { url: string; token?: string; password?: string; timeoutMs: number; config: ConfigSnapshot; portSource: string };

/** Where to connect and with which credentials, following the documented precedence. */
export function resolveTarget(flags: ClientFlags): ResolvedTarget {
  if (flags.url && flags.port) throw new CliError("Use either --url or --port, not both.");
  const timeoutMs = Number(flags.timeout ?? 10_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`Invalid --timeout "${flags.timeout}".`);
  const config = readConfigSnapshot(resolveConfigPath());
  const gateway = config.config.gateway;
  if (flags.url) return { url: flags.url, token: flags.token, password: flags.password, timeoutMs, config, portSource: "url" };
  let portFlag: number | undefined;
  if (flags.port !== undefined) {
    portFlag = Number(flags.port);
    if (!Number.isInteger(portFlag) || portFlag < 1 || portFlag > 65535) throw new CliError(`Invalid --port "${flags.port}".`);
  }
  const { port, source } = resolveGatewayPort({ flag: portFlag, configPort: gateway?.port });
  const remote = (gateway?.remote ?? {}) as { token?: unknown; password?: unknown };
  const token = flags.token ?? gateway?.auth?.token ?? process.env.OPENCLAW_GATEWAY_TOKEN ?? (typeof remote.token === "string" ? remote.token : undefined);
  const password =
    flags.password ?? gateway?.auth?.password ?? process.env.OPENCLAW_GATEWAY_PASSWORD ?? (typeof remote.password === "string" ? remote.password : undefined);
  return { url: `ws://127.0.0.1:${port}`, token, password, timeoutMs, config, portSource: source };
}

export function connectTarget(target: ResolvedTarget, extra: Partial<ClientOptions> = {}): Promise<GatewayClient> {
  return GatewayClient.connect({ url: target.url, token: target.token, password: target.password, timeoutMs: target.timeoutMs, ...extra });
}

/** Connects, runs `fn`, and always closes the socket. */
export async function withClient<T>(target: ResolvedTarget, extra: Partial<ClientOptions>, fn: (client: GatewayClient) => Promise<T>): Promise<T> {
  const client = await connectTarget(target, extra);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
