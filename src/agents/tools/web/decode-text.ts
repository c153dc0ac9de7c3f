/** The charset a body declares: a byte-order mark first, then the content-type, then (HTML) a `<meta>` in the first bytes. */
function charsetOf(body: Buffer, contentType: string | undefined, isHtml: boolean): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return "utf-8";
  if (body[0] === 0xfe && body[1] === 0xff) return "utf-16be";
  if (body[0] === 0xff && body[1] === 0xfe) return "utf-16le";
  const declared = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "");
  if (declared) return declared[1].toLowerCase();
  if (isHtml) {
    const head = body.subarray(0, 2048).toString("latin1");
    const meta = /<meta[^>]+charset\s*=\s*["']?([a-z0-9_.:-]+)/i.exec(head);
    if (meta) return meta[1].toLowerCase();
  }
  return "utf-8";
}

/** Decodes with the declared charset; an unknown label falls back to UTF-8 rather than failing. */
export function decodeText(body: Buffer, contentType: string | undefined, isHtml: boolean): string {
  const charset = charsetOf(body, contentType, isHtml);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(body);
}
