import { promises as fsp } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, sep } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import { SECURITY_HEADERS } from "../probes.js";
import { contentTypeOf, looksLikeStaticFile } from "./content-types.js";
import { chooseEncoding, type Encoding } from "./encoding.js";
import { controlUiCsp, rewriteIndex } from "./index-page.js";
import type { ControlUiSettings } from "./settings.js";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const IMMUTABLE = "public, max-age=31536000, immutable";

export const UI_HEADERS = {
  ...SECURITY_HEADERS,
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(self), microphone=*, geolocation=*, clipboard-write=*",
} as const;

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...extra });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

const realRoots = new Map<string, string>();

/** The root without symlinks, looked up once per root rather than on every file request. */
async function realRootOf(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (!real) realRoots.set(root, (real = await fsp.realpath(root)));
  return real;
}

/** The file, when it is a regular file that really lies inside the root (no symlink escapes). */
async function fileInside(root: string, rel: string): Promise<{ path: string; mtime: Date; size: number } | null> {
  try {
    const realRoot = await realRootOf(root);
    const path = await fsp.realpath(join(realRoot, rel));
    if (path !== realRoot && !path.startsWith(realRoot + sep)) return null;
    const stat = await fsp.stat(path);
    return stat.isFile() ? { path, mtime: stat.mtime, size: stat.size } : null;
  } catch {
    return null;
  }
}

function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept.trim() === "" || /text\/html|\*\/\*/.test(accept);
}

function notModified(req: IncomingMessage, mtime: Date): boolean {
  const since = req.headers["if-modified-since"];
  if (!since) return false;
  const t = Date.parse(since);
  return Number.isFinite(t) && Math.floor(mtime.getTime() / 1000) * 1000 <= t;
}

const pageCache = new Map<string, { mtimeMs: number; html: string; csp: string }>();

async function indexPage(path: string, mtimeMs: number, basePath: string): Promise<{ html: string; csp: string }> {
  const key = `${path}\0${basePath}`;
  const cached = pageCache.get(key);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  const page = rewriteIndex(await fsp.readFile(path, "utf8"), basePath);
  const entry = { mtimeMs, html: page.html, csp: controlUiCsp(page.inlineScriptHashes) };
  pageCache.set(key, entry);
  return entry;
}

async function sendIndex(req: IncomingMessage, res: ServerResponse, file: { path: string; mtime: Date }, settings: ControlUiSettings): Promise<void> {
  const page = await indexPage(file.path, file.mtime.getTime(), settings.basePath);
  const encoding = chooseEncoding(req.headers["accept-encoding"], ["br", "gzip", "identity"]);
  if (!encoding) return plain(res, 406, "Not Acceptable");
  const body =
    encoding === "br"
      ? await brotli(page.html, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } })
      : encoding === "gzip"
        ? await gzipAsync(page.html, { level: 6 })
        : Buffer.from(page.html);
  res.writeHead(200, {
    ...UI_HEADERS,
    "Content-Security-Policy": page.csp,
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
    Vary: "Accept-Encoding",
    ...(encoding !== "identity" ? { "Content-Encoding": encoding } : {}),
    "Content-Length": String(body.length),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** A static file: the best precompressed sibling (`.br`, `.gz`) the client accepts, cached by fingerprint or date. */
async function sendFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, file: { path: string; mtime: Date; size: number }, search: string): Promise<void> {
  const available: Encoding[] = ["identity"];
  const siblings: Partial<Record<Encoding, { path: string; size: number }>> = {};
  for (const [enc, ext] of [["br", ".br"], ["gzip", ".gz"]] as const) {
    const copy = await fileInside(root, rel + ext);
    if (copy) {
      available.push(enc);
      siblings[enc] = copy;
    }
  }
  const encoding = chooseEncoding(req.headers["accept-encoding"], available);
  if (!encoding) return plain(res, 406, "Not Acceptable");
  const immutable = rel.startsWith("assets/") || /(?:^|&)v=/.test(search.replace(/^\?/, ""));
  const headers: Record<string, string> = {
    ...UI_HEADERS,
    "Content-Type": contentTypeOf(file.path),
    Vary: "Accept-Encoding",
    "Cache-Control": immutable ? IMMUTABLE : "no-cache",
  };
  if (!immutable) {
    headers["Last-Modified"] = file.mtime.toUTCString();
    if (notModified(req, file.mtime)) {
      res.writeHead(304, headers);
      return void res.end();
    }
  }
  const chosen = encoding === "identity" ? file : siblings[encoding]!;
  if (encoding !== "identity") headers["Content-Encoding"] = encoding;
  headers["Content-Length"] = String(chosen.size);
  res.writeHead(200, headers);
  if (req.method === "HEAD") return void res.end();
  res.end(await fsp.readFile(chosen.path));
}

/** Serves one UI file (or the app page for an app route) from the configured root. */
export async function serveUiFile(req: IncomingMessage, res: ServerResponse, rel: string, search: string, settings: ControlUiSettings): Promise<void> {
  const index = await fileInside(settings.root, "index.html");
  if (!index) {
    return plain(res, 503, `No Control UI is installed in ${settings.root}. Point gateway.controlUi.root at a built Control UI (a folder with index.html), or turn it off with gateway.controlUi.enabled: false.`);
  }
  if (/\.(br|gz)$/.test(rel)) return plain(res, 404, "Not Found");
  if (rel === "index.html") return sendIndex(req, res, index, settings);
  const file = await fileInside(settings.root, rel);
  if (file) return sendFile(req, res, settings.root, rel, file, search);
  if (looksLikeStaticFile(rel) || !wantsHtml(req)) return plain(res, 404, "Not Found");
  return sendIndex(req, res, index, settings);
}
