/** What a GET/HEAD to the Control UI asks for. */
export type UiRequest =
  | { kind: "redirect"; location: string }
  | { kind: "runtime-config" }
  /** A file under the UI root (`rel` uses forward slashes, never `..`), or the SPA page when it is missing. */
  | { kind: "file"; rel: string };

/** First path segments that never belong to the UI when it is served from the root. */
const RESERVED = new Set(["ui", "api", "v1", "j", "plugins", "health", "healthz", "ready", "readyz", "startup", "startupz", "__openclaw__"]);
/** API paths under segments the UI also uses for its own pages (`/sessions` is a page, its history endpoint is not). */
const RESERVED_PATHS = [/^\/tools\/invoke$/, /^\/sessions\/[^/]+\/(?:history|kill)$/];
const RUNTIME_CONFIG = new Set(["/control-ui-config.json", "/__openclaw/control-ui-config.json", "/__openclaw__/control-ui-config.json"]);

/**
 * Maps a request to the UI (http spec §4.1), or null when it is not the UI's. With a base path only
 * `<base>` and below are UI; from the root, everything but the reserved namespaces is.
 */
export function classifyUiRequest(method: string, pathname: string, search: string, basePath: string): UiRequest | null {
  if (method !== "GET" && method !== "HEAD") return null;
  let rest: string;
  if (basePath !== "") {
    if (pathname === basePath) return { kind: "redirect", location: `${basePath}/${search}` };
    if (!pathname.startsWith(`${basePath}/`)) return null;
    rest = pathname.slice(basePath.length);
  } else {
    if (pathname === "/__openclaw__/control-ui-config.json") return { kind: "runtime-config" };
    const first = pathname.split("/")[1] ?? "";
    if (RESERVED.has(first) || RESERVED_PATHS.some((re) => re.test(pathname))) return null;
    rest = pathname;
  }
  if (RUNTIME_CONFIG.has(rest)) return { kind: "runtime-config" };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { kind: "file", rel: "index.html" };
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return { kind: "file", rel: "index.html" };
  const segments = decoded.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { kind: "file", rel: "index.html" };
  // Deep links load their chunks relative to themselves: any `/assets/` in the path means the root's assets.
  const assets = segments.indexOf("assets");
  if (assets >= 0) return { kind: "file", rel: segments.slice(assets).join("/") };
  return { kind: "file", rel: segments.length === 0 ? "index.html" : segments.join("/") };
}
