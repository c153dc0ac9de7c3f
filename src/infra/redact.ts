const MIN_PARTIAL_LENGTH = 18;

/** Masks a secret the way the logs show it: long values keep 6 leading and 4 trailing characters. */
export function maskSecret(value: string): string {
  return value.length >= MIN_PARTIAL_LENGTH ? `${value.slice(0, 6)}…${value.slice(-4)}` : "***";
}

const DEFAULT_PATTERNS: RegExp[] = [
  /\b(?:token|password|passwd|secret|api[_-]?key)\s*[=:]\s*["']?([^\s"',}]+)/gi,
  /"(?:token|password|secret|apiKey|api_key)"\s*:\s*"([^"]+)"/gi,
  /\bBearer\s+([A-Za-z0-9._~+\/-]+=*)/g,
  /\b(sk-[A-Za-z0-9_-]{8,})/g,
  /[#?&]token=([^&\s]+)/g,
];

/** Removes known secret values and secret-looking substrings from log text. */
export class Redactor {
  private secrets: string[] = [];
  private patterns: RegExp[] = DEFAULT_PATTERNS;

  setSecrets(values: Iterable<string>): void {
    this.secrets = [...new Set(values)].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  }

  setPatterns(sources: string[] | undefined): void {
    this.patterns = sources && sources.length > 0 ? sources.map(compilePattern).filter((p): p is RegExp => p !== null) : DEFAULT_PATTERNS;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, (match, group: string | undefined) =>
        typeof group === "string" && group.length > 0 && !group.includes("…") && group !== "***" ? match.replace(group, maskSecret(group)) : match,
      );
    }
    return out;
  }
}

function compilePattern(source: string): RegExp | null {
  try {
    const literal = /^\/(.*)\/([a-z]*)$/s.exec(source);
    if (literal) return new RegExp(literal[1], literal[2].includes("g") ? literal[2] : literal[2] + "g");
    return new RegExp(source, "gi");
  } catch {
    return null;
  }
}
