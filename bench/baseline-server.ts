/**
 * Baseline for the ratios: the least a `ws` server can do to look like the gateway on the wire.
 * Run as its own process: `node dist/bench/baseline-server.js <port> <payloads.json>`.
 *
 * - HTTP GET /healthz -> 200 {"ok":true,"status":"live"} (readiness / cold start, like the gateway)
 * - on WS open: sends a connect.challenge event (random nonce, ts)
 * - every text frame: JSON.parse; "connect" -> res with the captured hello-ok payload (fresh
 *   connId), anything else -> res with the captured health payload (pre-serialized once, spliced
 *   into the frame, as the gateway does with its cached snapshot). No validation, no auth.
 * Prints "baseline ready <port>" when listening; exits on SIGTERM/SIGINT.
 */
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const payloadsPath = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || !payloadsPath) {
  process.stderr.write("usage: baseline-server.js <port> <payloads.json>\n");
  process.exit(2);
}

const payloads = JSON.parse(readFileSync(payloadsPath, "utf8")) as { hello: Record<string, unknown>; health: unknown };
const healthJson = JSON.stringify(payloads.health);
const helloServer = (payloads.hello.server ?? {}) as Record<string, unknown>;

const server = createServer((req, res) => {
  if (req.method === "GET" && (req.url === "/healthz" || req.url === "/health")) {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    res.end('{"ok":true,"status":"live"}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: true, maxPayload: 25 * 1024 * 1024 });

wss.on("connection", (ws) => {
  const connId = randomUUID();
  ws.on("error", () => {});
  ws.on("message", (data) => {
    let frame: { id?: unknown; method?: unknown };
    try {
      frame = JSON.parse(data.toString()) as { id?: unknown; method?: unknown };
    } catch {
      return;
    }
    const id = typeof frame.id === "string" ? frame.id : "invalid";
    if (frame.method === "connect") {
      const hello = { ...payloads.hello, server: { ...helloServer, connId } };
      ws.send(JSON.stringify({ type: "res", id, ok: true, payload: hello }));
    } else {
      ws.send(`{"type":"res","id":${JSON.stringify(id)},"ok":true,"payload":${healthJson}}`);
    }
  });
  ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: randomUUID(), ts: Date.now() } }));
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`baseline ready ${port}\n`);
});

const shutdown = () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
