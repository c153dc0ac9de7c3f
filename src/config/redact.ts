export const REDACTED = "__OPENCLAW_REDACTED__";

const SECRET_KEY = /(token|password|secret|api[_-]?key|privateKey)$/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Returns a copy with every secret-looking string value replaced by the redaction sentinel. */
export function redactConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactConfig);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = typeof child === "string" && child.length > 0 && isSecretKey(key) ? REDACTED : redactConfig(child);
    }
    return out;
  }
  return value;
}

/** Collects the secret string values of a config so they can be scrubbed from raw text and logs. */
export function collectSecrets(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const child of value) collectSecrets(child, out);
  else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === "string" && child.length > 0 && isSecretKey(key)) out.add(child);
      else collectSecrets(child, out);
    }
  }
  return out;
}

export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join(REDACTED);
  return out;
}
