/**
 * Allowlist globs: `*` and `?` stay inside one path segment, `**` crosses segments, and
 * `a/**` + `/b` also matches `a/b`. Everything else is literal.
 */
function globToRegExp(glob: string, caseInsensitive: boolean): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        source += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else source += "[^/]*";
    } else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, caseInsensitive ? "i" : "");
}

/** Paths compare case-insensitively where the usual file systems do (macOS, Windows). */
export const PATHS_CASE_INSENSITIVE = process.platform === "darwin" || process.platform === "win32";

export function globMatches(glob: string, value: string, caseInsensitive = PATHS_CASE_INSENSITIVE): boolean {
  return globToRegExp(glob, caseInsensitive).test(value);
}
