import { setTimeout as sleep } from "node:timers/promises";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";
import { pinMismatch } from "../infra/tls/tls-pin.js";

/** A GET over https that only proceeds when the server presents the pinned certificate. */
function pinnedRequest(options: { host: string; port: number; path: string; timeout: number }, fingerprint: string, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const req = httpsRequest({ ...options, method: "GET", agent: false, rejectUnauthorized: false }, onResponse);
  req.once("socket", (socket) => {
    socket.once("secureConnect", () => {
      const mismatch = pinMismatch(socket as TLSSocket, fingerprint);
      if (mismatch) req.destroy(new Error(mismatch));
    });
  });
  return req;
}

/**
 * One `GET /healthz` on loopback: true for 200 with `{"ok":true,"status":"live"}`. With a TLS pin
 * (a gateway with gateway.tls on) it goes over https and needs that certificate; "" never matches.
 */
export function probeHealthz(port: number, timeoutMs = 1000, host = "127.0.0.1", tlsFingerprint?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { host, port, path: "/healthz", timeout: timeoutMs };
    const onResponse = (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on("end", () => {
        try {
          const parsed = JSON.parse(body) as { ok?: unknown; status?: unknown };
          resolve(res.statusCode === 200 && parsed.ok === true && parsed.status === "live");
        } catch {
          resolve(false);
        }
      });
      res.on("error", () => resolve(false));
    };
    const req = tlsFingerprint === undefined ? request({ ...options, method: "GET" }, onResponse) : pinnedRequest(options, tlsFingerprint, onResponse);
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Polls `/healthz` until it answers healthy or `timeoutMs` passes; `tlsPin` is read before each try. */
export async function waitForHealthy(port: number, timeoutMs: number, intervalMs = 500, tlsPin?: () => string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probeHealthz(port, Math.min(1000, Math.max(100, deadline - Date.now())), "127.0.0.1", tlsPin?.())) return true;
    if (Date.now() + intervalMs > deadline) return false;
    await sleep(intervalMs);
  }
}
