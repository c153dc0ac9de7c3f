/** Where one element sits in an HTML string: `start..end` is the whole element, `innerStart..innerEnd` its content. */
export type ElementSpan = { name: string; start: number; innerStart: number; innerEnd: number; end: number };

/** Elements whose content is not markup: their end tag is found by text search, not by nesting. */
const RAW_TEXT = new Set(["script", "style", "noscript", "textarea", "title", "xmp"]);

/**
 * The outermost elements named in `names`, in document order, counting nesting of the same name.
 * An element that is never closed runs to the end of the document (raw text) or is dropped from
 * the result (other elements), so a missing `</nav>` cannot swallow a page.
 */
export function findElements(html: string, names: ReadonlySet<string>): ElementSpan[] {
  const pattern = new RegExp(`<(/?)(${[...names].join("|")})(?=[\\s/>])(?:[^>"']|"[^"]*"|'[^']*')*>`, "gi");
  const spans: ElementSpan[] = [];
  const unclosed = new Set<number>();
  let open: { name: string; start: number; innerStart: number; depth: number } | null = null;
  for (;;) {
    for (let match = pattern.exec(html); match; match = pattern.exec(html)) {
      const closing = match[1] === "/";
      const name = match[2].toLowerCase();
      const afterTag = match.index + match[0].length;
      if (open === null) {
        if (closing || unclosed.has(match.index)) continue;
        if (match[0].endsWith("/>")) {
          spans.push({ name, start: match.index, innerStart: afterTag, innerEnd: afterTag, end: afterTag });
          continue;
        }
        if (RAW_TEXT.has(name)) {
          const close = new RegExp(`</${name}\\s*>`, "gi");
          close.lastIndex = afterTag;
          const end = close.exec(html);
          const innerEnd = end ? end.index : html.length;
          const outerEnd = end ? end.index + end[0].length : html.length;
          spans.push({ name, start: match.index, innerStart: afterTag, innerEnd, end: outerEnd });
          pattern.lastIndex = outerEnd;
          continue;
        }
        open = { name, start: match.index, innerStart: afterTag, depth: 1 };
      } else if (name === open.name) {
        open.depth += closing ? -1 : 1;
        if (open.depth === 0) {
          spans.push({ name, start: open.start, innerStart: open.innerStart, innerEnd: match.index, end: afterTag });
          open = null;
        }
      }
    }
    if (open === null) break;
    // Never closed: treat its start tag as absent and look again from just after it.
    unclosed.add(open.start);
    pattern.lastIndex = open.innerStart;
    open = null;
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
