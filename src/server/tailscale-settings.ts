import type { BindMode } from "../config/bind.js";
import type { GatewayConfig, TAILSCALE_MODES } from "../config/schema.js";
import type { ResolvedAuth } from "./auth.js";

export type TailscaleMode = (typeof TAILSCALE_MODES)[number];

export type TailscaleSettings = { mode: TailscaleMode; resetOnExit: boolean };

/** `--tailscale` beats gateway.tailscale.mode; `--tailscale-reset-on-exit` or the config turns reset on. */
export function resolveTailscaleSettings(config: GatewayConfig, overrides: { tailscale?: TailscaleMode; tailscaleResetOnExit?: boolean }): TailscaleSettings {
  return {
    mode: overrides.tailscale ?? config.gateway?.tailscale?.mode ?? "off",
    resetOnExit: overrides.tailscaleResetOnExit === true || config.gateway?.tailscale?.resetOnExit === true,
  };
}

/** Serve and Funnel proxy to a loopback listener, so the gateway itself never listens wider. */
export function bindForTailscale(mode: TailscaleMode, requested: BindMode): { bindMode: BindMode; warning?: string } {
  if (mode === "off" || requested === "loopback") return { bindMode: requested };
  return { bindMode: "loopback", warning: `gateway.bind=${requested} is ignored with Tailscale ${mode}: the gateway listens on loopback and Tailscale carries remote traffic.` };
}

/** Why this auth cannot go behind this Tailscale exposure, or null. */
export function tailscaleAuthProblem(mode: TailscaleMode, auth: ResolvedAuth): string | null {
  if (mode === "funnel" && auth.mode !== "password") {
    return "Tailscale funnel requires gateway.auth.mode=password (set gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD): funnel puts the gateway on the public internet.";
  }
  if (mode === "serve" && auth.mode === "none") {
    return "gateway.auth.mode=none cannot be used with gateway.tailscale.mode=serve; configure token, password, or trusted-proxy auth before exposing the gateway through Tailscale.";
  }
  return null;
}
