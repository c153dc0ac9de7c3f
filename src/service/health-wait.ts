import { setTimeout as sleep } from "node:timers/promises";
import { request } from "node:http";

/** One `GET /healthz` on loopback: true for 200 with `{"ok":true,"status":"live"}`. */
export function probeHealthz(port: number, timeoutMs = 1000, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/healthz", method: "GET", timeout: timeoutMs }, (res) => {
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
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** Polls `/healthz` until it answers healthy or `timeoutMs` passes. */
export async function waitForHealthy(port: number, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probeHealthz(port, Math.min(1000, Math.max(100, deadline - Date.now())))) return true;
    if (Date.now() + intervalMs > deadline) return false;
    await sleep(intervalMs);
  }
}
