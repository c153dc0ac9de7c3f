import { layoutFences } from "./fence-layout.js";
import { toLf } from "./line-endings.js";
import { paragraphBreaks, splitAtBreaks } from "./split-at-breaks.js";
import { largestCharSize, type TextMeasure } from "./text-measure.js";

export type { TextMeasure } from "./text-measure.js";

/** OpenClaw's `streaming.chunkMode`: "newline" ends a chunk at every blank line, then splits by length. */
export type ChunkMode = "length" | "newline";

export interface ChunkTextOptions {
  /** Most a chunk may measure, e.g. 4096 for Telegram; at least one character's size (2 chars, 4 bytes). */
  limit: number;
  /** "chars" (UTF-16 code units, the default) or "utf8-bytes". */
  measure?: TextMeasure;
  /** "length" (the default) or "newline". */
  mode?: ChunkMode;
}

/**
 * Splits an outbound reply into chunks that each measure at most `limit`. Line endings become LF.
 * Fenced code blocks are never cut: one too big for a chunk is closed and reopened at each
 * cut. Cuts prefer a blank line, then a line break, a sentence end, a space, and only then
 * fall mid-word, never inside a surrogate pair and, when it can be helped, a grapheme cluster.
 * Whitespace at the edges of chunks may go; every other character is kept, in order.
 */
export function chunkText(text: string, options: ChunkTextOptions): string[] {
  const measure = options.measure ?? "chars";
  const mode = options.mode ?? "length";
  if (measure !== "chars" && measure !== "utf8-bytes") throw new RangeError(`unknown measure: ${String(measure)}`);
  if (mode !== "length" && mode !== "newline") throw new RangeError(`unknown chunk mode: ${String(mode)}`);
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < largestCharSize(measure)) {
    throw new RangeError(`limit must be an integer of at least ${largestCharSize(measure)} (${measure}), got ${String(limit)}`);
  }
  if (typeof text !== "string") throw new TypeError("text must be a string");
  const layout = layoutFences(toLf(text), limit, measure);
  const forcedBreaks =
    mode === "newline"
      ? [...layout.pieceBreaks, ...paragraphBreaks(layout.text, layout.atomic)].sort((a, b) => a - b)
      : layout.pieceBreaks;
  return splitAtBreaks(layout.text, { budget: limit, measure, atomic: layout.atomic, forcedBreaks });
}
