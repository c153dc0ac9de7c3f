/**
 * The official OpenClaw 2026.9.6 clients (via /work/shared/tools/openclaw-peer) reaching our TLS
 * gateway with their own fingerprint options: the CLI in remote mode with
 * `gateway.remote.tlsFingerprint`, and the node host with `--tls --tls-fingerprint`. A wrong pin
 * is refused. Skipped when the peer is not installed.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dump, makeConfiguredSandbox, makeSandbox, runOpenclaw, spawnProcess, startGateway, useProcessCleanup, waitUntil, type Proc } from "./process-harness.js";

useProcessCleanup();

const PEER = "/work/shared/tools/openclaw-peer";
const peerDir = existsSync(PEER) ? spawnSync(PEER, ["--path"], { encoding: "utf8" }).stdout.trim() : "";
const installed = peerDir !== "" && existsSync(join(peerDir, "app/node_modules/.bin/openclaw"));

describe("the official clients over wss with a pinned certificate", { skip: installed ? false : "openclaw-peer not installed", timeout: 120_000 }, () => {
  let ours: Awaited<ReturnType<typeof makeConfiguredSandbox>>;
  let gateway: Proc;
  let fingerprint: string;
  const wrongPin = "ab".repeat(32);

  /** A throwaway HOME for the official CLI whose config points at our gateway in remote mode. */
  function remoteConfig(pin: string) {
    const peer = makeSandbox();
    peer.writeConfig({ gateway: { mode: "remote", remote: { url: `wss://127.0.0.1:${ours.port}`, token: ours.token, tlsFingerprint: pin } } });
    return peer.env;
  }

  test("the official CLI in remote mode connects with gateway.remote.tlsFingerprint", async () => {
    ours = await makeConfiguredSandbox({ extraGateway: { tls: { enabled: true } } });
    gateway = await startGateway(ours.sb.env);
    fingerprint = /TLS certificate fingerprint \(SHA-256\): ([0-9a-f]{64})/.exec(gateway.output())?.[1] ?? "";
    assert.ok(fingerprint, dump(gateway));
    // The official CLI also takes the colon-separated upper-case form that openssl prints.
    const colons = fingerprint.toUpperCase().match(/../g)!.join(":");
    const proc = spawnProcess(PEER, ["health", "--json"], { env: remoteConfig(colons) });
    const exit = await proc.exited;
    assert.equal(exit.code, 0, dump(proc));
    assert.equal(JSON.parse(proc.stdout()).ok, true, dump(proc));
  });

  test("a wrong pin is refused by the official CLI", async () => {
    const proc = spawnProcess(PEER, ["health", "--json", "--timeout", "5000"], { env: remoteConfig(wrongPin) });
    const exit = await proc.exited;
    assert.notEqual(exit.code, 0, dump(proc));
    assert.match(proc.output(), /fingerprint/i, dump(proc));
  });

  test("the official node host connects with --tls --tls-fingerprint and asks to be paired", async () => {
    const home = makeSandbox();
    const node = spawnProcess(PEER, ["node", "run", "--host", "127.0.0.1", "--port", String(ours.port), "--tls", "--tls-fingerprint", fingerprint], {
      env: { ...home.env, OPENCLAW_GATEWAY_TOKEN: ours.token },
    });
    after(() => node.stop("SIGKILL"));
    // Our CLI reads the local certificate and pins it by itself.
    const pending = await waitUntil(
      async () => {
        const res = await runOpenclaw(["nodes", "pending", "--json"], ours.sb.env);
        return res.code === 0 && (JSON.parse(res.stdout) as unknown[]).length > 0 ? res : null;
      },
      45_000,
      "the node host's pairing request",
      500,
    ).catch((err: Error) => assert.fail(`${err.message}\n${node.output()}`));
    assert.match(pending!.stdout, /system\.run/);
  });
});
