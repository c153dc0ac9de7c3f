import type { IncomingMessage, ServerResponse } from "node:http";
import { isLoopback } from "../infra/loopback.js";
import { uptimeMs, type GatewayContext } from "../server/context.js";
import { safeModeOf } from "../server/health.js";

export const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(), microphone=(self), geolocation=()",
} as const;

export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

const LIVE = new Set(["/health", "/healthz"]);
const STARTUP = new Set(["/startup", "/startupz"]);
const READY = new Set(["/ready", "/readyz"]);

/** Loopback socket and no proxy headers: the caller is on this machine and may see details. */
function isLocalDirect(req: IncomingMessage): boolean {
  const h = req.headers;
  return isLoopback(req.socket.remoteAddress) && !h.forwarded && !h["x-forwarded-for"] && !h["x-real-ip"] && !h["x-forwarded-host"];
}

/** Answers the liveness, startup and readiness probes; returns false for other paths. */
export function handleProbe(req: IncomingMessage, res: ServerResponse, pathname: string, gateway: GatewayContext): boolean {
  const isLive = LIVE.has(pathname);
  const isStartup = STARTUP.has(pathname);
  const isReady = READY.has(pathname);
  if (!isLive && !isStartup && !isReady) return false;
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", Allow: "GET, HEAD" });
    res.end("Method Not Allowed");
    return true;
  }
  if (isLive) {
    sendJson(res, 200, { ok: true, status: "live" });
    return true;
  }
  const phase = gateway.phase();
  const details = isLocalDirect(req);
  if (isStartup) {
    const status = phase === "running" ? "started" : phase === "draining" ? "draining" : "starting";
    const body: Record<string, unknown> = { ok: status === "started", status };
    if (details) Object.assign(body, { version: gateway.version, uptimeMs: uptimeMs(gateway) }, phase === "starting" ? { pendingReason: "startup-sidecars" } : {});
    sendJson(res, status === "started" ? 200 : 503, body);
    return true;
  }
  const failing = phase === "running" ? [] : [phase === "draining" ? "gateway-draining" : "startup-sidecars"];
  const ready = failing.length === 0;
  const body = details ? { ready, failing, uptimeMs: uptimeMs(gateway), eventLoop: gateway.eventLoop.sample(), ...safeModeOf(gateway) } : { ready };
  sendJson(res, ready ? 200 : 503, body);
  return true;
}
