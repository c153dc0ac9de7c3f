import { Type } from "@sinclair/typebox";
import { ErrorCodes, GatewayError } from "../protocol/errors.js";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { catalogEntry } from "../channels/catalog.js";
import { channelViews } from "../server/channel-summary.js";
import type { GatewayContext } from "../server/context.js";
import type { AccountStatus, ChannelsStatus, StatusIssue } from "../channels/status-types.js";
import { defineMethod } from "./registry.js";

const ChannelsStatusParams = compileSchema(
  Type.Object(
    {
      probe: Type.Optional(Type.Boolean()),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
      channel: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
);

const MIN_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 30_000;

function issueKind(snapshot: { configured: boolean; lifecycle: string; lastDisconnect: { loggedOut?: boolean } | null }): StatusIssue["kind"] {
  if (!snapshot.configured) return "config";
  if (snapshot.lifecycle === "blocked" || snapshot.lastDisconnect?.loggedOut) return "auth";
  return "runtime";
}

async function channelsStatus(gateway: GatewayContext, params: { probe?: boolean; timeoutMs?: number; channel?: string }): Promise<ChannelsStatus> {
  if (params.channel && !catalogEntry(params.channel) && !gateway.channels?.configuredIds().includes(params.channel)) {
    throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `unknown channel: ${params.channel}` });
  }
  const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, params.timeoutMs ?? (params.probe ? MAX_TIMEOUT_MS : 10_000)));
  const views = channelViews(gateway, params.channel);
  const channels: Record<string, unknown> = {};
  const channelAccounts: Record<string, AccountStatus[]> = {};
  const statusIssues: StatusIssue[] = [];
  const warnings: string[] = [];
  await Promise.all(
    views.map(async (view) => {
      const accounts = await Promise.all(
        view.accounts.map(async (account): Promise<AccountStatus> => {
          if (!params.probe || !account.enabled || !account.configured) return account;
          const probe = await gateway.channels!.probe(view.id, account.accountId, timeoutMs);
          if (!probe) return account;
          if (!probe.ok) warnings.push(`${view.id}/${account.accountId}: probe failed: ${probe.error ?? "unknown error"}`);
          return { ...account, probe, lastProbeAt: Date.now() };
        }),
      );
      channelAccounts[view.id] = accounts;
      const main = accounts.find((a) => a.accountId === view.defaultAccountId) ?? accounts[0];
      channels[view.id] = { ...main, configured: accounts.some((a) => a.configured), running: accounts.some((a) => a.running) };
      for (const a of accounts) {
        if (a.connected || !a.lastError) continue;
        statusIssues.push({
          channel: view.id,
          accountId: a.accountId,
          kind: issueKind(a),
          message: a.lastError,
          ...(a.lastDisconnect?.loggedOut ? { fix: `openclaw channels login --channel ${view.id}${a.accountId === "default" ? "" : ` --account ${a.accountId}`}` } : {}),
        });
      }
    }),
  );
  return {
    ts: Date.now(),
    channelOrder: views.map((v) => v.id),
    channelLabels: Object.fromEntries(views.map((v) => [v.id, v.label])),
    channelDetailLabels: Object.fromEntries(views.map((v) => [v.id, v.label])),
    channelSystemImages: {},
    channelMeta: views.map((v) => ({ id: v.id, label: v.label, detailLabel: v.label })),
    eventLoop: gateway.eventLoop.sample(),
    channels,
    channelAccounts,
    channelDefaultAccountId: Object.fromEntries(views.map((v) => [v.id, v.defaultAccountId])),
    statusIssues: statusIssues.slice(0, 50),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export const channelsStatusMethod = defineMethod({
  name: "channels.status",
  scope: Scope.read,
  params: ChannelsStatusParams,
  handler: ({ params, gateway }) => channelsStatus(gateway, params),
});
