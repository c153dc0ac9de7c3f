import { join, resolve } from "node:path";
import { resolveHomeDir } from "../../config/paths.js";
import type { GatewayConfig } from "../../config/schema.js";

export type TlsConfig = NonNullable<GatewayConfig["gateway"]>["tls"];

export interface TlsPaths {
  certPath: string;
  keyPath: string;
  caPath?: string;
}

export function defaultTlsDir(stateDir: string): string {
  return join(stateDir, "gateway", "tls");
}

/** `~`/`~/…` expanded against the OpenClaw home; relative paths made absolute. */
export function resolveUserPath(path: string): string {
  const home = resolveHomeDir();
  const expanded = path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
  return resolve(expanded);
}

function configured(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function resolveTlsCertPath(tls: TlsConfig | undefined, stateDir: string): string {
  const path = configured(tls?.certPath);
  return path ? resolveUserPath(path) : join(defaultTlsDir(stateDir), "gateway-cert.pem");
}

export function resolveTlsPaths(tls: TlsConfig | undefined, stateDir: string): TlsPaths {
  const keyPath = configured(tls?.keyPath);
  const caPath = configured(tls?.caPath);
  return {
    certPath: resolveTlsCertPath(tls, stateDir),
    keyPath: keyPath ? resolveUserPath(keyPath) : join(defaultTlsDir(stateDir), "gateway-key.pem"),
    ...(caPath ? { caPath: resolveUserPath(caPath) } : {}),
  };
}
