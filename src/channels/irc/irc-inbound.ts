import type { InboundMessage } from "../types.js";
import { parseCtcp, stripIrcFormatting } from "./irc-format.js";
import { ircLower, isUserSource, parseSource, type IrcLine } from "./irc-parse.js";
import { isChannelName } from "./irc-target.js";

export type InboundFacts = {
  accountId: string;
  /** Our current nick. */
  selfNick: string;
  /** Nicks whose messages are not conversations (NickServ). */
  ignoreNicks?: readonly string[];
};

/** Characters a nick may hold besides letters and digits: a mention must not touch one. */
const NICK_CHAR = "A-Za-z0-9_\\-\\[\\]\\\\^{}|`";
/** Prefixes some servers put before a channel to address only its ops or voiced users (STATUSMSG). */
const STATUS_PREFIX = /^[@+%]+(?=[#&])/;

let sequence = 0;

/** IRC messages have no ids: a msgid tag when the server sends one, else a process-unique one. */
function messageIdOf(line: IrcLine): string {
  const tagged = line.tags.msgid;
  if (tagged && tagged.length <= 200) return tagged;
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${Date.now()}-${sequence}`;
}

function timestampOf(line: IrcLine): number {
  const t = line.tags.time ? Date.parse(line.tags.time) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

/**
 * Whether `text` names `nick` as a word: `\bnick\b[:,]?` with nick characters as the word
 * characters (so `bot[m]` and `_bot` work, and `bot-2` is not `bot`), case-insensitively.
 * (The optional `[:,]` of the address form cannot change whether it matches, so it is left out.)
 */
export function mentionsNick(text: string, nick: string): boolean {
  if (nick === "") return false;
  const escaped = nick.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  return new RegExp(`(?<![${NICK_CHAR}])${escaped}(?![${NICK_CHAR}])`, "i").test(text);
}

/**
 * A PRIVMSG as core's InboundMessage, or null for what is not a conversation: our own echoes,
 * lines from servers or services, CTCP requests other than ACTION, targets that are neither a
 * channel nor us, and messages left empty once formatting is stripped.
 */
export function inboundFromPrivmsg(line: IrcLine, facts: InboundFacts): InboundMessage | null {
  if (line.command !== "PRIVMSG" || !line.prefix || line.params.length < 2) return null;
  const source = parseSource(line.prefix);
  if (!isUserSource(source)) return null;
  const senderKey = ircLower(source.nick);
  if (senderKey === ircLower(facts.selfNick)) return null;
  if (facts.ignoreNicks?.some((n) => ircLower(n) === senderKey)) return null;

  const target = line.params[0].replace(STATUS_PREFIX, "");
  let raw = line.params[line.params.length - 1];
  const ctcp = parseCtcp(raw);
  if (ctcp) {
    if (ctcp.verb !== "ACTION") return null;
    raw = ctcp.args;
  }
  const body = stripIrcFormatting(raw).trim();
  if (body === "") return null;

  const isGroup = isChannelName(target);
  if (!isGroup && ircLower(target) !== ircLower(facts.selfNick)) return null;
  return {
    accountId: facts.accountId,
    messageId: messageIdOf(line),
    timestamp: timestampOf(line),
    chatType: isGroup ? "group" : "direct",
    conversationId: isGroup ? target : source.nick,
    sender: { id: `${source.nick}!${source.user}@${source.host}`, name: source.nick },
    text: ctcp ? `* ${source.nick} ${body}` : body,
    mentionedBot: mentionsNick(body, facts.selfNick),
    ...(isGroup ? { conversationLabel: target } : {}),
  };
}
