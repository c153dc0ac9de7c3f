import type { IncomingMessage, RequestOptions } from "node:http";
import { pinnedLookup, type VettedTarget } from "./net-guard.js";

/**
 * Sends one GET to the vetted address and resolves with the response once its headers arrive.
 * No connection pooling: a pooled socket would outlive the check that chose its address.
 */
export async function openPinnedRequest(
  url: URL,
  target: VettedTarget,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  signal.throwIfAborted();
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const options: RequestOptions = {
    method: "GET",
    hostname: target.hostname,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, Host: url.host },
    agent: false,
    lookup: pinnedLookup(target) as RequestOptions["lookup"],
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      signal.removeEventListener("abort", onAbort);
      // A reset before the body is read must not be an unhandled 'error'; readBody checks `res.errored`.
      res.on("error", () => {});
      resolve(res);
    });
    const onAbort = () => req.destroy(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(signal.aborted ? signal.reason : err);
    });
    req.end();
  });
}
