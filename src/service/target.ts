import { resolveConfigPath, resolveGatewayPort, resolveProfile, resolveStateDir, type Env, type PortSource } from "../config/paths.js";
import { readConfigSnapshot, type ConfigSnapshot } from "../config/snapshot.js";
import { serviceHomeDir } from "./identity.js";

/** What a service installed from this shell would run against: paths, port and profile. */
export type ServiceTarget = {
  profile?: string;
  stateDir: string;
  configPath: string;
  home: string;
  port: number;
  portSource: PortSource;
  config: ConfigSnapshot;
};

/** `gateway.port` from the config, also when the file is otherwise invalid. */
export function configuredPort(config: ConfigSnapshot): number | undefined {
  if (config.valid) return config.config.gateway?.port;
  const raw = (config.parsed as { gateway?: { port?: unknown } } | null)?.gateway?.port;
  return typeof raw === "number" && Number.isInteger(raw) && raw >= 1 && raw <= 65535 ? raw : undefined;
}

export function resolveServiceTarget(env: Env = process.env, portFlag?: number): ServiceTarget {
  const configPath = resolveConfigPath(env);
  const config = readConfigSnapshot(configPath);
  const { port, source } = resolveGatewayPort({ flag: portFlag, configPort: configuredPort(config) }, env);
  const profile = resolveProfile(env);
  return {
    ...(profile ? { profile } : {}),
    stateDir: resolveStateDir(env),
    configPath,
    home: serviceHomeDir(env),
    port,
    portSource: source,
    config,
  };
}
