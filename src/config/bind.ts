import { networkInterfaces } from "node:os";
import type { GatewayConfig } from "./schema.js";

export type BindMode = "loopback" | "lan" | "tailnet" | "auto" | "custom";

function tailnetAddress(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
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
