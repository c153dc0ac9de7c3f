/** Rewrites CRLF and lone CR line endings as LF, the only line ending the splitters know. */
export function toLf(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}
