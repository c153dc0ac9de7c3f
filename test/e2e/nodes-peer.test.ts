/**
 * The official OpenClaw 2026.9.6 node host (`openclaw node run`, via /work/shared/tools/openclaw-peer)
 * against this gateway: it connects with its signed device, waits for capability approval, is
 * approved with our CLI, answers `nodes invoke --command system.which`, and runs an agent's
 * `exec host=node` commands under the gateway's exec approvals. Skipped when the peer is not installed.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, dump, runOpenclaw, waitUntil } from "./process-harness.js";
import { ADMIN_SCOPES, TEST_TOKEN, startFileGateway, type TestClient } from "./harness.js";
import { chatEnd, client, providerFor, sendChat, startStandIn, tag } from "./agent-harness.js";

const PEER = "/work/shared/tools/openclaw-peer";
const peerDir = existsSync(PEER) ? spawnSync(PEER, ["--path"], { encoding: "utf8" }).stdout.trim() : "";
const installed = peerDir !== "" && existsSync(join(peerDir, "app/node_modules/.bin/openclaw"));

const script = (steps: Array<{ name: string; args: Record<string, unknown> }>, word: string) => `do it ${word} MARK:script ${JSON.stringify(steps)}`;

const standIn = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: {
      defaults: { model: { primary: "mock/echo" } },
      entries: { main: { default: true }, asker: { tools: { exec: { security: "full", ask: "always" } } } },
    },
    models: { providers: { mock: providerFor(standIn) } },
  },
});

describe("the official node host", { skip: installed ? false : "openclaw-peer not installed", timeout: 120_000 }, () => {
  let home: string;
  let child: ChildProcess;
  let output = "";
  let op: TestClient;
  let nodeId: string;
  const cli = (...args: string[]) => runOpenclaw([...args, "--url", gw.url, "--token", TEST_TOKEN], cleanEnv());

  before(() => {
    home = mkdtempSync(join(tmpdir(), "oc-node-peer-"));
    child = spawn(PEER, ["node", "run", "--host", "127.0.0.1", "--port", String(gw.port)], {
      env: { ...cleanEnv(), HOME: home, OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
  });
  // Clients are closed after each test by the harness, so each test opens its own.
  beforeEach(async () => {
    op = await client(gw.url, [...ADMIN_SCOPES, "operator.pairing", "operator.approvals"]);
  });

  after(async () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {}
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    rmSync(home, { recursive: true, force: true });
  });

  test("it waits for approval, is approved with our CLI and answers system.which", async () => {
    const request = await op.waitFor((f) => f.event === "node.pair.requested", { timeoutMs: 45_000 }).catch((err) => assert.fail(`${err.message}\n${output}`));
    assert.ok(request.payload.commands.includes("system.run"));
    nodeId = request.payload.nodeId;
    const approved = await cli("nodes", "approve", request.payload.requestId);
    assert.equal(approved.code, 0, dump(approved));
    await waitUntil(async () => (await op.call("node.describe", { nodeId })).approvalState === "approved", 5000, "approval");
    const invoked = await cli("nodes", "invoke", "--node", nodeId, "--command", "system.which", "--params", '{"bins":["sh"]}', "--json");
    assert.equal(invoked.code, 0, dump(invoked) + output);
    const result = JSON.parse(invoked.stdout);
    assert.equal(result.ok, true);
    assert.match(result.payload.bins.sh, /\/sh$/);
  });

  test("an agent's exec with host=node runs on the node and the reply carries its output", async () => {
    const word = tag();
    const steps = [{ name: "exec", args: { host: "node", command: `echo "from-node-${word}"; echo "cwd=$(pwd)"`, workdir: home } }];
    const { runId } = await sendChat(op, `agent:main:node-${word}`, script(steps, word));
    const end = (await chatEnd(op, runId, 30_000)).payload;
    assert.equal(end.state, "final", JSON.stringify(end));
    const reply = end.message.content[0].text as string;
    assert.match(reply, new RegExp(`from-node-${word}`), reply);
    assert.match(reply, new RegExp(`cwd=${home}`), "the command ran in the workdir on the node");
    assert.match(reply, new RegExp(`Ran on node ${nodeId}`));
  });

  test("a node command that needs approval waits for the owner; allow-once runs it, deny does not", async () => {
    for (const decision of ["allow-once", "deny"] as const) {
      const word = tag();
      const steps = [{ name: "exec", args: { host: "node", command: `echo "approved-${word}"` } }];
      const from = op.frames.length;
      const { runId } = await sendChat(op, `agent:asker:node-${word}`, script(steps, word));
      const requested = await op.waitForEvent("exec.approval.requested", { from, timeoutMs: 15_000 });
      assert.equal(requested.payload.request.host, "node");
      assert.equal(requested.payload.request.nodeId, nodeId);
      assert.deepEqual(requested.payload.request.allowedDecisions, ["allow-once", "deny"], "allow-always is not offered for node commands");
      await op.call("exec.approval.resolve", { id: requested.payload.id, decision });
      const end = (await chatEnd(op, runId, 30_000)).payload;
      const reply = end.message.content[0].text as string;
      if (decision === "allow-once") assert.match(reply, new RegExp(`approved-${word}`), reply);
      else {
        assert.doesNotMatch(reply, new RegExp(`approved-${word}\\n`), reply);
        assert.match(reply, /denied/, reply);
      }
    }
  });

  test("node.invoke cannot claim an approval for system.run; the node's own approvals are readable", async () => {
    const forged = await op.request("node.invoke", { nodeId, command: "system.run", params: { command: ["/bin/echo", "x"], approved: true, approvalDecision: "allow-once" }, idempotencyKey: tag() });
    assert.equal(forged.ok, false);
    assert.equal(forged.error.details.code, "APPROVAL_NOT_ALLOWED");
    const approvals = await op.call("exec.approvals.node.get", { nodeId });
    assert.equal(typeof approvals.hash, "string", JSON.stringify(approvals));
    assert.equal(approvals.file.version, 1);
  });
});
