import { RAW_TEXT, htmlTokens, type HtmlTag, type HtmlToken } from "./html-tags.js";

/** Where one element sits in an HTML string: `start..end` is the whole element, `innerStart..innerEnd` its content. */
export type ElementSpan = { name: string; start: number; innerStart: number; innerEnd: number; end: number };

/** For each start tag, the index of the end tag that closes it (nesting counted per name), if one does. */
function closers(tags: HtmlTag[]): Array<number | undefined> {
  const closer = new Array<number | undefined>(tags.length);
  const open = new Map<string, number[]>();
  tags.forEach((tag, i) => {
    let stack = open.get(tag.name);
    if (!stack) open.set(tag.name, (stack = []));
    if (!tag.closing) stack.push(i);
    else if (stack.length > 0) closer[stack.pop()!] = i;
  });
  return closer;
}

/**
 * The outermost elements named in `names`, in document order, counting nesting of the same name.
 * An element that is never closed runs to the end of the document (raw text) or is dropped from
 * the result (other elements), so a missing `</nav>` cannot swallow a page. `tokens` are html's,
 * passed in when the caller has them already.
 */
export function findElements(html: string, names: ReadonlySet<string>, tokens: readonly HtmlToken[] = htmlTokens(html)): ElementSpan[] {
  const tags: HtmlTag[] = [];
  for (const token of tokens) {
    // `<nav>`, `<nav class=…>`, `<nav/>`, but not `<nav.x>`.
    if (token.name !== undefined && names.has(token.name) && /^(?:[\s/]|$)/.test(token.attrs)) tags.push(token);
  }
  const closer = closers(tags);
  const spans: ElementSpan[] = [];
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (tag.closing) continue;
    const close = tag.selfClosing ? i : closer[i];
    if (close !== undefined) {
      const innerEnd = tag.selfClosing ? tag.end : tags[close].start;
      spans.push({ name: tag.name, start: tag.start, innerStart: tag.end, innerEnd, end: tags[close].end });
      i = close;
    } else if (RAW_TEXT.has(tag.name)) {
      spans.push({ name: tag.name, start: tag.start, innerStart: tag.end, innerEnd: html.length, end: html.length });
      break;
    }
    // Otherwise never closed: read on as if its start tag were absent.
  }
  return spans;
}

/** `html` without the given spans. */
export function withoutSpans(html: string, spans: ElementSpan[]): string {
  if (spans.length === 0) return html;
  let out = "";
  let last = 0;
  for (const span of spans) {
    out += html.slice(last, span.start) + " ";
    last = span.end;
  }
  return out + html.slice(last);
}
