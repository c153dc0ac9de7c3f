/**
 * Nodes (protocol §6.3 second layer, §7.4): capability hosts that connect with `role:"node"` and a
 * paired device. The node id is the device id. A node declares caps and commands at connect; an
 * operator approves that surface (`node.pair.approve`) before its commands can be invoked.
 */

/** What a node says about itself in `connect` (client fields plus caps/commands/…). */
type NodeClientFacts = {
  nodeId: string;
  clientId: string;
  clientMode: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  modelIdentifier?: string;
  remoteIp?: string;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
};

export type NodeDeclaration = NodeClientFacts & { pathEnv?: string };

/** An approved node surface, stored durably (`nodes` table). */
export type PairedNode = {
  nodeId: string;
  clientId?: string;
  clientMode?: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  modelIdentifier?: string;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  createdAtMs: number;
  approvedAtMs: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
};

/** A node surface waiting for the operator (broadcast as `node.pair.requested`). */
export type NodePairingRequest = NodeClientFacts & {
  requestId: string;
  requiredApproveScopes: string[];
  silent?: boolean;
  ts: number;
};
