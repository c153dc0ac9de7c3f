import { Type } from "@sinclair/typebox";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import type { ChannelManager } from "../channels/manager.js";
import type { GatewayContext } from "../server/context.js";
import { defineMethod } from "./registry.js";

const ChannelTarget = compileSchema(
  Type.Object({ channel: Type.String({ minLength: 1 }), accountId: Type.Optional(Type.String()) }, { additionalProperties: false }),
);

export function channelsOf(gateway: GatewayContext): ChannelManager {
  if (!gateway.channels) throw unavailable("channels are not available in this gateway");
  return gateway.channels;
}

export function invalid(message: string): GatewayError {
  return new GatewayError({ code: ErrorCodes.invalidRequest, message });
}

/** Runs channel work for an RPC: a plain error (a bad target, an unknown account) becomes INVALID_REQUEST. */
export async function asRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw invalid((err as Error).message);
  }
}

export const channelsStartMethod = defineMethod({
  name: "channels.start",
  scope: Scope.admin,
  params: ChannelTarget,
  handler: ({ params, gateway }) =>
    asRequest(async () => {
      const started = await channelsOf(gateway).startAccount(params.channel, params.accountId || undefined);
      return { ok: true, channel: params.channel, accountIds: started };
    }),
});

export const channelsStopMethod = defineMethod({
  name: "channels.stop",
  scope: Scope.admin,
  params: ChannelTarget,
  handler: ({ params, gateway }) =>
    asRequest(async () => {
      const stopped = await channelsOf(gateway).stopAccount(params.channel, params.accountId || undefined);
      return { ok: true, channel: params.channel, accountIds: stopped };
    }),
});

export const channelsLogoutMethod = defineMethod({
  name: "channels.logout",
  scope: Scope.admin,
  params: ChannelTarget,
  handler: ({ params, gateway }) =>
    asRequest(async () => {
      const manager = channelsOf(gateway);
      const found = manager.account(params.channel, params.accountId || undefined);
      if ("error" in found) throw invalid(found.error);
      await manager.stopAccount(params.channel, found.runner.resolved.accountId);
      if (!found.adapter.login) return { channel: params.channel, accountId: found.runner.resolved.accountId, cleared: false, loggedOut: false, message: `${found.adapter.label} has no stored login to clear; it was stopped` };
      const result = await manager.logout(params.channel, found.runner.resolved.accountId);
      return { channel: params.channel, accountId: found.runner.resolved.accountId, ...result };
    }),
});
