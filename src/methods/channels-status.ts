import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { configuredChannels } from "../server/channel-summary.js";
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

export const channelsStatusMethod = defineMethod({
  name: "channels.status",
  scope: Scope.read,
  params: ChannelsStatusParams,
  handler({ params, gateway }) {
    const channels = configuredChannels(gateway.config().config).filter((c) => !params.channel || c.id === params.channel);
    return {
      ts: Date.now(),
      channelOrder: channels.map((c) => c.id),
      channelLabels: Object.fromEntries(channels.map((c) => [c.id, c.label])),
      channelDetailLabels: Object.fromEntries(channels.map((c) => [c.id, c.label])),
      channelSystemImages: {},
      channelMeta: channels.map((c) => ({ id: c.id, label: c.label, detailLabel: c.label })),
      eventLoop: gateway.eventLoop.sample(),
      channels: Object.fromEntries(channels.map((c) => [c.id, { configured: true, running: false }])),
      channelAccounts: Object.fromEntries(channels.map((c) => [c.id, c.accounts])),
      channelDefaultAccountId: Object.fromEntries(channels.map((c) => [c.id, c.defaultAccountId])),
      statusIssues: channels.flatMap((c) =>
        c.accounts.map((a) => ({ channel: c.id, accountId: a.accountId, kind: "runtime" as const, message: a.lastError ?? "not running" })),
      ),
    };
  },
});
