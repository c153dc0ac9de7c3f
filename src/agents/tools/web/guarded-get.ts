import type { IncomingMessage } from "node:http";
import { ToolError } from "../types.js";
import { untilAborted } from "./call-deadline.js";
import { vetTarget, type HostResolver, type NetPolicy } from "./net-guard.js";
import { openPinnedRequest } from "./pinned-request.js";
import { crossOriginHeaders } from "./request-headers.js";

export type GuardedGetOptions = {
  policy: NetPolicy;
  resolve: HostResolver;
  maxRedirects: number;
  /** Sent on every hop (User-Agent, Accept …). */
  headers: Record<string, string>;
  /** Configured extra headers: sent to the first origin, and beyond it only when safe. */
  extraHeaders: Record<string, string>;
  signal: AbortSignal;
};

export type GuardedResponse = { response: IncomingMessage; finalUrl: URL; redirects: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** GETs `url`, following redirects by hand so every hop is checked and pinned like the first. */
export async function guardedGet(url: URL, options: GuardedGetOptions): Promise<GuardedResponse> {
  let current = url;
  let extra = options.extraHeaders;
  for (let redirects = 0; ; redirects++) {
    const target = await untilAborted(vetTarget(current, options.policy, options.resolve), options.signal).catch((err: unknown) => {
      if (redirects === 0 || !(err instanceof ToolError)) throw err;
      throw new ToolError(`${err.message} (reached by a redirect from ${url.href})`, err.kind);
    });
    const response = await openPinnedRequest(current, target, { ...options.headers, ...extra }, options.signal);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || !location) return { response, finalUrl: current, redirects };
    response.destroy();
    if (redirects >= options.maxRedirects) {
      throw new ToolError(`web_fetch stopped after ${options.maxRedirects} redirects (tools.web.fetch.maxRedirects); the last one pointed to ${location.slice(0, 300)}`, "failed");
    }
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new ToolError(`the server redirected to an invalid URL: ${JSON.stringify(location.slice(0, 300))}`, "failed");
    }
    if (next.origin !== current.origin) extra = crossOriginHeaders(extra);
    current = next;
  }
}
