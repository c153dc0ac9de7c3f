import { resolveBindHost, type BindMode } from "../config/bind.js";
import { generateGatewayToken } from "../config/first-run.js";
import { resolveGatewayPort } from "../config/paths.js";
import type { ConfigSnapshot } from "../config/snapshot.js";
import { hasSharedSecret, resolveServerAuth, type AuthMode, type ResolvedAuth } from "./auth.js";
import { isLoopback } from "../infra/loopback.js";
import { hooksTokenReuseWarning } from "../http/hooks/config.js";
import { trustedProxySettingsProblem } from "./trusted-proxy-settings.js";
import { bindForTailscale, resolveTailscaleSettings, tailscaleAuthProblem, type TailscaleMode, type TailscaleSettings } from "./tailscale-settings.js";

export const EXIT_CONFIG = 78;

/** A setting that makes the gateway refuse to start (or refuse a reload); carries the exit code. */
export class GatewaySetupError extends Error {
  constructor(message: string, readonly exitCode = EXIT_CONFIG) {
    super(message);
  }
}

/** Command-line choices that outrank the config file, on the first start and on every reload. */
export type SettingsOverrides = {
  port?: number;
  bind?: BindMode;
  authMode?: AuthMode;
  token?: string;
  password?: string;
  tailscale?: TailscaleMode;
  tailscaleResetOnExit?: boolean;
};

export type GatewaySettings = { port: number; bindMode: BindMode; bindHost: string; auth: ResolvedAuth; tailscale: TailscaleSettings; warnings: string[] };

/**
 * Port, bind address and auth for a config, with the start-up guards applied. A token generated for
 * a config without one is reused from `previous` so a reload does not lock clients out.
 */
export function resolveSettings(snapshot: ConfigSnapshot, overrides: SettingsOverrides, previous?: GatewaySettings): GatewaySettings {
  const config = snapshot.config;
  const { port } = resolveGatewayPort({ flag: overrides.port, configPort: config.gateway?.port });
  const tailscale = resolveTailscaleSettings(config, overrides);
  const { bindMode, warning: tailscaleBindWarning } = bindForTailscale(tailscale.mode, overrides.bind ?? config.gateway?.bind ?? "loopback");
  const bindHost = resolveBindHost(bindMode, config);
  const auth = resolveServerAuth(config, { mode: overrides.authMode, token: overrides.token, password: overrides.password });
  const warnings: string[] = tailscaleBindWarning ? [tailscaleBindWarning] : [];
  if (auth.mode === "password" && !auth.password) {
    throw new GatewaySetupError("Gateway auth is set to password, but no password is configured. Set gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD.");
  }
  const tailscaleProblem = tailscaleAuthProblem(tailscale.mode, auth);
  if (tailscaleProblem) throw new GatewaySetupError(tailscaleProblem);
  const proxyProblem = trustedProxySettingsProblem(config, auth);
  if (proxyProblem) throw new GatewaySetupError(proxyProblem);
  if (!isLoopback(bindHost) && !hasSharedSecret(auth) && auth.mode !== "trusted-proxy") {
    throw new GatewaySetupError(`Refusing to bind gateway to ${bindMode} (${bindHost}) without auth. Set gateway.auth.token or gateway.auth.password, or use --bind loopback.`);
  }
  if (auth.mode === "none") warnings.push("Gateway auth mode=none explicitly configured; all gateway connections are unauthenticated.");
  if (auth.mode === "token" && !auth.token) {
    auth.token = previous?.auth.generatedToken ? previous.auth.token : generateGatewayToken();
    auth.generatedToken = true;
    warnings.push("Gateway auth token was missing. Generated a runtime token for this startup without changing config; restart will generate a different token. Persist one with gateway.auth.token.");
  }
  const hooksWarning = hooksTokenReuseWarning(config, auth);
  if (hooksWarning) warnings.push(hooksWarning);
  return { port, bindMode, bindHost, auth, tailscale, warnings };
}
