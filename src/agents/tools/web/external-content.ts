export const EXTERNAL_CONTENT_END = "<<<END_EXTERNAL_UNTRUSTED_CONTENT>>>";

/**
 * Anything in fetched text that reads like one of our markers, in any case, spacing or look-alike
 * brackets, so a page cannot close the wrapper early and speak as if it were outside it.
 */
const MARKER_LOOKALIKE = /[<＜‹«〈⟨]{2,}\s*\/?\s*(?:END[\s_-]*)?EXTERNAL[\s_-]*UNTRUSTED[\s_-]*CONTENT[^>＞›»〉⟩\n]{0,200}[>＞›»〉⟩]*/giu;

export function neutralizeMarkers(text: string): string {
  return text.replace(MARKER_LOOKALIKE, "[marker removed]");
}

function attributeValue(value: string): string {
  return value.replace(/["<>\n\r]/g, (c) => encodeURIComponent(c));
}

export function externalContentHeader(source: string, url: string): string {
  return `<<<EXTERNAL_UNTRUSTED_CONTENT source="${attributeValue(source)}" url="${attributeValue(url)}">>>`;
}

/** Marks text from the web as data, not instructions, for the model reading it. */
export function wrapExternalContent(source: string, url: string, text: string): string {
  return `${externalContentHeader(source, url)}\n${neutralizeMarkers(text)}\n${EXTERNAL_CONTENT_END}`;
}
