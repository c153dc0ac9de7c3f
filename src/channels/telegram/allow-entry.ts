/** `tg:123`, `telegram:123`, ` 123 ` → `123`. `@username` stays as written: it never matches a sender id. */
export function normalizeAllowEntry(raw: string): string {
  return raw.trim().replace(/^(?:(?:tg|telegram):\s*)+/i, "").trim();
}
