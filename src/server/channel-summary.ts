import type { GatewayConfig } from "../config/schema.js";

const LABELS: Record<string, string> = { telegram: "Telegram", whatsapp: "WhatsApp", irc: "IRC", webchat: "WebChat", discord: "Discord", slack: "Slack", signal: "Signal" };

export type ChannelAccountSnapshot = {
  accountId: string;
  enabled: boolean;
  configured: boolean;
  running: boolean;
  connected: boolean;
  lastError: string | null;
};

export type ChannelSummary = { id: string; label: string; defaultAccountId: string; accounts: ChannelAccountSnapshot[] };

const NOT_RUNNING = "this gateway does not run this channel yet";

/** The channels named in config, as seen by health, status and channels.status. None runs yet. */
export function configuredChannels(config: GatewayConfig): ChannelSummary[] {
  const out: ChannelSummary[] = [];
  for (const [id, raw] of Object.entries(config.channels ?? {})) {
    if (!raw || typeof raw !== "object") continue;
    const section = raw as { enabled?: unknown; accounts?: Record<string, { enabled?: unknown }> };
    const accountIds = section.accounts && typeof section.accounts === "object" ? Object.keys(section.accounts) : [];
    const ids = accountIds.length > 0 ? accountIds : ["default"];
    out.push({
      id,
      label: LABELS[id] ?? id,
      defaultAccountId: ids[0],
      accounts: ids.map((accountId) => ({
        accountId,
        enabled: section.enabled !== false && section.accounts?.[accountId]?.enabled !== false,
        configured: true,
        running: false,
        connected: false,
        lastError: NOT_RUNNING,
      })),
    });
  }
  return out;
}
