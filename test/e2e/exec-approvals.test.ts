/**
 * Exec approvals over the protocol: a command the policy must ask about becomes
 * `exec.approval.requested` for clients with operator.approvals (never for read-only ones), is
 * listed and answered through `exec.approval.*`, and the approvals file is read and replaced
 * through `exec.approvals.get|set` (admin only) with baseHash checks.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { CommandRequest } from "../../src/agents/tools/types.js";
import { ADMIN_SCOPES, connectClient, sleep, startFileGateway, type Frame, type TestClient, type TestGateway } from "./harness.js";

const gw: TestGateway = await startFileGateway({ extraConfig: { tools: { exec: { mode: "ask" } } } });
let approver: TestClient;
let reader: TestClient;
let admin: TestClient;

// Clients are closed after each test by the harness.
beforeEach(async () => {
  approver = (await connectClient(gw.url, { scopes: ["operator.approvals"] })).client;
  reader = (await connectClient(gw.url, { scopes: ["operator.read", "operator.write"] })).client;
  admin = (await connectClient(gw.url, { scopes: ADMIN_SCOPES })).client;
});

const command = (commandText: string): CommandRequest => ({
  agentId: "main",
  sessionKey: "agent:main:main",
  runId: "run-e2e",
  toolCallId: "call-e2e",
  commandText,
  argv: null,
  cwd: "/",
  sandboxed: false,
  surface: "agent",
});

function authorize(commandText: string, signal = new AbortController().signal) {
  return gw.gw.context.approvals!.gate.authorize(command(commandText), signal);
}

function assertMissingScope(res: Frame, scope: string): void {
  assert.equal(res.ok, false);
  assert.equal(res.error.code, "FORBIDDEN");
  assert.equal(res.error.details?.missingScope, scope);
}

describe("exec approval requests", () => {
  test("hello-ok advertises the approval methods and events", async () => {
    const { hello, client } = await connectClient(gw.url, { scopes: ["operator.read"] });
    for (const m of ["exec.approval.get", "exec.approval.list", "exec.approval.request", "exec.approval.waitDecision", "exec.approval.resolve", "exec.approval.grants.list", "exec.approval.grants.revoke", "exec.approvals.get", "exec.approvals.set"]) {
      assert.ok(hello.features.methods.includes(m), `missing method ${m}`);
    }
    for (const e of ["exec.approval.requested", "exec.approval.resolved"]) assert.ok(hello.features.events.includes(e), `missing event ${e}`);
    await client.close();
  });

  test("an approver sees the request and answers it; a read-only operator sees nothing", async () => {
    const from = approver.frames.length;
    const readerFrom = reader.frames.length;
    const verdict = authorize("ls -la /");
    const requested = await approver.waitForEvent("exec.approval.requested", { from });
    const { id, request, createdAtMs, expiresAtMs } = requested.payload;
    assert.equal(request.command, "ls -la /");
    assert.equal(request.agentId, "main");
    assert.equal(request.host, "gateway");
    assert.equal(request.cwd, "/");
    assert.equal(typeof request.resolvedPath, "string");
    assert.equal(expiresAtMs - createdAtMs, 30 * 60_000, "OpenClaw's default expiry");

    const listed = await approver.call("exec.approval.list", {});
    assert.deepEqual(listed.map((a: { id: string }) => a.id), [id]);
    assertMissingScope(await reader.request("exec.approval.list", {}), "operator.approvals");
    assertMissingScope(await reader.request("exec.approval.resolve", { id, decision: "allow-once" }), "operator.approvals");
    assert.equal((await approver.call("exec.approval.get", { id })).status, "pending");

    assert.deepEqual(await approver.call("exec.approval.resolve", { id, decision: "allow-once" }), { ok: true, id, decision: "allow-once" });
    assert.deepEqual(await verdict, { allowed: true, via: "allow-once" });
    const resolved = await approver.waitForEvent("exec.approval.resolved", { from });
    assert.equal(resolved.payload.id, id);
    assert.equal(resolved.payload.decision, "allow-once");
    assert.equal(typeof resolved.payload.ts, "number");

    await sleep(50);
    assert.deepEqual(reader.frames.slice(readerFrom).filter((f) => f.type === "event" && String(f.event).startsWith("exec.approval")), [], "read-only operators get no approval events");
    assert.ok(admin.events("exec.approval.requested").some((f) => f.payload.id === id), "admin implies approvals");
  });

  test("a deny reaches the waiting command; unknown ids and bad decisions are refused", async () => {
    const from = approver.frames.length;
    const verdict = authorize("rm -rf /tmp/nothing-here");
    const { id } = (await approver.waitForEvent("exec.approval.requested", { from })).payload;
    const bad = await approver.request("exec.approval.resolve", { id, decision: "maybe" });
    assert.equal(bad.error.code, "INVALID_REQUEST");
    assert.equal((await approver.call("exec.approval.resolve", { id, decision: "deny" })).decision, "deny");
    const result = await verdict;
    assert.equal(result.allowed, false);
    assert.match((result as { message: string }).message, /the owner denied this command/);
    const repeat = await approver.call("exec.approval.resolve", { id, decision: "deny" });
    assert.equal(repeat.alreadyResolved, true);
    const unknown = await approver.request("exec.approval.resolve", { id: "no-such-approval", decision: "deny" });
    assert.equal(unknown.error.code, "APPROVAL_NOT_FOUND");
    assert.equal((await approver.request("exec.approval.get", { id: "no-such-approval" })).error.code, "APPROVAL_NOT_FOUND");
  });

  test("allow-always becomes a grant: the command then runs without asking until the grant is revoked", async () => {
    const from = approver.frames.length;
    const first = authorize("ls /");
    const { id } = (await approver.waitForEvent("exec.approval.requested", { from })).payload;
    await approver.call("exec.approval.resolve", { id, decision: "allow-always" });
    assert.deepEqual(await first, { allowed: true, via: "allow-always" });
    assert.deepEqual(await authorize("ls /"), { allowed: true, via: "allowlist" });
    const { grants } = await approver.call("exec.approval.grants.list", { limit: 10 });
    assert.equal(grants.length, 1);
    assert.equal(grants[0].command, "ls /");
    assert.equal(grants[0].agentId, "main");
    assert.deepEqual(await approver.call("exec.approval.grants.revoke", { grantId: grants[0].grantId }), { ok: true, grantId: grants[0].grantId, revoked: true, outcome: "revoked" });
    const again = approver.frames.length;
    const second = authorize("ls /");
    const asked = (await approver.waitForEvent("exec.approval.requested", { from: again })).payload;
    await approver.call("exec.approval.resolve", { id: asked.id, decision: "deny" });
    assert.equal((await second).allowed, false);
  });

  test("exec.approval.request: twoPhase answers accepted at once, then the decision", async () => {
    const reqId = approver.sendRequest("exec.approval.request", { command: "uname -a", cwd: "/", twoPhase: true, timeoutMs: 60_000 });
    const accepted = await approver.waitForResponse(reqId);
    assert.equal(accepted.payload.status, "accepted");
    const id = accepted.payload.id;
    const waited = approver.request("exec.approval.waitDecision", { id }, 5000);
    const from = approver.frames.indexOf(accepted) + 1;
    await approver.call("exec.approval.resolve", { id, decision: "allow-once" });
    const final = await approver.waitFor((f) => f.type === "res" && f.id === reqId, { from, label: "final answer" });
    assert.equal(final.payload.decision, "allow-once");
    assert.equal((await waited).payload.decision, "allow-once");
  });

  test("exec.approval.request without twoPhase waits; waitDecision times out with null", async () => {
    const pending = approver.request("exec.approval.request", { id: "fixed-id-1", command: "date", timeoutMs: 60_000 }, 5000);
    const wait = await approver.call("exec.approval.waitDecision", { id: "fixed-id-1", timeoutMs: 30 });
    assert.equal(wait.decision, null);
    await approver.call("exec.approval.resolve", { id: "fixed-id-1", decision: "deny" });
    assert.equal((await pending).payload.decision, "deny");
    const missing = await approver.request("exec.approval.request", { cwd: "/" });
    assert.equal(missing.error.code, "INVALID_REQUEST");
  });
});

describe("the kind-agnostic approval methods (official `openclaw approvals resolve`)", () => {
  test("approval.get shows the pending record; approval.resolve applies once and reports the winner after", async () => {
    const from = approver.frames.length;
    const verdict = authorize("cat /etc/hostname");
    const { id } = (await approver.waitForEvent("exec.approval.requested", { from })).payload;
    const got = await approver.call("approval.get", { id });
    assert.equal(got.approval.status, "pending");
    assert.equal(got.approval.presentation.kind, "exec");
    assert.deepEqual(got.approval.presentation.allowedDecisions, ["allow-once", "allow-always", "deny"]);
    const first = await approver.call("approval.resolve", { id, kind: "exec", decision: "deny" });
    assert.equal(first.applied, true);
    assert.equal(first.approval.decision, "deny");
    assert.equal(first.approval.resolver.kind, "operator");
    assert.equal((await verdict).allowed, false);
    const late = await approver.call("approval.resolve", { id, kind: "exec", decision: "allow-once" });
    assert.equal(late.applied, false);
    assert.equal(late.approval.decision, "deny", "first answer wins");
    const missing = await approver.request("approval.get", { id: "nope" });
    assert.equal(missing.error.code, "APPROVAL_NOT_FOUND");
    assert.match(missing.error.message, /approval not found/);
    assert.deepEqual(await approver.call("plugin.approval.list", {}), []);
    assert.deepEqual(await approver.call("openclaw.approval.list", {}), []);
  });
});

describe("the approvals file over RPC", () => {
  test("get shows path/exists/hash/file; set replaces it at 0600; a stale baseHash is refused", async () => {
    const initial = await admin.call("exec.approvals.get", {});
    assert.equal(initial.path, join(gw.stateDir, "exec-approvals.json"));
    assert.equal(typeof initial.hash, "string");
    const file = { version: 1, defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" }, agents: { main: { allowlist: [{ pattern: "/usr/bin/git" }] } } };
    const saved = await admin.call("exec.approvals.set", { file, baseHash: initial.hash });
    assert.equal(saved.exists, true);
    assert.notEqual(saved.hash, initial.hash);
    assert.equal(statSync(saved.path).mode & 0o777, 0o600);
    const read = await admin.call("exec.approvals.get", {});
    assert.equal(read.hash, saved.hash);
    assert.equal(read.file.defaults.security, "allowlist");
    const stale = await admin.request("exec.approvals.set", { file, baseHash: initial.hash });
    assert.equal(stale.error.code, "INVALID_REQUEST");
    assert.equal(stale.error.details.code, "STALE_HASH");
    assert.match(stale.error.message, /stale baseHash/);
    const invalid = await admin.request("exec.approvals.set", { file: { version: 1, defaults: { security: "yolo" } } });
    assert.equal(invalid.error.code, "INVALID_REQUEST");
    assert.match(invalid.error.message, /defaults\.security/);
    assertMissingScope(await approver.request("exec.approvals.get", {}), "operator.admin");
    assertMissingScope(await approver.request("exec.approvals.set", { file }), "operator.admin");
    await admin.call("exec.approvals.set", { file: { version: 1 } });
  });
});
