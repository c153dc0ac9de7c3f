import type { AccessConfig, GroupConfig, InboundMessage } from "./types.js";

/**
 * What to do with an admitted-to-the-queue message:
 * - `dispatch`: run the agent;
 * - `history`: a group message that did not address the bot: kept in the session, no run;
 * - `pairing`: a DM from an unknown sender under `dmPolicy: pairing`: they get a code, no run;
 * - `drop`: nothing happens (the reason is recorded and logged at debug).
 */
export type AccessDecision =
  | { kind: "dispatch"; wasMentioned: boolean; group?: GroupConfig; topicAgentId?: string }
  | { kind: "history"; group: GroupConfig }
  | { kind: "pairing" }
  | { kind: "drop"; reason: string };

export type AccessFacts = {
  access: AccessConfig;
  /** Senders approved through pairing (DM access only, never groups). */
  approvedSenders: readonly string[];
  /** Mention regexes from config (channel, agent, global), as strings. */
  mentionPatterns: readonly string[];
  normalize(raw: string): string;
  senderMatches?(entry: string, sender: InboundMessage["sender"]): boolean;
};

function matches(list: readonly string[], message: InboundMessage, facts: AccessFacts): boolean {
  const senderId = facts.normalize(message.sender.id);
  for (const entry of list) {
    if (entry === "*") return true;
    if (facts.senderMatches ? facts.senderMatches(entry, message.sender) : entry === senderId) return true;
  }
  return false;
}

/** The `groups` entry for a conversation: exact id, then a case-insensitive match, then "*". */
export function groupEntry(groups: Record<string, GroupConfig>, conversationId: string): GroupConfig | undefined {
  if (groups[conversationId]) return groups[conversationId];
  const lower = conversationId.toLowerCase();
  for (const [key, value] of Object.entries(groups)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

const compiled = new Map<string, RegExp | null>();

function compile(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(pattern, "i");
    } catch {
      re = null;
    }
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, re);
  }
  return compiled.get(pattern)!;
}

export function mentioned(message: InboundMessage, patterns: readonly string[]): boolean {
  if (message.mentionedBot || message.replyTo?.isBot) return true;
  return patterns.some((p) => compile(p)?.test(message.text) ?? false);
}

/** The three gates, in order: DM policy (with pairing), group admission, mention gating. */
export function decideAccess(message: InboundMessage, facts: AccessFacts): AccessDecision {
  const { access } = facts;
  if (message.chatType === "direct") {
    switch (access.dmPolicy) {
      case "disabled":
        return { kind: "drop", reason: "dm-disabled" };
      case "open":
        return { kind: "dispatch", wasMentioned: true };
      case "allowlist":
        return matches([...access.allowFrom, ...facts.approvedSenders], message, facts) ? { kind: "dispatch", wasMentioned: true } : { kind: "drop", reason: "dm-not-allowed" };
      case "pairing":
        return matches([...access.allowFrom, ...facts.approvedSenders], message, facts) ? { kind: "dispatch", wasMentioned: true } : { kind: "pairing" };
    }
  }
  if (access.groupPolicy === "disabled") return { kind: "drop", reason: "groups-disabled" };
  const own = groupEntry(access.groups, message.conversationId);
  const wildcard = access.groups["*"];
  if (access.groupPolicy === "allowlist" && !own && !wildcard) return { kind: "drop", reason: "group-not-allowed" };
  const group: GroupConfig = { ...(wildcard ?? {}), ...(own ?? {}) };
  if (group.enabled === false) return { kind: "drop", reason: "group-disabled" };
  const topic = message.threadId ? group.topics?.[message.threadId] : undefined;
  if (topic?.enabled === false) return { kind: "drop", reason: "topic-disabled" };
  // The group's own list, then the "*" entry's, then the account-wide one; an empty list restricts nothing.
  const senders = own?.allowFrom ?? wildcard?.allowFrom ?? (access.groupAllowFrom?.length ? access.groupAllowFrom : undefined);
  if (senders && senders.length > 0 && !matches(senders.map((s) => (s === "*" ? s : facts.normalize(String(s)))), message, facts)) {
    return { kind: "drop", reason: "sender-not-allowed-in-group" };
  }
  const requireMention = topic?.requireMention ?? group.requireMention ?? true;
  const wasMentioned = mentioned(message, facts.mentionPatterns);
  if (requireMention && !wasMentioned) return { kind: "history", group };
  return { kind: "dispatch", wasMentioned, group, ...(topic?.agentId ? { topicAgentId: topic.agentId } : {}) };
}
