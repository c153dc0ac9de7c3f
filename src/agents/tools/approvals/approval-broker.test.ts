import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayError } from "../../../protocol/errors.js";
import { ApprovalBroker, type ExecApprovalRequest } from "./approval-broker.js";

function fakeEvents(approver = true) {
  const sent: Array<{ event: string; payload: any }> = [];
  return { sent, broadcast: (event: string, payload: unknown) => void sent.push({ event, payload }), wanted: () => approver };
}

const request: ExecApprovalRequest = { command: "rm -rf build", cwd: "/w", host: "gateway", agentId: "main", sessionKey: "agent:main:main", allowedDecisions: ["allow-once", "allow-always", "deny"] };
const code = (err: unknown) => (err as GatewayError).shape.code;

test("a request is announced, listed, answered once and announced as resolved", async () => {
  const events = fakeEvents();
  const broker = new ApprovalBroker({ events, now: () => 1000 });
  const record = broker.create(request, { timeoutMs: 60_000 });
  assert.deepEqual(events.sent[0], { event: "exec.approval.requested", payload: { id: record.id, request, createdAtMs: 1000, expiresAtMs: 61_000 } });
  assert.deepEqual(broker.list().map((r) => r.id), [record.id]);
  const waiting = broker.waitDecision(record.id);
  const { alreadyResolved } = await broker.resolve(record.id, "allow-once", "cli");
  assert.equal(alreadyResolved, false);
  assert.equal(await waiting, "allow-once");
  assert.deepEqual(events.sent[1], { event: "exec.approval.resolved", payload: { id: record.id, decision: "allow-once", resolvedBy: "cli", ts: 1000 } });
  assert.deepEqual(broker.list(), []);
  assert.equal(broker.get(record.id)?.status, "resolved");
  assert.equal(await broker.waitDecision(record.id), "allow-once", "a late wait gets the outcome");
  assert.equal((await broker.resolve(record.id, "allow-once", "ui")).alreadyResolved, true);
  await assert.rejects(broker.resolve(record.id, "deny", "ui"), /already resolved: allow-once/);
});

test("unknown ids answer APPROVAL_NOT_FOUND", async () => {
  const broker = new ApprovalBroker({ events: fakeEvents() });
  await assert.rejects(broker.resolve("nope", "deny", null), (err) => code(err) === "APPROVAL_NOT_FOUND");
  await assert.rejects(broker.waitDecision("nope"), (err) => code(err) === "APPROVAL_NOT_FOUND");
});

test("a request expires: waiters get null, resolving it is not found", async () => {
  const events = fakeEvents();
  const broker = new ApprovalBroker({ events });
  const record = broker.create(request, { timeoutMs: 30 });
  assert.equal(await broker.waitDecision(record.id), null);
  assert.equal(broker.get(record.id)?.status, "expired");
  assert.equal(events.sent[1]?.payload.reason, "expired");
  await assert.rejects(broker.resolve(record.id, "allow-once", null), (err) => code(err) === "APPROVAL_NOT_FOUND" && /expired/.test((err as Error).message));
});

test("waitDecision's own timeout returns null and leaves the request pending", async () => {
  const broker = new ApprovalBroker({ events: fakeEvents() });
  const record = broker.create(request, { timeoutMs: 60_000 });
  assert.equal(await broker.waitDecision(record.id, { timeoutMs: 20 }), null);
  assert.equal(broker.get(record.id)?.status, "pending");
  broker.close();
});

test("an aborted signal ends the wait; cancel withdraws the request and tells clients", async () => {
  const events = fakeEvents();
  const broker = new ApprovalBroker({ events });
  const record = broker.create(request, { timeoutMs: 60_000 });
  const controller = new AbortController();
  const waiting = broker.waitDecision(record.id, { signal: controller.signal });
  controller.abort();
  assert.equal(await waiting, null);
  assert.ok(broker.cancel(record.id));
  assert.deepEqual(broker.list(), []);
  assert.equal(events.sent.at(-1)?.payload.reason, "cancelled");
  await assert.rejects(broker.resolve(record.id, "allow-once", null), /cancelled/);
});

test("allow-always is saved before waiters hear it; decisions not offered are refused", async () => {
  const order: string[] = [];
  const broker = new ApprovalBroker({ events: fakeEvents() });
  const record = broker.create(request, { timeoutMs: 60_000, onAllowAlways: async () => void order.push("saved") });
  const waiting = broker.waitDecision(record.id).then((d) => order.push(`heard ${d}`));
  await broker.resolve(record.id, "allow-always", null);
  await waiting;
  assert.deepEqual(order, ["saved", "heard allow-always"]);
  const narrow = broker.create({ ...request, allowedDecisions: ["allow-once", "deny"] }, { timeoutMs: 60_000 });
  await assert.rejects(broker.resolve(narrow.id, "allow-always", null), /not offered/);
  broker.close();
});

test("ids chosen by the caller must be unused", () => {
  const broker = new ApprovalBroker({ events: fakeEvents() });
  broker.create(request, { id: "fixed", timeoutMs: 60_000 });
  assert.throws(() => broker.create(request, { id: "fixed", timeoutMs: 60_000 }), /already in use/);
  broker.close();
});

test("hasApprover asks the hub whether anyone takes exec.approval.requested", () => {
  assert.equal(new ApprovalBroker({ events: fakeEvents(false) }).hasApprover(), false);
  assert.equal(new ApprovalBroker({ events: fakeEvents(true) }).hasApprover(), true);
});

test("resolve, expiry and cancel are exclusive: an answer saving allow-always is not overtaken by the expiry", async () => {
  const events = fakeEvents();
  const broker = new ApprovalBroker({ events });
  const record = broker.create(request, { timeoutMs: 20, onAllowAlways: () => new Promise((r) => setTimeout(r, 80)) });
  const heard = broker.waitDecision(record.id);
  const { alreadyResolved } = await broker.resolve(record.id, "allow-always", "ui");
  assert.equal(alreadyResolved, false);
  assert.equal(await heard, "allow-always");
  assert.equal(record.status, "resolved");
  assert.equal(record.decision, "allow-always");
  assert.equal(broker.cancel(record.id), false, "cancel after the answer is a no-op");
  const resolved = events.sent.filter((s) => s.event === "exec.approval.resolved");
  assert.deepEqual(resolved.map((s) => s.payload.decision), ["allow-always"], "one outcome announced");

  const cancelled = broker.create(request, { timeoutMs: 20 });
  assert.ok(broker.cancel(cancelled.id));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(cancelled.status, "cancelled", "the expiry after a cancel is a no-op");
  assert.equal(events.sent.filter((s) => s.event === "exec.approval.resolved" && s.payload.id === cancelled.id).length, 1);
});

test("timeouts beyond what a timer can wait are capped, not turned into 1 ms", async () => {
  const broker = new ApprovalBroker({ events: fakeEvents(), now: () => 0 });
  const record = broker.create(request, { timeoutMs: 2 ** 32 });
  assert.equal(record.expiresAtMs, 2 ** 31 - 1);
  let waited: unknown = "waiting";
  void broker.waitDecision(record.id, { timeoutMs: 2 ** 32 }).then((d) => (waited = d));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(record.status, "pending");
  assert.equal(waited, "waiting");
  broker.close();
});
