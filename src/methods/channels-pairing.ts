import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { channelLabel } from "../channels/catalog.js";
import { approveCode, PAIRING_PENDING_PER_ACCOUNT, PAIRING_TTL_MS, pendingRequests } from "../channels/pairing.js";
import { channelsOf, invalid } from "./channels-control.js";
import { defineMethod } from "./registry.js";

const NonEmpty = Type.String({ minLength: 1 });

const ListParams = compileSchema(Type.Object({ channel: Type.Optional(NonEmpty), accountId: Type.Optional(NonEmpty) }, { additionalProperties: false }));
const ApproveParams = compileSchema(
  Type.Object(
    { channel: NonEmpty, accountId: NonEmpty, requestId: NonEmpty, notify: Type.Optional(Type.Boolean()), bootstrapCommandOwner: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
);
const DismissParams = compileSchema(Type.Object({ channel: NonEmpty, accountId: NonEmpty, requestId: NonEmpty }, { additionalProperties: false }));

const iso = (ms: number) => new Date(ms).toISOString();

function ownerConfigured(config: unknown): boolean {
  const owners = (config as { commands?: { ownerAllowFrom?: unknown } }).commands?.ownerAllowFrom;
  return Array.isArray(owners) && owners.length > 0;
}

export const channelsPairingListMethod = defineMethod({
  name: "channels.pairing.list",
  scope: Scope.pairing,
  params: ListParams,
  async handler({ params, gateway }) {
    const manager = channelsOf(gateway);
    const store = await manager.store();
    const accounts = manager
      .views(params.channel)
      .filter((v) => !v.blocked)
      .flatMap((v) => v.accounts.filter((a) => !params.accountId || a.accountId === params.accountId).map((a) => ({ channel: v.id, channelLabel: v.label, accountId: a.accountId, notifySupported: true })));
    const requests = pendingRequests(store, params.channel ?? null, params.accountId ?? null).map((r) => ({
      requestId: r.code,
      channel: r.channel,
      channelLabel: channelLabel(r.channel),
      accountId: r.accountId,
      senderId: r.senderId,
      senderLabel: r.senderLabel,
      ...(Object.keys(r.metadata).length > 0 ? { metadata: r.metadata } : {}),
      createdAt: iso(r.createdAt),
      lastSeenAt: iso(r.lastSeenAt),
      expiresAt: iso(r.expiresAt),
      notifySupported: true,
    }));
    return { accounts, requests, commandOwnerConfigured: ownerConfigured(gateway.config().config), limits: { pendingPerAccount: PAIRING_PENDING_PER_ACCOUNT, ttlMs: PAIRING_TTL_MS } };
  },
});

export const channelsPairingApproveMethod = defineMethod({
  name: "channels.pairing.approve",
  scope: Scope.pairing,
  params: ApproveParams,
  scopeFor: (params) => (params.bootstrapCommandOwner ? Scope.admin : Scope.pairing),
  async handler({ params, gateway }) {
    const manager = channelsOf(gateway);
    const store = await manager.store();
    const request = approveCode(store, params.channel, params.requestId, params.accountId);
    if (!request) throw invalid(`no pending ${channelLabel(params.channel)} pairing request ${params.requestId} for account ${params.accountId} (it may have expired; the sender gets a new code when they write again)`);
    let notification: "not-requested" | "sent" | "unsupported" | "failed" = "not-requested";
    const conversationId = request.metadata.conversationId;
    if (params.notify) {
      if (!conversationId) notification = "unsupported";
      else {
        try {
          await manager.send({ channel: request.channel, accountId: request.accountId, to: conversationId, text: "You are approved: your messages now reach the assistant.", idempotencyKey: `pairing-approved:${request.channel}:${request.accountId}:${request.code}` });
          notification = "sent";
        } catch {
          notification = "failed";
        }
      }
    }
    const commandOwnerBootstrap = !params.bootstrapCommandOwner ? "not-requested" : ownerConfigured(gateway.config().config) ? "already-configured" : "unavailable";
    return { requestId: request.code, senderId: request.senderId, notification, commandOwnerBootstrap };
  },
});

export const channelsPairingDismissMethod = defineMethod({
  name: "channels.pairing.dismiss",
  scope: Scope.pairing,
  params: DismissParams,
  async handler({ params, gateway }) {
    const store = await channelsOf(gateway).store();
    const request = store.pairingByCode(params.channel, params.requestId.trim().toUpperCase(), params.accountId);
    if (!request) throw invalid(`no pending ${channelLabel(params.channel)} pairing request ${params.requestId} for account ${params.accountId}`);
    store.deletePairingRequest(request.channel, request.accountId, request.senderId);
    return { requestId: request.code, senderId: request.senderId };
  },
});
