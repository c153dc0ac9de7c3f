/**
 * IRC's in-band formatting (mIRC conventions): \x02 bold, \x1D italic, \x1F underline,
 * \x1E strikethrough, \x11 monospace, \x16 reverse, \x0F reset, \x03 colour with up to two
 * digits and an optional ",background", \x04 hex colour with RRGGBB[,RRGGBB].
 */
const COLOR = /\x03(?:\d{1,2}(?:,\d{1,2})?)?/g;
const HEX_COLOR = /\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?/g;
const TOGGLES = /[\x02\x0F\x11\x16\x1D\x1E\x1F]/g;
/** Other C0 controls and DEL: nothing a person typed on purpose (tab becomes a space). */
const CONTROLS = /[\x00-\x08\x0A-\x1F\x7F]/g;

/** Inbound text as plain text: formatting codes and stray control characters removed. */
export function stripIrcFormatting(text: string): string {
  return text.replace(COLOR, "").replace(HEX_COLOR, "").replace(TOGGLES, "").replace(CONTROLS, "").replace(/\t/g, " ");
}

/** A CTCP message (`\x01VERB args\x01`, the closing \x01 optional), or null for plain text. */
export function parseCtcp(text: string): { verb: string; args: string } | null {
  if (!text.startsWith("\x01")) return null;
  const body = text.slice(1).replace(/\x01$/, "");
  const space = body.indexOf(" ");
  return { verb: (space < 0 ? body : body.slice(0, space)).toUpperCase(), args: space < 0 ? "" : body.slice(space + 1) };
}

/**
 * Outbound text made safe for a PRIVMSG: NUL (which IRC cannot carry) and \x01 (which would turn
 * a reply into a CTCP request such as DCC) are removed. CR and LF are left for ircLines, which
 * turns them into separate lines.
 */
export function outboundSafeText(text: string): string {
  return text.replace(/[\x00\x01]/g, "");
}
