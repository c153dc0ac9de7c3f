import type { InboundMessage } from "../types.js";
import { ircLower } from "./irc-parse.js";

/** `irc:Alice` → `alice`: the form allowlist entries and sender ids are compared in. */
export function normalizeAllowEntry(raw: string): string {
  return raw.trim().replace(/^irc:/i, "").trim().toLowerCase();
}

/**
 * Whether allowlist `entry` admits `sender` (whose id is `nick!user@host`):
 * - "*" admits everyone;
 * - a bare nick matches the sender's nick;
 * - `nick!user@host` is a mask matched against the whole id, `user@host` means `*!user@host`;
 * `*` and `?` are wildcards everywhere, and case is folded the IRC way (rfc1459).
 */
export function senderMatches(entry: string, sender: InboundMessage["sender"]): boolean {
  const pattern = ircLower(normalizeAllowEntry(entry));
  if (pattern === "") return false;
  if (pattern === "*") return true;
  const id = ircLower(normalizeAllowEntry(sender.id));
  if (pattern.includes("!")) return wildcardMatch(pattern, id);
  if (pattern.includes("@")) return wildcardMatch(`*!${pattern}`, id);
  const bang = id.indexOf("!");
  const nick = bang < 0 ? id : id.slice(0, bang);
  return wildcardMatch(pattern, nick);
}

/**
 * Glob match with `*` (any run) and `?` (one character). Linear backtracking to the last star,
 * so a hostile pattern like `*a*a*a*b` costs O(pattern × text), not exponential time.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
