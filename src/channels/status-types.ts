/**
 * What `channels.status` answers, as the CLI and the Control UI read it. Free of imports so the
 * browser build can share it.
 */

/** One channel account as status views show it. */
export type AccountSnapshot = {
  name?: string;
  accountId: string;
  enabled: boolean;
  configured: boolean;
  running: boolean;
  connected: boolean;
  lifecycle: "starting" | "ready" | "recovering" | "blocked" | "stopped";
  healthState: "healthy" | "connecting" | "stale" | "disconnected" | "stopped" | "blocked";
  reconnectAttempts: number;
  lastConnectedAt: number | null;
  lastDisconnect: { at: number; error?: string; loggedOut?: boolean } | null;
  lastError: string | null;
  lastStartAt: number | null;
  lastStopAt: number | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  lastTransportActivityAt: number | null;
  [key: string]: unknown;
};

export type ProbeResult = { ok: boolean; error?: string; elapsedMs?: number; [key: string]: unknown };

/** An account with the live check `channels.status --probe` ran on it. */
export type AccountStatus = AccountSnapshot & { probe?: ProbeResult; lastProbeAt?: number };

export type StatusIssue = { channel: string; accountId: string; kind: "config" | "auth" | "runtime"; message: string; fix?: string };

export type ChannelsStatus = {
  ts: number;
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channelDetailLabels: Record<string, string>;
  channelSystemImages: Record<string, string>;
  channelMeta: Array<{ id: string; label: string; detailLabel: string }>;
  eventLoop: unknown;
  channels: Record<string, unknown>;
  channelAccounts: Record<string, AccountStatus[]>;
  channelDefaultAccountId: Record<string, string>;
  statusIssues: StatusIssue[];
  warnings?: string[];
};
