import { Type } from "@sinclair/typebox";
import { ToolError, type ToolDefinition } from "./types.js";

const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : undefined);

/** The shared send tool, offered once a channel is configured; messages leave through the channel's durable queue. */
export const messageTool: ToolDefinition = {
  name: "message",
  description:
    "Send a message to a chat channel target. target: Telegram chat id (-100…:topic:42 for a topic), IRC #channel or nick, WhatsApp +E.164 number or group JID; " +
    "channel: telegram | whatsapp | irc (or prefix the target, e.g. irc:#ops).",
  parameters: Type.Object({
    action: Type.Optional(Type.String({ description: "send (default)" })),
    channel: Type.Optional(Type.String()),
    target: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    accountId: Type.Optional(Type.String()),
    threadId: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  }),
  enabled: (config) => Object.keys(config.channels ?? {}).length > 0,
  async execute(args, ctx) {
    const action = typeof args.action === "string" ? args.action : "send";
    if (action !== "send") throw new ToolError(`message action "${action}" is not supported; use "send"`, "invalid_arguments");
    const to = str(args.target) ?? str(args.to);
    const text = typeof args.message === "string" ? args.message : "";
    if (!to) throw new ToolError("say where to send: target (a chat id, #channel, nick or phone number)", "invalid_arguments");
    if (!text.trim()) throw new ToolError("message is empty", "invalid_arguments");
    try {
      const sent = await ctx.host.messages.send({
        channel: str(args.channel),
        accountId: str(args.accountId),
        to,
        text,
        threadId: str(args.threadId),
        idempotencyKey: `tool:${ctx.runId ?? ctx.sessionKey}:${ctx.toolCallId}`,
      });
      return { content: sent.queued ? `Queued for ${sent.channel} ${sent.conversationId}; it is sent when the channel reconnects.` : `Sent to ${sent.channel} ${sent.conversationId}.`, details: sent };
    } catch (err) {
      throw new ToolError(`message not sent: ${(err as Error).message}`, "failed");
    }
  },
};
