import type { IncomingMessage } from "node:http";
import { Type } from "@sinclair/typebox";
import { wrapUntrusted } from "../../untrusted-content.js";
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from "../types.js";
import { bodyKindOf, mediaTypeOf } from "./body-kind.js";
import { startDeadline, type CallDeadline } from "./call-deadline.js";
import { readWebFetchSettings, WEB_FETCH_DEFAULTS, type WebFetchSettings } from "./fetch-settings.js";
import { boundedContent } from "./fetch-result.js";
import { guardedGet } from "./guarded-get.js";
import type { ExtractMode } from "./html-extract.js";
import { defaultHostResolver, parseFetchUrl, type HostResolver } from "./net-guard.js";
import { describeBinary, pageText, type PageText } from "./page-text.js";
import { readBody } from "./read-body.js";
import { baseHeaders, configuredHeaders } from "./request-headers.js";

export type WebFetchOptions = {
  /** Name resolution for the SSRF check (tests answer with fixed addresses). */
  resolveHost?: HostResolver;
};

const SOURCE = "web_fetch";
/** A slow fetch shows this once, so the channel does not look stuck; never any page content. */
const PROGRESS_AFTER_MS = 5_000;
const ERROR_SNIPPET_CHARS = 300;
const ERROR_BODY_BYTES = 32_000;
/** A redirect or final URL longer than this is not echoed back; the requested one is. */
const MAX_ECHOED_URL = 2_048;

const WebFetchParameters = Type.Object(
  {
    url: Type.String({ description: "HTTP or HTTPS URL to fetch." }),
    extractMode: Type.Optional(
      Type.Union([Type.Literal("markdown"), Type.Literal("text")], { description: 'Extraction mode ("markdown" or "text").', default: "markdown" }),
    ),
    maxChars: Type.Optional(Type.Number({ minimum: 1, description: "Maximum characters to return (truncates when exceeded)." })),
  },
);

function effectiveMaxChars(requested: unknown, settings: WebFetchSettings): number {
  const value = typeof requested === "number" && Number.isFinite(requested) ? Math.floor(requested) : settings.maxChars;
  return Math.min(settings.maxCharsCap, Math.max(WEB_FETCH_DEFAULTS.minChars, value));
}

function stoppedError(deadline: CallDeadline, settings: WebFetchSettings, url: URL): ToolError | null {
  const cause = deadline.cause();
  if (cause === "aborted") return new ToolError("web_fetch was stopped: the run was aborted", "failed");
  if (cause === "timeout") return new ToolError(`web_fetch timed out after ${settings.timeoutSeconds}s fetching ${url.href} (tools.web.fetch.timeoutSeconds)`, "failed");
  return null;
}

function networkError(err: unknown, url: URL): ToolError {
  if (err instanceof ToolError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code ? `${code} ${(err as Error).message}` : (err as Error).message ?? String(err);
  return new ToolError(`web_fetch could not fetch ${url.href}: ${reason}`, "failed");
}

async function httpErrorFor(response: IncomingMessage, finalUrl: URL, signal: AbortSignal): Promise<ToolError> {
  const status = response.statusCode ?? 0;
  const { body } = await readBody(response, ERROR_BODY_BYTES, signal).catch(() => ({ body: Buffer.alloc(0) }));
  const contentType = response.headers["content-type"];
  const mediaType = mediaTypeOf(contentType);
  const kind = bodyKindOf(mediaType);
  const snippet = kind === "binary" ? "" : pageText(body, contentType, kind, mediaType, finalUrl.href, "text").text.replace(/\s+/g, " ").trim();
  const shown = snippet.length > ERROR_SNIPPET_CHARS ? `${snippet.slice(0, ERROR_SNIPPET_CHARS)}…` : snippet;
  const message = `web_fetch got HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ""} from ${finalUrl.href}`;
  return new ToolError(shown ? `${message}. Response body:\n${wrapUntrusted(shown, { source: SOURCE, url: finalUrl.href })}` : message, "failed", {
    status,
    url: finalUrl.href,
  });
}

type Fetched = { status: number; finalUrl: URL; contentType?: string; page: PageText; bytes: number; bodyTruncated: boolean };

async function fetchPage(url: URL, mode: ExtractMode, settings: WebFetchSettings, resolve: HostResolver, signal: AbortSignal): Promise<Fetched> {
  const { response, finalUrl } = await guardedGet(url, {
    policy: settings.ssrfPolicy,
    resolve,
    maxRedirects: settings.maxRedirects,
    headers: baseHeaders(settings),
    extraHeaders: configuredHeaders(settings),
    signal,
  });
  try {
    const status = response.statusCode ?? 0;
    if (status >= 400) throw await httpErrorFor(response, finalUrl, signal);
    const contentType = response.headers["content-type"];
    const mediaType = mediaTypeOf(contentType);
    const kind = bodyKindOf(mediaType);
    if (kind === "binary") {
      const declared = Number(response.headers["content-length"]);
      const bytes = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
      return { status, finalUrl, contentType, page: describeBinary(mediaType, bytes), bytes: bytes ?? 0, bodyTruncated: false };
    }
    const { body, truncated } = await readBody(response, settings.maxResponseBytes, signal);
    const page = pageText(body, contentType, kind, mediaType, finalUrl.href, mode);
    return { status, finalUrl, contentType, page, bytes: body.length, bodyTruncated: truncated };
  } finally {
    response.destroy();
  }
}

async function executeWebFetch(args: Record<string, unknown>, ctx: ToolContext, resolve: HostResolver): Promise<ToolResult> {
  const settings = readWebFetchSettings(ctx.config);
  if (!settings.enabled) throw new ToolError("web_fetch is turned off here (tools.web.fetch.enabled is false)", "unavailable");
  if (typeof args.url !== "string") throw new ToolError("web_fetch needs a url (an absolute http or https URL)", "invalid_arguments");
  const url = parseFetchUrl(args.url);
  const mode: ExtractMode = args.extractMode === "text" ? "text" : "markdown";
  const maxChars = effectiveMaxChars(args.maxChars, settings);

  const startedAt = Date.now();
  const deadline = startDeadline(ctx.signal, settings.timeoutSeconds * 1000);
  const progress = setTimeout(() => ctx.update({ text: "Fetching page content..." }), PROGRESS_AFTER_MS);
  let fetched: Fetched;
  try {
    fetched = await fetchPage(url, mode, settings, resolve, deadline.signal);
  } catch (err) {
    throw stoppedError(deadline, settings, url) ?? networkError(err, url);
  } finally {
    clearTimeout(progress);
    deadline.dispose();
  }
  // The run may have been stopped while the last bytes were being parsed.
  if (ctx.signal.aborted) throw new ToolError("web_fetch was stopped: the run was aborted", "failed");

  const finalUrl = fetched.finalUrl.href.length <= MAX_ECHOED_URL ? fetched.finalUrl.href : url.href;
  const notes = fetched.bodyTruncated ? [`[response body cut at ${settings.maxResponseBytes} bytes (tools.web.fetch.maxResponseBytes)]`] : [];
  const bounded = boundedContent({ source: SOURCE, url: finalUrl, title: fetched.page.title, text: fetched.page.text, notes, maxChars });
  const truncated = bounded.truncated || fetched.bodyTruncated || finalUrl !== fetched.finalUrl.href;
  return {
    content: bounded.content,
    details: {
      url: url.href,
      finalUrl,
      status: fetched.status,
      ...(fetched.contentType ? { contentType: fetched.contentType.slice(0, 256) } : {}),
      ...(fetched.page.title ? { title: fetched.page.title.slice(0, 256) } : {}),
      ...(fetched.bodyTruncated ? { warning: notes[0] } : {}),
      extractMode: mode,
      extractor: fetched.page.extractor,
      bytes: fetched.bytes,
      truncated,
      length: bounded.content.length,
      rawLength: bounded.rawLength,
      fetchedAt: new Date(startedAt).toISOString(),
      tookMs: Date.now() - startedAt,
    },
  };
}

/** `web_fetch`: a GET that refuses private networks, bounded in time and size, returning readable text. */
export function createWebFetchTool(options: WebFetchOptions = {}): ToolDefinition {
  const resolve = options.resolveHost ?? defaultHostResolver;
  return {
    name: "web_fetch",
    description:
      "Fetch a URL (HTTP GET, no JavaScript) and return its readable content as markdown or plain text. " +
      "Private and internal network addresses are refused. Use for reading a specific page; use a browser for JS-heavy or login pages.",
    parameters: WebFetchParameters,
    execute: (args, ctx) => executeWebFetch(args, ctx, resolve),
  };
}
