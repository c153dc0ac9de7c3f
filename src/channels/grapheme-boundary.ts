const LOOKBEHIND = 64;
const LOOKAHEAD = 32;
const CR = 0x0d;
// Below U+0300 nothing extends or joins a cluster except CR LF.
const FIRST_CLUSTER_JOINER = 0x0300;

let segmenter: Intl.Segmenter | undefined;

/**
 * Moves a cut (already on a code point boundary) back to the start of the grapheme cluster it
 * would split, such as an emoji ZWJ sequence, a flag, or a letter with combining marks. The cut
 * stays where it is when that cluster starts at or before `floor` or further back than we look.
 */
export function graphemeBoundaryAtOrBefore(text: string, cut: number, floor: number): number {
  if (cut <= floor || cut >= text.length) return cut;
  const before = text.charCodeAt(cut - 1);
  if (text.charCodeAt(cut) < FIRST_CLUSTER_JOINER && before < FIRST_CLUSTER_JOINER && before !== CR) return cut;
  const from = Math.max(floor, cut - LOOKBEHIND);
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { index, segment } of segmenter.segment(text.slice(from, cut + LOOKAHEAD))) {
    const start = from + index;
    if (start >= cut) return cut;
    // A cluster starting at `from` may really start earlier, outside the window.
    if (start + segment.length > cut) return start > from ? start : cut;
  }
  return cut;
}
