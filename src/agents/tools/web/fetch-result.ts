import { neutralizeUntrusted, untrustedMarkers } from "../../untrusted-content.js";

/** Longest title kept; a title is a hint, not the page. */
const MAX_TITLE_CHARS = 256;

export type BoundedContent = {
  content: string;
  /** Characters of the extracted text before wrapping and truncation. */
  rawLength: number;
  truncated: boolean;
};

/**
 * The text the model reads: the page (and its title) inside the untrusted-content markers, then
 * our own notes outside them, the whole no longer than `maxChars` where the markers leave room.
 */
export function boundedContent(input: { source: string; url: string; title?: string; text: string; notes: string[]; maxChars: number }): BoundedContent {
  const { start, end } = untrustedMarkers({ source: input.source, url: input.url });
  const text = neutralizeUntrusted(input.text);
  let truncated = false;
  let title = input.title ? neutralizeUntrusted(input.title) : "";
  const titleRoom = Math.min(MAX_TITLE_CHARS, Math.floor(input.maxChars / 2));
  if (title.length > titleRoom) {
    title = `${title.slice(0, Math.max(0, titleRoom - 1))}…`;
    truncated = true;
  }
  const titleLine = title ? `Title: ${title}\n\n` : "";
  const notes = [...input.notes];
  const frame = (body: string) => `${start}\n${titleLine}${body}\n${end}${notes.map((n) => `\n${n}`).join("")}`;

  let content = frame(text);
  if (content.length > input.maxChars) {
    truncated = true;
    notes.push(`[content truncated: showing the first part of ${text.length} characters; pass a larger maxChars to see more]`);
    let room = Math.max(0, text.length - (frame(text).length - input.maxChars));
    if (/[\ud800-\udbff]/.test(text[room - 1] ?? "")) room--;
    content = frame(text.slice(0, room).trimEnd());
  }
  return { content, rawLength: input.text.length, truncated };
}
