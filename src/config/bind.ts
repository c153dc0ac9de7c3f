import { networkInterfaces } from "node:os";
import type { GatewayConfig } from "./schema.js";

export type BindMode = "loopback" | "lan" | "tailnet" | "auto" | "custom";

/** The first IPv4 address in Tailscale's 100.64.0.0/10 range. */
export function tailnetAddress(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family !== "IPv4") continue;
      const [first, second] = a.address.split(".").map(Number);
      if (first === 100 && second >= 64 && second <= 127) return a.address;
    }
  }
  return undefined;
}

export function resolveBindHost(mode: BindMode, config: GatewayConfig): string {
  switch (mode) {
    case "lan":
      return "0.0.0.0";
    case "custom":
      return config.gateway?.customBindHost ?? "0.0.0.0";
    case "tailnet":
      return tailnetAddress() ?? "127.0.0.1";
    default:
      return "127.0.0.1";
  }
}

/**
 * The loopback address a gateway bound to `host` must also listen on, so clients on this machine
 * keep loopback semantics (a tailnet IP or a custom host); null when `host` already covers it.
 */
export function requiredLoopbackHost(host: string): string | null {
  return host === "127.0.0.1" || host === "0.0.0.0" ? null : "127.0.0.1";
}
