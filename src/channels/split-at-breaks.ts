import { graphemeBoundaryAtOrBefore } from "./grapheme-boundary.js";
import { fitEnd, type TextMeasure } from "./text-measure.js";

/** A half-open range [start, end) of a text. */
export interface Span {
  start: number;
  end: number;
}

export interface SplitOptions {
  /** Most a chunk may measure. */
  budget: number;
  measure: TextMeasure;
  /** Sorted, disjoint spans that no cut may fall inside; each must fit `budget` on its own. */
  atomic?: readonly Span[];
  /** Sorted indexes of newlines at which a chunk must end. */
  forcedBreaks?: readonly number[];
}

const LF = 0x0a;

/**
 * Splits LF-only text into chunks of at most `budget`, cutting at the last paragraph break
 * that fits, else the last line break, sentence end, breakable space, and only then mid-word
 * (on a grapheme boundary when one is near). Chunks lose trailing whitespace and the blank
 * lines before them, keep the indentation of a line they start, and are never empty.
 */
export function splitAtBreaks(text: string, options: SplitOptions): string[] {
  const { budget, measure } = options;
  const atomic = options.atomic ?? [];
  const forced = options.forcedBreaks ?? [];
  const chunks: string[] = [];
  let spanIndex = 0;
  let forcedIndex = 0;
  let pos = contentStart(text, 0);
  while (pos < text.length) {
    while (forcedIndex < forced.length && forced[forcedIndex]! <= pos) forcedIndex++;
    while (spanIndex < atomic.length && atomic[spanIndex]!.end <= pos) spanIndex++;
    const end = fitEnd(text, pos, budget, measure);
    const nextForced = forced[forcedIndex] ?? Infinity;
    let cut: number;
    if (nextForced <= end) cut = nextForced;
    else if (end === text.length) cut = end;
    else cut = chooseCut(text, pos, end, atomic, spanIndex);
    chunks.push(text.slice(pos, cut).trimEnd());
    pos = contentStart(text, cut);
  }
  return chunks;
}

/** Newlines that end a paragraph (the next line is blank), outside the atomic spans. */
export function paragraphBreaks(text: string, atomic: readonly Span[] = []): number[] {
  const breaks: number[] = [];
  let spanIndex = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    while (spanIndex < atomic.length && atomic[spanIndex]!.end <= i) spanIndex++;
    const span = atomic[spanIndex];
    if (span !== undefined && span.start <= i) {
      i = span.end - 1;
      continue;
    }
    if (isBlankLineAfter(text, i)) breaks.push(i);
  }
  return breaks;
}

/** Picks where the chunk starting at `pos` ends; `end` is the furthest that fits, short of the text's end. */
function chooseCut(text: string, pos: number, end: number, atomic: readonly Span[], spanIndex: number): number {
  const floor = firstNonWhitespace(text, pos);
  let k = spanIndex;
  while (k < atomic.length && atomic[k]!.start <= end) k++;
  k--;
  const endSpan = k >= spanIndex && end < atomic[k]!.end ? atomic[k]! : undefined;
  let line = -1;
  let sentence = -1;
  let space = -1;
  for (let c = end; c > floor; c--) {
    if (k >= spanIndex && c < atomic[k]!.end) {
      c = atomic[k]!.start;
      k--;
      continue;
    }
    const code = text.charCodeAt(c);
    if (code === LF) {
      if (isBlankLineAfter(text, c)) return c;
      if (line < 0) line = c;
    } else if (line < 0) {
      if (isBreakableSpace(code)) {
        if (space < 0) space = c;
        if (sentence < 0 && endsSentence(text, c)) sentence = c;
      } else if (sentence < 0 && isCjkSentenceEnd(text.charCodeAt(c - 1))) {
        sentence = c;
      }
    }
  }
  if (line >= 0) return line;
  if (sentence >= 0) return sentence;
  if (space >= 0) return space;
  // Unreachable for a span that fits alone (the newline before it is a candidate), but never cut one.
  if (endSpan !== undefined) return endSpan.start - 1;
  return graphemeBoundaryAtOrBefore(text, end, floor);
}

/** Where the chunk after a cut at `from` starts: past whitespace, but at the indentation of a new line. */
function contentStart(text: string, from: number): number {
  let lineStart = from === 0 ? 0 : -1;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === LF) lineStart = i + 1;
    else if (!isWhitespace(code)) return lineStart >= 0 ? lineStart : i;
  }
  return text.length;
}

function firstNonWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

function isBlankLineAfter(text: string, newline: number): boolean {
  let i = newline + 1;
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  return i >= text.length || text.charCodeAt(i) === LF;
}

/** ". ", "! ", "? ", also with a closing quote or bracket between, as in `."` or `?)`. */
function endsSentence(text: string, space: number): boolean {
  let p = space - 1;
  if (isCloser(text.charCodeAt(p))) p--;
  const code = text.charCodeAt(p);
  return code === 0x2e || code === 0x21 || code === 0x3f;
}

function isCloser(code: number): boolean {
  return code === 0x22 || code === 0x27 || code === 0x29 || code === 0x5d || code === 0x201d || code === 0x2019 || code === 0xbb;
}

/** 。！？ end a sentence with no space after them. */
function isCjkSentenceEnd(code: number): boolean {
  return code === 0x3002 || code === 0xff01 || code === 0xff1f;
}

/** Whitespace a line may wrap at: not LF (ranked higher) and not the no-break spaces. */
function isBreakableSpace(code: number): boolean {
  if (code === 0xa0 || code === 0x2007 || code === 0x202f || code === 0xfeff) return false;
  return code !== LF && isWhitespace(code);
}

/** Exactly the characters of the `\s` regex class, which `trimEnd` also removes. */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
