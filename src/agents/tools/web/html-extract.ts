import { findElements, withoutSpans } from "./html-elements.js";
import { decodeEntities } from "./html-entities.js";
import { htmlTokens, type HtmlToken } from "./html-tags.js";

export type ExtractMode = "markdown" | "text";

export type ExtractedPage = { title?: string; text: string };

/** Never part of what a reader reads: code, styling, embedded media, and page chrome around the content. */
const DROPPED = new Set([
  "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "video", "audio",
  "nav", "footer", "aside", "select", "button", "dialog", "head", "title",
]);

const BLOCK = new Set([
  "div", "section", "article", "main", "header", "address", "details", "summary", "figure", "figcaption",
  "dl", "dt", "dd", "form", "fieldset", "legend", "center", "hgroup", "caption", "body",
]);
const PARAGRAPH = new Set(["p", "blockquote", "table"]);

/** Deeper lists are indented no further, so a page of `<ul><li>` repeated cannot grow the text quadratically. */
const MAX_LIST_INDENT = 8;

function attribute(attrs: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, "i").exec(attrs);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? "");
}

function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, " ");
}

/** Absolute http(s)/mailto URL for a link, or undefined for script links, fragments and junk. */
function linkTarget(href: string | undefined, base: string): string | undefined {
  if (!href || href.startsWith("#")) return undefined;
  try {
    const url = new URL(href.trim(), base);
    if (!["http:", "https:", "mailto:"].includes(url.protocol)) return undefined;
    return url.href.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined;
  }
}

/** Accumulates text, merging the blank lines that neighbouring blocks ask for. */
class TextBuilder {
  private readonly parts: string[] = [];
  private pendingNewlines = 0;
  private lastChar = "\n";

  /** Inline text; a space is dropped where one is already (or a line starts). */
  text(value: string): void {
    if (value === "") return;
    this.flushBreaks();
    const trimmed = this.lastChar === " " || this.lastChar === "\n" ? value.replace(/^ +/, "") : value;
    if (trimmed) this.push(trimmed);
  }

  /** Text kept exactly (markers, preformatted text). */
  verbatim(value: string): void {
    if (value === "") return;
    this.flushBreaks();
    this.push(value);
  }

  endsLine(): boolean {
    return this.lastChar === "\n";
  }

  lineBreak(): void {
    this.flushBreaks();
    this.push("\n");
  }

  /** Ends the current block with `count` newlines (1 = next line, 2 = blank line), unless more are already due. */
  block(count: 1 | 2): void {
    if (this.parts.length > 0) this.pendingNewlines = Math.max(this.pendingNewlines, count);
  }

  /** A position to take text back from; breaks already due are written first so they stay outside. */
  mark(): number {
    this.flushBreaks();
    return this.parts.length;
  }

  /** Takes back the breaks that are due but not yet written (to write something before them). */
  takePendingBreaks(): 0 | 1 | 2 {
    const count = this.pendingNewlines as 0 | 1 | 2;
    this.pendingNewlines = 0;
    return count;
  }

  /** Takes back everything written since `mark`, as one string. */
  takeSince(mark: number): string {
    return this.parts.splice(mark).join("");
  }

  toString(): string {
    return this.parts
      .join("")
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  private flushBreaks(): void {
    if (this.pendingNewlines === 0) return;
    const have = this.lastChar === "\n" ? 1 : 0;
    if (this.pendingNewlines > have) this.push("\n".repeat(this.pendingNewlines - have));
    this.pendingNewlines = 0;
  }

  private push(value: string): void {
    this.parts.push(value);
    this.lastChar = value[value.length - 1];
  }
}

const TITLE = new Set(["title"]);

/** The one `<main>`, else the one `<article>`, else the whole body: the part of the page worth reading. */
function contentRegion(body: string, tokens: readonly HtmlToken[]): { start: number; end: number } {
  for (const name of ["main", "article"]) {
    const spans = findElements(body, new Set([name]), tokens);
    if (spans.length === 1) return { start: spans[0].innerStart, end: spans[0].innerEnd };
  }
  return { start: 0, end: body.length };
}

function titleOf(html: string, tokens: readonly HtmlToken[]): string | undefined {
  const span = findElements(html, TITLE, tokens)[0];
  const title = span ? collapse(decodeEntities(html.slice(span.innerStart, span.innerEnd))).trim() : "";
  return title || undefined;
}

/** The first `<base href>`, resolved against the page, else the page's own URL. */
function baseOf(tokens: readonly HtmlToken[], pageUrl: string): string {
  for (const token of tokens) {
    const href = token.name === "base" && !token.closing ? attribute(token.attrs, "href") : undefined;
    if (!href) continue;
    try {
      return new URL(href, pageUrl).href;
    } catch {
      return pageUrl;
    }
  }
  return pageUrl;
}

/**
 * Turns an HTML page into readable text: headings, paragraphs, lists, tables as rows, code, and in
 * markdown mode `#` headings and `[text](url)` links. Not a browser: no scripts, no CSS layout.
 */
export function extractHtml(html: string, pageUrl: string, mode: ExtractMode): ExtractedPage {
  const markdown = mode === "markdown";
  const pageTokens = htmlTokens(html);
  const title = titleOf(html, pageTokens);
  const base = baseOf(pageTokens, pageUrl);
  const body = withoutSpans(html, findElements(html, DROPPED, pageTokens));
  const tokens = htmlTokens(body);
  const region = contentRegion(body, tokens);

  const out = new TextBuilder();
  const lists: Array<{ ordered: boolean; count: number }> = [];
  let link: { mark: number; href?: string } | null = null;
  let preDepth = 0;
  let cellIndex = 0;

  const closeLink = () => {
    if (!link) return;
    const breaksAfter = out.takePendingBreaks();
    const taken = collapse(out.takeSince(link.mark)).trim();
    // A heading inside a link (a card title) keeps its marker in front: `## [Title](url)`.
    const heading = /^#{1,6} /.exec(taken)?.[0] ?? "";
    const text = taken.slice(heading.length).trim();
    if (heading) out.verbatim(heading);
    if (text && markdown && link.href) out.text(`[${text.replace(/([[\]])/g, "\\$1")}](${link.href})`);
    else out.text(text);
    if (breaksAfter) out.block(breaksAfter);
    link = null;
  };

  let last = region.start;
  for (const token of tokens) {
    if (token.start < region.start) continue;
    if (token.end > region.end) break;
    const between = body.slice(last, token.start);
    last = token.end;
    if (between) {
      const decoded = decodeEntities(between);
      if (preDepth > 0) out.verbatim(decoded);
      else out.text(collapse(decoded));
    }
    if (token.name === undefined) continue;
    const { closing, name, attrs } = token;

    if (/^h[1-6]$/.test(name)) {
      out.block(2);
      if (!closing && markdown) out.verbatim(`${"#".repeat(Number(name[1]))} `);
    } else if (PARAGRAPH.has(name)) {
      out.block(2);
    } else if (BLOCK.has(name)) {
      out.block(1);
    } else if (name === "br") {
      out.lineBreak();
    } else if (name === "hr") {
      out.block(2);
      if (markdown) out.verbatim("---");
      out.block(2);
    } else if (name === "ul" || name === "ol") {
      if (closing) lists.pop();
      else lists.push({ ordered: name === "ol", count: 0 });
      out.block(lists.length === 0 ? 2 : 1);
    } else if (name === "li" && !closing) {
      out.block(1);
      const list = lists[lists.length - 1];
      const marker = list?.ordered ? `${++list.count}. ` : "- ";
      out.verbatim(`${"  ".repeat(Math.min(MAX_LIST_INDENT, Math.max(0, lists.length - 1)))}${marker}`);
    } else if (name === "li") {
      out.block(1);
    } else if (name === "tr") {
      out.block(1);
      cellIndex = 0;
    } else if ((name === "td" || name === "th") && !closing) {
      if (cellIndex++ > 0) out.verbatim(" | ");
    } else if (name === "pre") {
      if (closing) {
        preDepth = Math.max(0, preDepth - 1);
        if (markdown) out.verbatim(out.endsLine() ? "```" : "\n```");
        out.block(2);
      } else {
        out.block(2);
        if (markdown) out.verbatim("```\n");
        preDepth++;
        if (body[last] === "\n") last++;
      }
    } else if (name === "code" && preDepth === 0 && markdown) {
      out.verbatim("`");
    } else if (name === "a") {
      closeLink();
      if (!closing) link = { mark: out.mark(), href: linkTarget(attribute(attrs, "href"), base) };
    } else if (name === "img" && link) {
      const alt = attribute(attrs, "alt");
      if (alt) out.text(` ${collapse(alt)} `);
    }
  }
  const tail = body.slice(last, region.end);
  if (tail) out.text(collapse(decodeEntities(tail)));
  closeLink();
  return { title, text: out.toString() };
}
