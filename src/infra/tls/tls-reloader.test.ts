import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { generateSelfSignedPair } from "./tls-generate.js";
import { loadServerTls, type LoadedTls } from "./tls-material.js";
import { peerFingerprint } from "./tls-pin.js";
import { TlsReloader } from "./tls-reloader.js";

type Fixture = { server: Server; port: number; reloader: TlsReloader; initial: LoadedTls; spare: { certPath: string; keyPath: string } };

async function fixture(t: { after(fn: () => unknown): void }): Promise<Fixture> {
  const state = mkdtempSync(join(tmpdir(), "ocgw-tls-reload-"));
  const initial = (await loadServerTls({ enabled: true }, state))!;
  const spareDir = mkdtempSync(join(tmpdir(), "ocgw-tls-spare-"));
  const spare = { certPath: join(spareDir, "c.pem"), keyPath: join(spareDir, "k.pem") };
  await generateSelfSignedPair(spare);
  const server = createServer(initial.options, (_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const reloader = new TlsReloader(server, initial, 50);
  reloader.start();
  t.after(async () => {
    reloader.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as { port: number }).port, reloader, initial, spare };
}

function handshake(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => resolve(socket));
    socket.once("error", reject);
  });
}

async function servedFingerprint(port: number): Promise<string> {
  const socket = await handshake(port);
  const fingerprint = peerFingerprint(socket);
  socket.destroy();
  return fingerprint;
}

/** Replaces a file the way deploy tools do: write a sibling, rename it over. */
function replace(target: string, from: string): void {
  copyFileSync(from, `${target}.new`);
  renameSync(`${target}.new`, target);
}

async function eventually(fn: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test("a replaced pair is served to new handshakes while an open TLS connection stays up", async (t) => {
  const { port, reloader, initial, spare } = await fixture(t);
  const open = await handshake(port);
  assert.equal(peerFingerprint(open), initial.fingerprint);
  const spareFingerprint = (await loadServerTls({ enabled: true, certPath: spare.certPath, keyPath: spare.keyPath }, "/unused"))!.fingerprint;

  replace(initial.keyPath, spare.keyPath);
  replace(initial.certPath, spare.certPath);
  await eventually(async () => (await servedFingerprint(port)) === spareFingerprint, "the new certificate");
  assert.equal(reloader.material.fingerprint, spareFingerprint);
  assert.equal(open.destroyed, false);
  open.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const answer = await new Promise<string>((resolve) => open.once("data", (d) => resolve(String(d))));
  assert.match(answer, /^HTTP\/1\.1 200/);
  open.destroy();
});

test("a bad replacement keeps the previous certificate; fixing it is picked up", async (t) => {
  const { port, reloader, initial, spare } = await fixture(t);
  replace(initial.certPath, spare.certPath); // the new cert with the old key: mismatched
  await new Promise((resolve) => setTimeout(resolve, 100));
  await reloader.settled();
  assert.equal(await servedFingerprint(port), initial.fingerprint);
  assert.equal(reloader.material.fingerprint, initial.fingerprint);

  writeFileSync(initial.certPath, "garbage");
  await new Promise((resolve) => setTimeout(resolve, 100));
  await reloader.settled();
  assert.equal(await servedFingerprint(port), initial.fingerprint);

  replace(initial.certPath, spare.certPath);
  replace(initial.keyPath, spare.keyPath);
  await eventually(async () => (await servedFingerprint(port)) !== initial.fingerprint, "the fixed pair");
});

test("a paused reloader ignores changes; resuming checks the files", async (t) => {
  const { port, reloader, initial, spare } = await fixture(t);
  reloader.stop();
  replace(initial.keyPath, spare.keyPath);
  replace(initial.certPath, spare.certPath);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(await servedFingerprint(port), initial.fingerprint);
  reloader.resume();
  await eventually(async () => (await servedFingerprint(port)) !== initial.fingerprint, "the renewal after resuming");
});
