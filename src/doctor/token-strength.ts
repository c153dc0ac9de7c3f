/** Tokens shorter than this are flagged as weak. */
export const MIN_TOKEN_LENGTH = 24;

const PLACEHOLDERS = new Set([
  "change-me", "changeme", "change_me", "change-this", "changethis", "replace-me", "replaceme", "password", "passw0rd", "token",
  "secret", "test", "test-token", "testing", "example", "sample", "default", "admin", "openclaw", "gateway", "your-token",
  "your_token", "yourtoken", "my-token", "mytoken", "<token>", "todo", "xxx", "dummy", "letmein", "qwerty", "123456",
  "12345678", "1234567890", "gateway-token", "openclaw-token",
]);

/** True for obvious placeholder tokens (`change-me`, `password`, `token`, `xxxx…`, `<your token>`). */
export function isPlaceholderToken(token: string): boolean {
  const t = token.trim().toLowerCase();
  if (PLACEHOLDERS.has(t)) return true;
  if (/^(.)\1*$/.test(t)) return true;
  if (/^<.*>$/.test(t) || /^\{\{.*\}\}$/.test(t)) return true;
  if (/^(?:your|my|the)[-_ ]?(?:gateway[-_ ]?)?(?:token|secret|password)(?:[-_ ]?here)?$/.test(t)) return true;
  if (/^change[-_ ]?me/.test(t) || /^replace[-_ ]?me/.test(t)) return true;
  return false;
}
