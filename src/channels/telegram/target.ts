import type { ChatType, OutboundTarget } from "../types.js";

const CHAT_ID = /^-?\d{1,20}$/;
const PUBLIC_USERNAME = /^@[A-Za-z][A-Za-z0-9_]{3,31}$/;
const TOPIC = /^(.*):topic:(\d{1,12})$/i;

/**
 * `123`, `-100123`, `telegram:123`, `tg:123`, `-100123:topic:42`, `@publicgroup`; kind prefixes
 * (`user:`, `group:`, `channel:`) are accepted and dropped.
 */
export function parseTarget(raw: string): OutboundTarget | { error: string } {
  let rest = raw.trim().replace(/^(?:telegram|tg):/i, "").replace(/^(?:user|group|channel|chat):/i, "").trim();
  let threadId: string | undefined;
  const topic = TOPIC.exec(rest);
  if (topic) {
    rest = topic[1].trim();
    threadId = String(Number(topic[2]));
  }
  if (!CHAT_ID.test(rest) && !PUBLIC_USERNAME.test(rest)) {
    return { error: `not a Telegram chat: ${JSON.stringify(raw)} (expected a chat id like 123 or -100123, optionally :topic:<id>)` };
  }
  return threadId ? { conversationId: rest, threadId } : { conversationId: rest };
}

/** Users have positive ids; groups and supergroups negative ones (public `@names` are groups or channels). */
export function chatTypeOf(target: OutboundTarget): ChatType {
  return target.conversationId.startsWith("-") || target.conversationId.startsWith("@") ? "group" : "direct";
}
