import { createHash } from "node:crypto";

export type IndexPage = { html: string; inlineScriptHashes: string[] };

const attr = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * The UI's index.html as served under `basePath`: relative asset links made absolute (so a deep
 * link like `/chat/main/x` still loads `/assets/…`), the base path and features announced on
 * `<html>`, and the hashes of inline scripts for the CSP.
 */
export function rewriteIndex(source: string, basePath: string): IndexPage {
  const html = source
    .replace(/(\s(?:src|href)=)(["'])\.\//g, `$1$2${basePath}/`)
    .replace(/<html(\s|>)/i, `<html data-openclaw-control-ui-base-path="${attr(basePath)}" data-openclaw-terminal-enabled="false"$1`);
  const inlineScriptHashes: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    if (m[1]!.trim() === "") continue;
    inlineScriptHashes.push(`'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`);
  }
  return { html, inlineScriptHashes };
}

/** The Control UI's Content-Security-Policy (http spec §2.8), with the page's inline scripts allowed by hash. */
export function controlUiCsp(inlineScriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "frame-src 'self' http: https:",
    ["script-src 'self'", ...inlineScriptHashes].join(" "),
    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
    "img-src 'self' data: blob: https:",
    "media-src 'self' data: blob:",
    "font-src 'self' https://fonts.gstatic.com",
    "worker-src 'self'",
    "connect-src 'self' ws: wss: data:",
  ].join("; ");
}
