import { neutralizeUntrusted } from "../agents/untrusted-content.js";
import type { InboundMessage } from "./types.js";

const LABEL_MAX = 80;

/** Names chosen by other people (group titles, display names) never break out of their brackets. */
function metadata(text: string | undefined): string {
  return (text ?? "").replace(/[\u0000-\u001f\u007f[\]]/g, " ").replace(/\s+/g, " ").trim().slice(0, LABEL_MAX);
}

function mediaText(message: InboundMessage): string {
  return (message.media ?? []).map((m) => `<media:${m.kind}>`).join(" ");
}

/**
 * The text the model reads for one channel message. Group messages carry who wrote them and
 * where; a reply quotes what it answers. Platform text is the sender's own words (with
 * chat-template tokens defused); names and titles are shown as bracketed metadata.
 */
export function agentBody(message: InboundMessage, channelLabel: string): string {
  // Chat-template tokens and marker look-alikes could forge turns or blocks; they are defused.
  const text = [neutralizeUntrusted(message.text.trim()), mediaText(message)].filter(Boolean).join(" ") || "<empty message>";
  const lines: string[] = [];
  if (message.chatType === "direct") {
    lines.push(text);
  } else {
    const where = metadata(message.conversationLabel) || metadata(message.conversationId);
    const who = metadata(message.sender.name) || metadata(message.sender.username) || "someone";
    lines.push(`[${channelLabel} ${where}] ${who} (${metadata(message.sender.id)}): ${text}`);
  }
  if (message.replyTo) {
    // Quoted lines are marked, so a quote cannot close the block early and pose as another message.
    const quoted = neutralizeUntrusted((message.replyTo.body ?? "").slice(0, 2000)).split("\n").map((line) => `> ${line}`);
    lines.push(`[Replying to ${metadata(message.replyTo.sender) || "a message"} id:${metadata(message.replyTo.id)}]`, ...quoted, "[/Replying]");
  }
  return lines.join("\n");
}

/** The silent token: a reply that is only this is not sent. */
export function isSilentReply(text: string): boolean {
  return /^\s*NO_REPLY\s*$/i.test(text);
}
