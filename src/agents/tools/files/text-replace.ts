import { ToolError } from "../types.js";

export type Replacement = { oldText: string; newText: string };

/** One applied replacement, by line numbers before and after. */
export type ReplacedSpan = { oldStart: number; oldEnd: number; newStart: number; newEnd: number };

export type ReplaceOutcome = { text: string; spans: ReplacedSpan[] };

const MAX_LISTED_MATCHES = 5;
const MAX_COUNTED_MATCHES = 1000;

/**
 * Applies exact, unique replacements, each located in the original text (so one cannot match
 * what another inserted). A CRLF file also matches `oldText` written with plain newlines.
 */
export function replaceUnique(text: string, replacements: Replacement[], fileName: string): ReplaceOutcome {
  const located = replacements.map((r, i) => locate(text, r, replacements.length > 1 ? `edits[${i}]` : "oldText", fileName));
  const order = located.map((_, i) => i).sort((a, b) => located[a].index - located[b].index);
  for (let k = 1; k < order.length; k++) {
    const before = located[order[k - 1]];
    const after = located[order[k]];
    if (before.index + before.oldText.length > after.index) {
      throw new ToolError(`edits[${order[k - 1]}] and edits[${order[k]}] overlap in ${fileName}; merge them into one edit`, "invalid_arguments");
    }
  }

  let result = "";
  let copied = 0;
  let lineShift = 0;
  const spans: ReplacedSpan[] = [];
  for (const i of order) {
    const { index, oldText, newText } = located[i];
    result += text.slice(copied, index) + newText;
    copied = index + oldText.length;
    const oldStart = lineAt(text, index);
    const oldEnd = oldStart + countNewlines(oldText);
    const newStart = oldStart + lineShift;
    const newEnd = newStart + countNewlines(newText);
    spans.push({ oldStart, oldEnd, newStart, newEnd });
    lineShift += newEnd - newStart - (oldEnd - oldStart);
  }
  return { text: result + text.slice(copied), spans };
}

type Located = { index: number; oldText: string; newText: string };

function locate(text: string, replacement: Replacement, label: string, fileName: string): Located {
  const { oldText, newText } = replacement;
  if (oldText === "") throw new ToolError(`${label} is empty; give the exact text to replace`, "invalid_arguments");
  if (oldText === newText) throw new ToolError(`${label}: oldText and newText are identical, so nothing would change`, "invalid_arguments");
  let matches = occurrences(text, oldText);
  let located: Located = { index: matches[0] ?? -1, oldText, newText };
  if (matches.length === 0 && text.includes("\r\n") && oldText.includes("\n") && !oldText.includes("\r\n")) {
    const crlf = { oldText: oldText.replace(/\n/g, "\r\n"), newText: newText.replace(/\r?\n/g, "\r\n") };
    matches = occurrences(text, crlf.oldText);
    located = { index: matches[0] ?? -1, ...crlf };
  }
  if (matches.length === 0) {
    throw new ToolError(
      `${label} was not found in ${fileName}. It must match the file exactly, including whitespace and indentation; read the file again and copy the text.`,
      "failed",
      { path: fileName, matches: 0 },
    );
  }
  if (matches.length > 1) {
    const lines = matches.slice(0, MAX_LISTED_MATCHES).map((m) => lineAt(text, m));
    const more = matches.length > MAX_LISTED_MATCHES ? ", …" : "";
    throw new ToolError(
      `${label} matches ${matches.length >= MAX_COUNTED_MATCHES ? `${MAX_COUNTED_MATCHES} or more` : matches.length} places in ${fileName} (lines ${lines.join(", ")}${more}); include more surrounding text so it matches exactly one.`,
      "failed",
      { path: fileName, matches: matches.length, lines },
    );
  }
  return located;
}

/** Start offsets of every occurrence, overlapping ones included (they make a match ambiguous too). */
function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1 && found.length < MAX_COUNTED_MATCHES; at = text.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function lineAt(text: string, index: number): number {
  return countNewlines(text.slice(0, index)) + 1;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) n++;
  return n;
}
