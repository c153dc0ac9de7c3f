import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import type { ChannelManager } from "../channels/manager.js";
import { asRequest, channelsOf, invalid } from "./channels-control.js";
import { defineMethod } from "./registry.js";

const Opt = Type.Optional;

const SendParams = compileSchema(
  Type.Object(
    {
      to: Type.String({ minLength: 1 }),
      message: Opt(Type.String()),
      mediaUrl: Opt(Type.String()),
      mediaUrls: Opt(Type.Array(Type.String())),
      buffer: Opt(Type.String()),
      filename: Opt(Type.String()),
      contentType: Opt(Type.String()),
      asVoice: Opt(Type.Boolean()),
      gifPlayback: Opt(Type.Boolean()),
      channel: Opt(Type.String()),
      accountId: Opt(Type.String()),
      agentId: Opt(Type.String()),
      replyToId: Opt(Type.String()),
      threadId: Opt(Type.String()),
      forceDocument: Opt(Type.Boolean()),
      silent: Opt(Type.Boolean()),
      parseMode: Opt(Type.Literal("HTML")),
      sessionKey: Opt(Type.String()),
      idempotencyKey: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
);

type OutboundRequest = Parameters<ChannelManager["sendMessage"]>[0];

/** Media has no upload path yet: links go out as text, as IRC does for attachments. */
export function textWithMedia(message: string | undefined, media: string[]): string {
  return [message ?? "", ...media.map((url) => `Attachment: ${url}`)].filter((s) => s.trim() !== "").join("\n");
}

function sendOutbound(manager: ChannelManager, req: OutboundRequest) {
  return asRequest(async () => ({ runId: req.idempotencyKey, ...(await manager.sendMessage(req)) }));
}

export const sendMethod = defineMethod({
  name: "send",
  scope: Scope.write,
  params: SendParams,
  handler({ params, gateway }) {
    if (params.buffer) throw invalid("sending an uploaded buffer is not supported by this gateway; pass mediaUrl instead");
    const media = [...(params.mediaUrl ? [params.mediaUrl] : []), ...(params.mediaUrls ?? [])];
    return sendOutbound(channelsOf(gateway), {
      channel: params.channel,
      accountId: params.accountId,
      to: params.to,
      text: textWithMedia(params.message, media),
      threadId: params.threadId,
      replyToId: params.replyToId,
      idempotencyKey: params.idempotencyKey,
    });
  },
});

const MessageActionParams = compileSchema(
  Type.Object(
    {
      channel: Type.String({ minLength: 1 }),
      action: Type.String({ minLength: 1 }),
      params: Type.Record(Type.String(), Type.Unknown()),
      accountId: Opt(Type.String()),
      idempotencyKey: Type.String({ minLength: 1 }),
    },
    { additionalProperties: true },
  ),
);

const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined);

/** The shared `message` action surface; this gateway implements `send`. */
export const messageActionMethod = defineMethod({
  name: "message.action",
  scope: Scope.write,
  params: MessageActionParams,
  async handler({ params, gateway }) {
    if (params.action !== "send") throw invalid(`message action "${params.action}" is not supported by this gateway (supported: send)`);
    const p = params.params;
    const to = str(p.target) ?? str(p.to);
    if (!to) throw invalid("message send needs a target");
    const media = [str(p.media), str(p.mediaUrl)].filter((m): m is string => !!m);
    const result = await sendOutbound(channelsOf(gateway), {
      channel: params.channel,
      accountId: str(p.accountId) ?? str(params.accountId),
      to,
      text: textWithMedia(str(p.message), media),
      threadId: str(p.threadId),
      replyToId: str(p.replyTo) ?? str(p.replyToId),
      idempotencyKey: params.idempotencyKey,
    });
    return { ok: true, action: "send", ...result };
  },
});
