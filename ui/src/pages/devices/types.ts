import type { DeviceTokenSummary, ListedDevice, PairingRequest } from "../../../../src/devices/types";

/** A pending request as `device.pair.list` shows it (the gateway's own shape, without the key). */
export type PendingDevice = Omit<PairingRequest, "publicKey" | "reason" | "silent">;

export type TokenSummary = DeviceTokenSummary;

export type PairedDevice = ListedDevice;

export type DevicePairList = { pending: PendingDevice[]; paired: PairedDevice[] };

export type NodeEntry = {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  remoteIp?: string;
  caps?: string[];
  commands?: string[];
  approvalState?: string;
  pendingRequestId?: string;
  declaredCommands?: string[];
  connected: boolean;
  paired: boolean;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
};

export type PendingNode = {
  requestId: string;
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  remoteIp?: string;
  caps: string[];
  commands: string[];
  requiredApproveScopes?: string[];
  isRepair?: boolean;
  ts: number;
};

export type NodeList = { ts: number; nodes: NodeEntry[] };
export type NodePairList = { pending: PendingNode[] };

export const DEVICE_EVENTS = ["device.pair.requested", "device.pair.resolved", "device.pair.changed", "presence"];
export const NODE_EVENTS = ["node.pair.requested", "node.pair.resolved", "node.presence", "node.runnerInventory.changed", "presence"];

export const shortId = (id: string) => (id.length > 12 ? `${id.slice(0, 12)}…` : id);
