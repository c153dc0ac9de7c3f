import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConnectContext } from "../types.js";
import type { TelegramAccount, WebhookSettings } from "./account.js";
import { normalizeUpdate, type BotIdentity } from "./normalize.js";

export const MAX_BODY_BYTES = 1024 * 1024;
export const DURABLE_HEADER = "x-openclaw-delivery-accepted";
const SECRET_HEADER = "x-telegram-bot-api-secret-token";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Compares digests, so neither the secret's length nor its prefix leaks through timing. */
function secretMatches(given: string | string[] | undefined, expected: Buffer): boolean {
  return typeof given === "string" && timingSafeEqual(digest(given), expected);
}

function answer(res: ServerResponse, status: number, body = "", headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Reads at most MAX_BODY_BYTES; null when the body is larger. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return resolve(null);
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        resolve(null);
      } else parts.push(part);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

export type WebhookListener = { port: number; close(): Promise<void> };

/**
 * The HTTP endpoint Telegram (through the operator's reverse proxy) posts updates to. An update
 * is answered 200 only once `ctx.receive` committed it; a 500 makes Telegram deliver it again.
 */
export async function listenForWebhooks(settings: WebhookSettings, ctx: ConnectContext<TelegramAccount>, self: BotIdentity): Promise<WebhookListener> {
  const expected = digest(settings.secret);
  let closing = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return answer(res, 200, "ok\n");
    if (path !== settings.path) return answer(res, 404, "not found\n");
    if (req.method !== "POST") return answer(res, 405, "method not allowed\n", { allow: "POST" });
    if (!secretMatches(req.headers[SECRET_HEADER], expected)) return answer(res, 401, "unauthorized\n");
    const body = await readBody(req);
    if (body === null) return answer(res, 413, "payload too large\n", { connection: "close" });
    let update: unknown;
    try {
      update = JSON.parse(body.toString("utf8"));
    } catch {
      return answer(res, 400, "invalid JSON\n");
    }
    if (!update || typeof update !== "object" || !Number.isSafeInteger((update as { update_id?: unknown }).update_id)) {
      return answer(res, 400, "not a Telegram update\n");
    }
    ctx.activity();
    if (closing) return answer(res, 503, "shutting down\n");
    const message = normalizeUpdate(update, self, ctx.accountId);
    if (!message) return answer(res, 200);
    try {
      await ctx.receive(message);
    } catch (err) {
      ctx.log.warn(`telegram: webhook update not committed, Telegram will retry: ${err instanceof Error ? err.message : String(err)}`);
      return answer(res, 500, "not stored\n");
    }
    answer(res, 200, "", { [DURABLE_HEADER]: "durable" });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, "error\n"));
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => ctx.log.warn(`telegram: webhook listener: ${err.message}`));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
    },
  };
}
