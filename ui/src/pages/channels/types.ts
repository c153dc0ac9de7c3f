export type ProbeResult = { ok: boolean; error?: string; elapsedMs?: number; [key: string]: unknown };

export type AccountStatus = {
  accountId: string;
  name?: string;
  enabled?: boolean;
  configured?: boolean;
  running?: boolean;
  connected?: boolean;
  lifecycle?: string;
  healthState?: string;
  reconnectAttempts?: number;
  lastConnectedAt?: number | null;
  lastDisconnect?: { at: number; error?: string; loggedOut?: boolean } | null;
  lastError?: string | null;
  lastInboundAt?: number | null;
  lastOutboundAt?: number | null;
  probe?: ProbeResult;
  lastProbeAt?: number;
};

export type StatusIssue = { channel: string; accountId: string; kind: string; message: string; fix?: string };

export type ChannelsStatus = {
  ts: number;
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channelAccounts: Record<string, AccountStatus[]>;
  statusIssues?: StatusIssue[];
  warnings?: string[];
};

export type PairingRequest = {
  requestId: string;
  channel: string;
  channelLabel?: string;
  accountId: string;
  senderId: string;
  senderLabel?: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
};

export type PairingList = { requests: PairingRequest[] };

export const accountKey = (channel: string, accountId: string) => `${channel}\u0000${accountId}`;
