import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import type { Logger } from "../../infra/logger.js";
import { baileysLogger } from "./baileys-logger.js";

test("the production factory loads Baileys and exposes a socket factory (no connection is made)", async () => {
  const module = await import("./baileys-socket.js");
  assert.equal(typeof module.createBaileysSocket, "function");
  const baileys = await import("baileys");
  for (const name of ["makeWASocket", "useMultiFileAuthState", "makeCacheableSignalKeyStore"] as const) assert.equal(typeof baileys[name], "function", name);
  assert.deepEqual(baileys.Browsers.ubuntu("OpenClaw").slice(0, 2), ["Ubuntu", "OpenClaw"]);
});

test("Baileys' log calls keep the message and an error's message, never the objects", () => {
  const lines: string[] = [];
  const log: Logger = {
    subsystem: "test",
    enabled: () => true,
    trace: (m) => lines.push(`trace ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  const logger = baileysLogger(log);
  logger.child({ class: "socket" }).info({ creds: { noiseKey: "SECRET" } }, "connected to WA");
  logger.error({ err: new Error("boom"), node: { content: "SECRET" } }, "stream errored out");
  logger.warn("plain string");
  assert.deepEqual(lines, ["debug baileys: connected to WA", "warn baileys: stream errored out (boom)", "debug baileys: plain string"]);
  assert.equal(logger.level, "trace");
});

test("the production socket works over a loopback peer: raw frames are seen and a close is reported", async () => {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  // Answers the client's first handshake frame with a frame Baileys cannot decode.
  server.on("connection", (ws) => ws.once("message", () => ws.send(Buffer.from([0, 0, 1, 0]))));
  const authDir = await mkdtemp(join(tmpdir(), "wa-baileys-"));
  const silent: Logger = { subsystem: "test", enabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  try {
    const { createBaileysSocket } = await import("./baileys-socket.js");
    const { port } = server.address() as { port: number };
    const { socket } = await createBaileysSocket({ authDir, log: silent, waWebSocketUrl: `ws://127.0.0.1:${port}` });
    let frames = 0;
    socket.ws?.on("message", () => frames++);
    const states: string[] = [];
    const closed = new Promise<unknown>((resolve) =>
      socket.ev.on("connection.update", (update) => {
        if (update.connection) states.push(update.connection);
        if (update.connection === "close") resolve(update.lastDisconnect?.error);
      }),
    );
    const error = await closed;
    assert.deepEqual(states, ["connecting", "close"]);
    assert.ok(error instanceof Error);
    assert.equal(frames, 1);
    assert.equal(socket.user, undefined);
  } finally {
    server.close();
    await rm(authDir, { recursive: true, force: true });
  }
});
