export type { AccountStatus, ChannelsStatus, ProbeResult, StatusIssue } from "../../../../src/channels/status-types";

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
