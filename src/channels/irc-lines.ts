import { findFencedBlocks } from "./fenced-code.js";
import { toLf } from "./line-endings.js";
import { splitAtBreaks } from "./split-at-breaks.js";

/** IRC's line limit (RFC 1459 §2.3, RFC 2812 §2.3): command, parameters and CRLF together. */
export const IRC_LINE_BYTES = 512;

/**
 * Bytes kept free for the `:nick!user@host ` prefix a server adds when relaying our line, when
 * its real length is unknown: ":" + nick (32) + "!" + user (10, plus "~") + "@" + host (63) + " ".
 */
export const IRC_RELAY_PREFIX_MARGIN = 110;

const SMALLEST_PAYLOAD = 4;

/**
 * Bytes left for the text in `PRIVMSG <target> :<text>\r\n`. Pass `nickPrefixBytes` when the
 * relay prefix's length is known; 0 (the default) reserves IRC_RELAY_PREFIX_MARGIN instead.
 */
export function ircPayloadBudget(target: string, nickPrefixBytes = 0): number {
  if (typeof target !== "string" || target === "" || /[\s\0]/.test(target)) {
    throw new RangeError(`not an IRC target: ${JSON.stringify(target)}`);
  }
  if (!Number.isInteger(nickPrefixBytes) || nickPrefixBytes < 0) {
    throw new RangeError(`nickPrefixBytes must be a non-negative integer, got ${String(nickPrefixBytes)}`);
  }
  const reserved = nickPrefixBytes > 0 ? nickPrefixBytes : IRC_RELAY_PREFIX_MARGIN;
  const budget = IRC_LINE_BYTES - Buffer.byteLength(`PRIVMSG ${target} :\r\n`, "utf8") - reserved;
  if (budget < SMALLEST_PAYLOAD) throw new RangeError(`target ${JSON.stringify(target)} leaves no room for text`);
  return budget;
}

export interface IrcLinesOptions {
  /** Most UTF-8 bytes a line may take, e.g. ircPayloadBudget(target); at least 4. */
  maxBytes: number;
}

/**
 * Turns a reply into IRC message lines, IRC having no multi-line messages: one line per text
 * line, blank lines dropped, code fence lines dropped while the code's lines are kept, and lines
 * longer than `maxBytes` split like chunkText splits (space, then mid-word on a character
 * boundary). NUL, which IRC cannot carry, is removed.
 */
export function ircLines(text: string, options: IrcLinesOptions): string[] {
  const { maxBytes } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < SMALLEST_PAYLOAD) {
    throw new RangeError(`maxBytes must be an integer of at least ${SMALLEST_PAYLOAD}, got ${String(maxBytes)}`);
  }
  const normalized = toLf(text).replaceAll("\0", "");
  const lines: string[] = [];
  let copied = 0;
  for (const block of findFencedBlocks(normalized)) {
    addLines(lines, normalized.slice(copied, block.start), maxBytes);
    addLines(lines, normalized.slice(block.bodyStart, block.bodyEnd), maxBytes);
    copied = block.end;
  }
  addLines(lines, normalized.slice(copied), maxBytes);
  return lines;
}

function addLines(lines: string[], text: string, maxBytes: number): void {
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line === "") continue;
    if (Buffer.byteLength(line, "utf8") <= maxBytes) {
      lines.push(line);
      continue;
    }
    for (const part of splitAtBreaks(line, { budget: maxBytes, measure: "utf8-bytes" })) lines.push(part);
  }
}
