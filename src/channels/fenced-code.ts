/** A fenced code block (``` or ~~~, CommonMark rules) in text whose line endings are LF. */
export interface FencedBlock {
  /** Index of the opening line's first character. */
  start: number;
  /** Index just past the closing line, or the text's length when the block is never closed. */
  end: number;
  /** The opening line without trailing whitespace, info string included, e.g. "```ts". */
  openLine: string;
  /** The opening indentation and fence run, e.g. "```": what closes the block early. */
  fence: string;
  /** The closing line as written, or null when the block runs to the end of the text. */
  closeLine: string | null;
  /** The code between the fence lines is text.slice(bodyStart, bodyEnd). */
  bodyStart: number;
  bodyEnd: number;
}

const OPENING = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const CLOSING = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const BACKTICK = 0x60;
const TILDE = 0x7e;
const SPACE = 0x20;

interface OpenBlock {
  start: number;
  openLine: string;
  fence: string;
  run: string;
  bodyStart: number;
}

/** Every fenced code block in `text`, in order. Linear in the text's length. */
export function findFencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: OpenBlock | null = null;
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    if (startsLikeFence(text, lineStart, lineEnd)) {
      const line = text.slice(lineStart, lineEnd);
      if (open === null) {
        open = openingAt(line, lineStart, Math.min(lineEnd + 1, text.length));
      } else if (closes(line, open.run)) {
        blocks.push(finishBlock(open, line, lineEnd, Math.max(open.bodyStart, lineStart - 1)));
        open = null;
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (open !== null) blocks.push(finishBlock(open, null, text.length, text.length));
  return blocks;
}

function finishBlock(open: OpenBlock, closeLine: string | null, end: number, bodyEnd: number): FencedBlock {
  const { start, openLine, fence, bodyStart } = open;
  return { start, end, openLine, fence, closeLine, bodyStart, bodyEnd };
}

function openingAt(line: string, start: number, bodyStart: number): OpenBlock | null {
  const match = OPENING.exec(line);
  if (match === null) return null;
  const [, indent, run, info] = match as unknown as [string, string, string, string];
  // CommonMark: a backtick fence's info string may not contain backticks (that is inline code).
  if (run[0] === "`" && info.includes("`")) return null;
  return { start, openLine: line.trimEnd(), fence: indent + run, run, bodyStart };
}

function closes(line: string, run: string): boolean {
  const match = CLOSING.exec(line);
  return match !== null && match[1]![0] === run[0] && match[1]!.length >= run.length;
}

function startsLikeFence(text: string, lineStart: number, lineEnd: number): boolean {
  let i = lineStart;
  while (i < lineEnd && i - lineStart < 3 && text.charCodeAt(i) === SPACE) i++;
  const code = text.charCodeAt(i);
  return i < lineEnd && (code === BACKTICK || code === TILDE);
}
