import type { SocketFactory, SocketFactoryOptions } from "./socket.js";

let override: SocketFactory | null = null;

/** Tests replace the Baileys socket with a fake; `null` restores the production factory. */
export function setWhatsAppSocketFactory(factory: SocketFactory | null): void {
  override = factory;
}

/** Opens a socket with the injected factory, else with Baileys (loaded on first use). */
export async function createWhatsAppSocket(opts: SocketFactoryOptions): ReturnType<SocketFactory> {
  if (override) return override(opts);
  const { createBaileysSocket } = await import("./baileys-socket.js");
  return createBaileysSocket(opts);
}
