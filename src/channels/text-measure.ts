/** How a platform counts message length: UTF-16 code units (Telegram, WhatsApp) or UTF-8 bytes (IRC). */
export type TextMeasure = "chars" | "utf8-bytes";

export function measureText(text: string, measure: TextMeasure): number {
  return measure === "chars" ? text.length : Buffer.byteLength(text, "utf8");
}

/** The most one code point can measure: a limit below it could not always make progress. */
export function largestCharSize(measure: TextMeasure): number {
  return measure === "chars" ? 2 : 4;
}

/**
 * Exclusive end of the longest slice of `text` from `start` that measures at most `budget`,
 * never ending between the two halves of a surrogate pair. Runs in O(budget).
 */
export function fitEnd(text: string, start: number, budget: number, measure: TextMeasure): number {
  if (measure === "chars") {
    const end = start + budget;
    if (end >= text.length) return text.length;
    return isSurrogatePairAt(text, end - 1) ? end - 1 : end;
  }
  let used = 0;
  let i = start;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    const pair = isSurrogatePairAt(text, i);
    // A lone surrogate is encoded as U+FFFD, three bytes, as Buffer.byteLength counts it.
    const size = unit < 0x80 ? 1 : unit < 0x800 ? 2 : pair ? 4 : 3;
    if (used + size > budget) break;
    used += size;
    i += pair ? 2 : 1;
  }
  return i;
}

function isSurrogatePairAt(text: string, i: number): boolean {
  const high = text.charCodeAt(i);
  if (!(high >= 0xd800 && high <= 0xdbff)) return false;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}
