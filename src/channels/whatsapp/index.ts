/**
 * WhatsApp (WhatsApp Web multi-device through Baileys). Public surface: `adapter`; tests also use
 * `setWhatsAppSocketFactory` to replace the Baileys socket with a fake.
 */
import type { ChannelAdapter } from "../types.js";
import { resolveWhatsAppAccounts, type WhatsAppAccount } from "./account.js";
import { connectWhatsApp } from "./connection.js";
import { chatTypeOf, normalizeAllowEntry, parseTarget } from "./jid.js";
import { WhatsAppLogins } from "./login.js";

export type { WhatsAppAccount } from "./account.js";
export { setWhatsAppSocketFactory } from "./socket-factory.js";

/** Raw frames arrive at least every 30 s on a healthy link (Baileys' keep-alive pings and their answers). */
const SILENT_AFTER_MS = 4 * 60_000;

export const adapter: ChannelAdapter<WhatsAppAccount> = {
  id: "whatsapp",
  label: "WhatsApp",
  capabilities: { chatTypes: ["direct", "group"], typing: true },
  chunkMeasure: "chars",
  resolveAccounts: (section) => resolveWhatsAppAccounts(section),
  connect: (ctx) => connectWhatsApp(ctx),
  normalizeAllowEntry,
  silentAfterMs: SILENT_AFTER_MS,
  parseTarget,
  chatTypeOf,
  login: new WhatsAppLogins(),
};
