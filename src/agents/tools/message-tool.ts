import { Type } from "@sinclair/typebox";
import { ToolError, type ToolDefinition } from "./types.js";

/**
 * The shared send tool, offered once a channel is configured; until channels run on this gateway
 * it says so instead of pretending.
 */
export const messageTool: ToolDefinition = {
  name: "message",
  description: "Send a message to a chat channel target (Telegram, WhatsApp, IRC).",
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
  async execute(args) {
    const action = typeof args.action === "string" ? args.action : "send";
    if (action !== "send") throw new ToolError(`message action "${action}" is not supported; use "send"`, "invalid_arguments");
    throw new ToolError("no chat channel is running on this gateway, so the message was not sent; reply in this conversation instead", "unavailable");
  },
};
