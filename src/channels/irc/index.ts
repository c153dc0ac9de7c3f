/**
 * The IRC channel: our own client on raw sockets (node:net / node:tls), no IRC library.
 * DMs are PRIVMSGs to our nick, groups are `#channels`; allowlists match `nick!user@host`.
 */
import type { ChannelAdapter } from "../types.js";
import { resolveIrcAccounts, type IrcAccount } from "./irc-config.js";
import { connectIrc } from "./irc-connection.js";
import { normalizeAllowEntry, senderMatches } from "./irc-mask.js";
import { probeIrc } from "./irc-probe.js";
import { chatTypeOf, parseTarget } from "./irc-target.js";

export type { IrcAccount } from "./irc-config.js";

/** No line for this long (we PING every 60 s, the server answers) means the link is dead. */
export const IRC_SILENT_AFTER_MS = 150_000;

export const adapter: ChannelAdapter<IrcAccount> = {
  id: "irc",
  label: "IRC",
  capabilities: { chatTypes: ["direct", "group"], edit: false, typing: false, media: false, threads: false },
  chunkMeasure: "utf8-bytes",
  resolveAccounts: resolveIrcAccounts,
  connect: connectIrc,
  probe: probeIrc,
  normalizeAllowEntry,
  senderMatches,
  silentAfterMs: IRC_SILENT_AFTER_MS,
  parseTarget,
  chatTypeOf,
};
