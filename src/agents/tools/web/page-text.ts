import { sniffBodyKind, type BodyKind } from "./body-kind.js";
import { decodeText } from "./decode-text.js";
import { extractHtml, type ExtractMode } from "./html-extract.js";

/** What was made of a body, and how (`extractor` is reported in the result details). */
export type PageText = { text: string; title?: string; extractor: "html" | "json" | "raw" | "none" };

/** A short line in place of bytes the model cannot read. */
export function describeBinary(mediaType: string, bytes: number | undefined): PageText {
  const size = bytes === undefined ? "unknown size" : `${bytes} bytes`;
  return { text: `[binary content (${mediaType || "unknown type"}, ${size}) not shown; web_fetch returns text, HTML and JSON only]`, extractor: "none" };
}

export function pageText(body: Buffer, contentType: string | undefined, kind: BodyKind, mediaType: string, pageUrl: string, mode: ExtractMode): PageText {
  const resolved = kind === "unknown" ? sniffBodyKind(body) : kind;
  if (resolved === "binary") return describeBinary(mediaType, body.length);
  const text = decodeText(body, contentType, resolved === "html");
  if (resolved === "html") return { ...extractHtml(text, pageUrl, mode), extractor: "html" };
  if (resolved === "json") {
    try {
      return { text: JSON.stringify(JSON.parse(text), null, 2), extractor: "json" };
    } catch {
      // A cut-off or malformed JSON body is still worth reading as it is.
      return { text, extractor: "raw" };
    }
  }
  return { text, extractor: "raw" };
}
