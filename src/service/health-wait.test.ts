import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerTls } from "../infra/tls/tls-material.js";
import { probeHealthz, waitForHealthy } from "./health-wait.js";

const live = (_req: unknown, res: { setHeader(k: string, v: string): void; end(body: string): void }) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ ok: true, status: "live" }));
};

async function listen(t: { after(fn: () => unknown): void }, server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

async function tlsGateway(t: { after(fn: () => unknown): void }) {
  const tls = (await loadServerTls({ enabled: true }, mkdtempSync(join(tmpdir(), "ocgw-healthz-"))))!;
  const port = await listen(t, createHttpsServer(tls.options, live));
  return { port, fingerprint: tls.fingerprint };
}

test("with the pinned fingerprint, /healthz is probed over https", async (t) => {
  const { port, fingerprint } = await tlsGateway(t);
  assert.equal(await probeHealthz(port, 1000, "127.0.0.1", fingerprint), true);
  assert.equal(await probeHealthz(port, 1000, "127.0.0.1", `sha256:${fingerprint.toUpperCase()}`), true);
  assert.equal(await probeHealthz(port, 1000), false, "plain http cannot talk to a TLS port");
});

test("a different certificate, or no readable pin, is not healthy", async (t) => {
  const { port } = await tlsGateway(t);
  assert.equal(await probeHealthz(port, 1000, "127.0.0.1", "ab".repeat(32)), false);
  assert.equal(await probeHealthz(port, 1000, "127.0.0.1", ""), false);
});

test("without a pin the probe stays plain http", async (t) => {
  const port = await listen(t, createHttpServer(live));
  assert.equal(await probeHealthz(port, 1000), true);
});

test("waitForHealthy reads the pin before each try, so a certificate created after the start is picked up", async (t) => {
  const { port, fingerprint } = await tlsGateway(t);
  let reads = 0;
  const pin = () => (++reads < 3 ? "" : fingerprint);
  assert.equal(await waitForHealthy(port, 3000, 20, pin), true);
  assert.equal(reads, 3);
});
