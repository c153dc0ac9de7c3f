/** The encodings a request accepts with their q values (`*` included). */
function accepted(header: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = q ? Number(q.slice(2)) : 1;
    out.set(name, Number.isFinite(value) ? value : 0);
  }
  return out;
}

export type Encoding = "br" | "gzip" | "identity";

/**
 * The best of `available` (most compact first) the client accepts; null when it accepts none,
 * not even identity (RFC 9110: identity is acceptable unless refused by `identity;q=0` or `*;q=0`).
 */
export function chooseEncoding(header: string | undefined, available: readonly Encoding[]): Encoding | null {
  const prefs = accepted(header);
  const star = prefs.get("*");
  const ok = (e: Encoding) => {
    const q = prefs.get(e) ?? (e === "identity" ? (star ?? 1) : (star ?? 0));
    return q > 0;
  };
  for (const e of ["br", "gzip"] as const) if (available.includes(e) && ok(e)) return e;
  return ok("identity") ? "identity" : null;
}
