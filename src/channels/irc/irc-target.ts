import type { ChatType, OutboundTarget } from "../types.js";

/** `#chan` and `&chan` are channels (RFC 2812 §1.3); anything else is a nick. */
export function isChannelName(name: string): boolean {
  return name.startsWith("#") || name.startsWith("&");
}

export function chatTypeOf(target: OutboundTarget): ChatType {
  return isChannelName(target.conversationId) ? "group" : "direct";
}

/**
 * Why `name` cannot be a PRIVMSG target, or null when it can: a space, comma or control
 * character would split it into other targets or another command, a leading ":" would make it
 * the trailing parameter.
 */
export function targetProblem(name: string): string | null {
  if (name === "") return "empty IRC target";
  if (/[\s,\x00-\x1F\x7F]/.test(name)) return `IRC target ${JSON.stringify(name)} contains a space, comma or control character`;
  if (name.startsWith(":")) return `IRC target ${JSON.stringify(name)} starts with ":"`;
  if (!isChannelName(name) && /[!@*?]/.test(name)) return `IRC target ${JSON.stringify(name)} is not a nick or channel`;
  if (name.length > 200) return "IRC target is too long";
  return null;
}

/**
 * `#chan`, `&chan`, `channel:#chan` (or `channel:chan`) → the channel; `nick`, `irc:nick`,
 * `user:nick` → a DM to that nick. `irc:` may also prefix the channel forms.
 */
export function parseTarget(raw: string): OutboundTarget | { error: string } {
  if (typeof raw !== "string") return { error: "IRC target must be a string" };
  let name = raw.trim().replace(/^irc:/i, "");
  let wantNick = false;
  if (/^channel:/i.test(name)) {
    name = name.slice("channel:".length);
    if (name !== "" && !isChannelName(name)) name = `#${name}`;
  } else if (/^user:/i.test(name)) {
    name = name.slice("user:".length);
    wantNick = true;
  }
  const problem = targetProblem(name);
  if (problem) return { error: problem };
  if (wantNick && isChannelName(name)) return { error: `user: target ${JSON.stringify(name)} is a channel` };
  return { conversationId: name };
}
