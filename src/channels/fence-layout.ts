import { findFencedBlocks, type FencedBlock } from "./fenced-code.js";
import { splitAtBreaks, type Span } from "./split-at-breaks.js";
import { largestCharSize, measureText, type TextMeasure } from "./text-measure.js";

/** LF-only text prepared so that every fenced code block can be kept whole by the splitter. */
export interface FenceLayout {
  /** The text, with each block too big for one chunk rewritten as several closed, reopened pieces. */
  text: string;
  /** Each block, or piece of a rewritten block, as a span no cut may fall inside. */
  atomic: Span[];
  /** The newlines between pieces of a rewritten block, where chunks must end. */
  pieceBreaks: number[];
}

/**
 * Lays out fenced code for chunking at `limit`. A block that fits stays as written; a bigger one
 * is split by lines into pieces that each repeat the opening line (fence and info string) and
 * end with a closing fence, those added lines counted against the limit. A block whose fence
 * lines leave no room for code at this limit is left to be split as plain text.
 */
export function layoutFences(text: string, limit: number, measure: TextMeasure): FenceLayout {
  const blocks = findFencedBlocks(text);
  if (blocks.length === 0) return { text, atomic: [], pieceBreaks: [] };
  const parts: string[] = [];
  const atomic: Span[] = [];
  const pieceBreaks: number[] = [];
  let length = 0;
  let copied = 0;
  const append = (part: string): void => {
    parts.push(part);
    length += part.length;
  };
  for (const block of blocks) {
    const whole = text.slice(block.start, block.end);
    const pieces = measureText(whole, measure) <= limit ? [whole] : refence(text, block, limit, measure);
    if (pieces === null) continue;
    append(text.slice(copied, block.start));
    pieces.forEach((piece, i) => {
      if (i > 0) {
        pieceBreaks.push(length);
        append("\n");
      }
      atomic.push({ start: length, end: length + piece.length });
      append(piece);
    });
    copied = block.end;
  }
  append(text.slice(copied));
  return { text: parts.join(""), atomic, pieceBreaks };
}

function refence(text: string, block: FencedBlock, limit: number, measure: TextMeasure): string[] | null {
  const addedClose = block.fence;
  const finalClose = block.closeLine;
  const longestClose = finalClose !== null && finalClose.length > addedClose.length ? finalClose : addedClose;
  const budget = limit - measureText(block.openLine + "\n", measure) - measureText("\n" + longestClose, measure);
  if (budget < largestCharSize(measure)) return null;
  const bodies = splitAtBreaks(text.slice(block.bodyStart, block.bodyEnd), { budget, measure });
  if (bodies.length === 0) return [finalClose === null ? block.openLine : block.openLine + "\n" + finalClose];
  return bodies.map((body, i) => {
    const close = i < bodies.length - 1 ? addedClose : finalClose;
    return block.openLine + "\n" + body + (close === null ? "" : "\n" + close);
  });
}
