/** How a response body is turned into text for the model. */
export type BodyKind = "html" | "json" | "text" | "binary" | "unknown";

/** `Text/HTML; charset=UTF-8` → `text/html`. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

const TEXT_TYPES = new Set([
  "application/xml",
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/x-sh",
  "application/x-yaml",
  "application/yaml",
  "application/toml",
  "application/sql",
  "application/graphql",
  "application/x-www-form-urlencoded",
  "image/svg+xml",
]);

/** Decided from the header alone; `unknown` means the body must be sniffed (see sniffBodyKind). */
export function bodyKindOf(mediaType: string): BodyKind {
  if (mediaType === "") return "unknown";
  if (mediaType === "text/html" || mediaType === "application/xhtml+xml") return "html";
  if (mediaType === "application/json" || mediaType.endsWith("+json") || mediaType === "text/json") return "json";
  if (mediaType.startsWith("text/") || mediaType.endsWith("+xml") || TEXT_TYPES.has(mediaType)) return "text";
  if (mediaType === "application/octet-stream") return "unknown";
  return "binary";
}

/** For bodies without a useful content-type: HTML if it starts like HTML, text if it has no NUL bytes. */
export function sniffBodyKind(body: Buffer): Exclude<BodyKind, "unknown"> {
  const head = body.subarray(0, 1024);
  if (head.includes(0)) return "binary";
  const start = head.toString("latin1").replace(/^\uFEFF|^\xEF\xBB\xBF/, "").trimStart().toLowerCase();
  if (start.startsWith("<!doctype html") || start.startsWith("<html") || start.startsWith("<head") || start.startsWith("<body")) return "html";
  if (start.startsWith("{") || start.startsWith("[")) return "json";
  return "text";
}
