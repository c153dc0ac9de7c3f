import type { Api } from "grammy";
import { ChannelSendError, type OutboundTarget } from "../types.js";
import { botApiFailure, toSendError } from "./errors.js";
import { apiSignal } from "./api.js";

/** The General topic of a forum is thread 1: sends must omit it, typing must include it. */
const GENERAL_TOPIC = "1";

function threadOf(target: OutboundTarget, includeGeneral: boolean): { message_thread_id?: number } {
  if (!target.threadId || (!includeGeneral && target.threadId === GENERAL_TOPIC)) return {};
  const id = Number(target.threadId);
  return Number.isSafeInteger(id) && id > 0 ? { message_thread_id: id } : {};
}

function messageIdOf(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new ChannelSendError(`telegram: not a message id: ${raw}`, { permanent: true });
  return id;
}

/**
 * Sends and edits go out as plain text (no parse_mode): model output is Markdown-ish and any
 * stray `<` or `*` would otherwise make Telegram refuse the whole message with a 400.
 */
/** A hung call would hold its chat's queue; after this long it fails and is retried. */
const SEND_TIMEOUT_MS = 30_000;
const sendDeadline = () => apiSignal(AbortSignal.timeout(SEND_TIMEOUT_MS));

export function telegramOutbound(api: Api, token: string) {
  return {
    async sendText(target: OutboundTarget, text: string, opts?: { replyToId?: string }): Promise<{ messageId?: string }> {
      const replyTo = opts?.replyToId !== undefined ? Number(opts.replyToId) : NaN;
      try {
        const sent = await api.sendMessage(
          target.conversationId,
          text,
          {
            ...threadOf(target, false),
            ...(Number.isSafeInteger(replyTo) && replyTo > 0 ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
          },
          sendDeadline(),
        );
        return { messageId: String(sent.message_id) };
      } catch (err) {
        throw toSendError("sendMessage", err, token);
      }
    },

    async editText(target: OutboundTarget, messageId: string, text: string): Promise<void> {
      const id = messageIdOf(messageId);
      try {
        await api.editMessageText(target.conversationId, id, text, undefined, sendDeadline());
      } catch (err) {
        const failure = botApiFailure(err);
        if (failure?.code === 400 && /message is not modified/i.test(failure.description)) return;
        throw toSendError("editMessageText", err, token);
      }
    },

    async sendTyping(target: OutboundTarget): Promise<void> {
      try {
        await api.sendChatAction(target.conversationId, "typing", threadOf(target, true));
      } catch (err) {
        throw toSendError("sendChatAction", err, token);
      }
    },
  };
}
