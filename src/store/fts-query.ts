const MAX_TERMS = 32;
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * An FTS5 MATCH expression for free text typed by a user: every whitespace-separated word becomes a
 * quoted phrase (so `OR`, `NEAR`, `*`, `(` and quotes are plain text), all of them required.
 * Returns null when nothing searchable is left.
 */
export function ftsMatchQuery(text: string): string | null {
  const terms = text
    .split(/\s+/)
    .filter((term) => HAS_WORD_CHARACTER.test(term))
    .slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(" ");
}
