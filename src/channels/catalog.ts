import type { ChannelModule } from "./types.js";

export type CatalogEntry = { id: string; label: string; load(): Promise<ChannelModule> };

/** The channels this gateway runs, in `channels.status` order. A module loads only when configured. */
export const CHANNEL_CATALOG: readonly CatalogEntry[] = [
  { id: "telegram", label: "Telegram", load: () => import("./telegram/index.js") },
  { id: "whatsapp", label: "WhatsApp", load: () => import("./whatsapp/index.js") },
  { id: "irc", label: "IRC", load: () => import("./irc/index.js") },
];

export function catalogEntry(id: string): CatalogEntry | undefined {
  return CHANNEL_CATALOG.find((c) => c.id === id);
}

const OTHER_LABELS: Record<string, string> = { discord: "Discord", slack: "Slack", signal: "Signal", matrix: "Matrix", webchat: "WebChat" };

export function channelLabel(id: string): string {
  return catalogEntry(id)?.label ?? OTHER_LABELS[id] ?? id;
}
