/**
 * `openclaw approvals` (alias `exec-approvals`) against a real gateway process: pending lists
 * what waits, approve/deny/resolve answer it (an operator holding the request sees the answer),
 * allow-always leaves a grant that `grants list|revoke` manage, and get/set show and replace the
 * approvals file, locally or on the gateway.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectOperator, dump, runOpenclaw, startSandboxGateway, stdoutJson, useProcessCleanup, waitUntil, type CliResult, type ConfiguredSandbox, type OperatorClient } from "./process-harness.js";

useProcessCleanup();

let c: ConfiguredSandbox;

before(async () => {
  c = await startSandboxGateway();
});

const cli = (...args: string[]) => runOpenclaw(args, c.sb.env, { timeoutMs: 20_000 });

const json = stdoutJson;

/** An operator that asks for approval of `command` and keeps listening for the answer. */
async function pendingRequest(command: string): Promise<{ operator: OperatorClient; id: string }> {
  const operator = await connectOperator(c.port, c.token, { scopes: ["operator.approvals"] });
  const accepted = await operator.request("exec.approval.request", { command, cwd: "/", twoPhase: true, timeoutMs: 60_000 });
  assert.equal(accepted.ok, true, JSON.stringify(accepted.error));
  assert.equal(accepted.payload.status, "accepted");
  return { operator, id: accepted.payload.id };
}

async function answerSeen(operator: OperatorClient, id: string): Promise<string> {
  const event = await waitUntil(() => operator.events("exec.approval.resolved").find((f) => f.payload.id === id), 5000, "exec.approval.resolved");
  return event!.payload.decision;
}

test("pending lists the request with id, agent, age and command; approve answers allow-once", async () => {
  const { operator, id } = await pendingRequest("uname -a");
  const listed = await cli("approvals", "pending", "--json");
  assert.equal(listed.code, 0, dump(listed));
  const entry = json(listed).approvals.find((a: { id: string }) => a.id === id);
  assert.ok(entry, dump(listed));
  assert.equal(entry.kind, "exec");
  assert.equal(entry.summary, "uname -a");
  assert.equal(entry.agentId, "main");
  assert.ok(entry.expiresAtMs > entry.createdAtMs);

  const human = await cli("approvals", "list");
  assert.equal(human.code, 0, dump(human));
  assert.ok(human.stdout.includes(id), dump(human));
  assert.match(human.stdout, /agent=main\s+age \d+s\s+expires in/);
  assert.match(human.stdout, /uname -a/);

  const approved = await cli("approvals", "approve", id);
  assert.equal(approved.code, 0, dump(approved));
  assert.match(approved.stdout, new RegExp(`Resolved: ${id} → allow-once`));
  assert.equal(await answerSeen(operator, id), "allow-once");
  const again = await cli("approvals", "approve", id);
  assert.equal(again.code, 0, dump(again));
  assert.match(again.stdout, /Already resolved \(same decision\)/);
  const conflicting = await cli("approvals", "deny", id);
  assert.notEqual(conflicting.code, 0, dump(conflicting));
  assert.match(conflicting.stderr, /already resolved: allow-once/);
  assert.match((await cli("approvals", "pending")).stdout, /No pending approvals/);
});

test("exec-approvals is the same command tree; deny answers deny", async () => {
  const { operator, id } = await pendingRequest("rm -rf /tmp/never");
  const denied = await cli("exec-approvals", "deny", id, "--json");
  assert.equal(denied.code, 0, dump(denied));
  assert.deepEqual(json(denied), { ok: true, id, decision: "deny" });
  assert.equal(await answerSeen(operator, id), "deny");
});

test("unknown ids and bad decisions fail with one clear line", async () => {
  const unknown = await cli("approvals", "approve", "no-such-id");
  assert.notEqual(unknown.code, 0, dump(unknown));
  assert.match(unknown.stderr, /approval not found: no-such-id/);
  const bad = await cli("approvals", "resolve", "x", "sometimes");
  assert.notEqual(bad.code, 0, dump(bad));
  assert.match(bad.stderr, /Invalid decision "sometimes"/);
});

test("approve --always leaves a grant; grants list shows it and revoke removes it", async () => {
  const { operator, id } = await pendingRequest("ls /");
  const always = await cli("approvals", "approve", id, "--always");
  assert.equal(always.code, 0, dump(always));
  assert.equal(await answerSeen(operator, id), "allow-always");

  const listed = await cli("approvals", "grants", "list", "--json");
  assert.equal(listed.code, 0, dump(listed));
  const grant = json(listed).grants.find((g: { command: string }) => g.command === "ls /");
  assert.ok(grant, dump(listed));
  assert.equal(grant.agentId, "main");
  assert.match((await cli("approvals", "grants", "list")).stdout, /until revoked/);

  const local = await cli("approvals", "get", "--json");
  assert.equal(local.code, 0, dump(local));
  const remote = await cli("approvals", "get", "--gateway", "--json");
  assert.equal(remote.code, 0, dump(remote));
  assert.equal(json(local).hash, json(remote).hash, "the CLI reads the same file the gateway writes");
  assert.equal(json(local).path, join(c.sb.stateDir, "exec-approvals.json"));
  assert.equal(json(remote).file.agents.main.allowlist[0].source, "allow-always");

  const revoked = await cli("approvals", "grants", "revoke", grant.grantId);
  assert.equal(revoked.code, 0, dump(revoked));
  assert.match(revoked.stdout, /Revoked/);
  assert.deepEqual(json(await cli("approvals", "grants", "list", "--json")).grants, []);
});

test("set replaces the gateway's file from a JSON5 document; a bad document is refused", async () => {
  const doc = join(c.sb.root, "approvals.json5");
  writeFileSync(doc, "{ version: 1, defaults: { security: 'allowlist', ask: 'on-miss' }, /* comment */ }");
  const set = await cli("approvals", "set", "--gateway", "--file", doc, "--json");
  assert.equal(set.code, 0, dump(set));
  assert.equal(json(set).file.defaults.security, "allowlist");
  const shown = await cli("approvals", "get");
  assert.equal(shown.code, 0, dump(shown));
  assert.match(shown.stdout, /"security": "allowlist"/);
  writeFileSync(doc, "{ version: 1, defaults: { ask: 'sometimes' } }");
  const bad = await cli("approvals", "set", "--gateway", "--file", doc);
  assert.notEqual(bad.code, 0, dump(bad));
  assert.match(bad.stderr, /defaults\.ask: must be one of off, on-miss, always/);
  const neither = await cli("approvals", "set");
  assert.notEqual(neither.code, 0);
  assert.match(neither.stderr, /--file <path> or --stdin/);
});
