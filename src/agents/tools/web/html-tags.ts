/** A start or end tag as written: `name` lower-cased, `attrs` the raw text between the name and the `>`. */
export type HtmlTag = { start: number; end: number; name: string; closing: boolean; selfClosing: boolean; attrs: string };

/** A comment, `<!…>` declaration or `<?…>` instruction: markup that is neither a tag nor text. */
export type HtmlOther = { start: number; end: number; name?: undefined };

export type HtmlToken = HtmlTag | HtmlOther;

/** Elements whose content is not markup: their end tag is found by text search, not by reading tags. */
export const RAW_TEXT = new Set(["script", "style", "noscript", "textarea", "title", "xmp"]);

const RAW_END = new Map([...RAW_TEXT].map((name) => [name, new RegExp(`</${name}\\s*>`, "gi")]));

const GT = 0x3e;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BANG = 0x21;
const QUESTION = 0x3f;
const SLASH = 0x2f;

/**
 * For each index, the `>` that ends a tag whose attributes are read from there (quoted values
 * skipped whole), or -1 when none does. Built backwards in one pass.
 */
function tagEndTable(html: string): Int32Array {
  const ends = new Int32Array(html.length + 1).fill(-1);
  let nextDouble = -1;
  let nextSingle = -1;
  for (let i = html.length - 1; i >= 0; i--) {
    const c = html.charCodeAt(i);
    if (c === GT) {
      ends[i] = i;
    } else if (c === DOUBLE_QUOTE) {
      ends[i] = nextDouble < 0 ? -1 : ends[nextDouble + 1];
      nextDouble = i;
    } else if (c === SINGLE_QUOTE) {
      ends[i] = nextSingle < 0 ? -1 : ends[nextSingle + 1];
      nextSingle = i;
    } else {
      ends[i] = ends[i + 1];
    }
  }
  return ends;
}

/**
 * Where tags end. A tag that ends is scanned once and then consumed, so scanning is linear; a tag
 * that never does would be rescanned from every `<` after it (`<a <a <a …` takes seconds), so the
 * first one switches to a table built in one pass.
 */
class TagEnds {
  private table?: Int32Array;

  constructor(private readonly html: string) {}

  /** The `>` ending a tag whose attributes start at `index`, or -1. */
  from(index: number): number {
    if (this.table) return this.table[index];
    const html = this.html;
    for (let i = index; i < html.length; i++) {
      const c = html.charCodeAt(i);
      if (c === GT) return i;
      if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
        i = html.indexOf(html[i], i + 1);
        if (i < 0) break;
      }
    }
    this.table = tagEndTable(html);
    return -1;
  }
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x2d;
}

/** The markup that starts at `lt` (a `<`), or undefined when that `<` is plain text. */
function tokenAt(html: string, lt: number, ends: TagEnds, lastGt: number): HtmlToken | undefined {
  const next = html.charCodeAt(lt + 1);
  if (next === BANG && html.startsWith("--", lt + 2)) {
    const close = html.indexOf("-->", lt + 4);
    return { start: lt, end: close < 0 ? html.length : close + 3 };
  }
  if (next === BANG || next === QUESTION) {
    // Without a `>` further on, no later `<!` can end either: checked once instead of searched for each.
    const gt = lastGt < lt + 2 ? -1 : html.indexOf(">", lt + 2);
    return gt < 0 ? undefined : { start: lt, end: gt + 1 };
  }
  const closing = next === SLASH;
  const nameStart = lt + (closing ? 2 : 1);
  if (!isLetter(html.charCodeAt(nameStart))) return undefined;
  let nameEnd = nameStart + 1;
  while (isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
  const gt = ends.from(nameEnd);
  if (gt < 0) return undefined;
  const attrs = html.slice(nameEnd, gt);
  return { start: lt, end: gt + 1, name: html.slice(nameStart, nameEnd).toLowerCase(), closing, selfClosing: attrs.endsWith("/"), attrs };
}

function rawEndTag(html: string, name: string, from: number): HtmlTag | undefined {
  const pattern = RAW_END.get(name)!;
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  if (!match) return undefined;
  return { start: match.index, end: match.index + match[0].length, name, closing: true, selfClosing: false, attrs: "" };
}

/**
 * The tags, comments and declarations of an HTML string in document order, in time linear in its
 * length. The content of a raw-text element (`<script>` …) is skipped up to its end tag; one that
 * is never closed is read on as markup. A `<` that starts nothing is text.
 */
export function htmlTokens(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  const ends = new TagEnds(html);
  const lastGt = html.lastIndexOf(">");
  // Names whose end tag is known to be missing from here on, so each is searched for once.
  const unclosed = new Set<string>();
  for (let lt = html.indexOf("<"); lt >= 0; ) {
    const token = tokenAt(html, lt, ends, lastGt);
    if (!token) {
      lt = html.indexOf("<", lt + 1);
      continue;
    }
    tokens.push(token);
    let next = token.end;
    if (token.name !== undefined && !token.closing && !token.selfClosing && RAW_TEXT.has(token.name) && !unclosed.has(token.name)) {
      const endTag = rawEndTag(html, token.name, next);
      if (endTag) {
        tokens.push(endTag);
        next = endTag.end;
      } else {
        unclosed.add(token.name);
      }
    }
    lt = html.indexOf("<", next);
  }
  return tokens;
}
