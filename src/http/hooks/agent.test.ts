import { test } from "node:test";
import assert from "node:assert/strict";
import type { AgentService, RunEvent, SubmitResult, TurnRequest } from "../../agents/types.js";
import { testGateway } from "../test-helpers.js";
import { admitAgentRun, completionOfOutcome, parseAgentRequest } from "./agent.js";
import { resolveHooksConfig } from "./config.js";

const hooks = resolveHooksConfig({ hooks: { enabled: true, token: "t" } })!;
const action = () => {
  const parsed = parseAgentRequest({ message: "hello" });
  assert.ok(parsed.ok);
  return parsed.value.action;
};

/** Queues every run and starts one only when told to. */
function queuingAgents(): { agents: AgentService; aborted: string[]; startAll(): void } {
  const listeners = new Map<string, (event: RunEvent) => void>();
  const aborted: string[] = [];
  const gateway = testGateway();
  const agents = Object.assign(Object.create(gateway.agents) as AgentService, {
    async submit(turn: TurnRequest): Promise<SubmitResult> {
      return { kind: "queued", runId: turn.runId, sessionKey: turn.sessionKey, sessionId: null, acceptedAt: Date.now(), interruptedRunIds: [] };
    },
    subscribe(runId: string, listener: (event: RunEvent) => void) {
      listeners.set(runId, listener);
      return () => listeners.delete(runId);
    },
    abort(_agentId: string, _sessionKey: string, runId?: string) {
      aborted.push(runId!);
      return [runId!];
    },
  });
  const startAll = () => {
    for (const [runId, listener] of listeners) listener({ type: "start", runId, sessionKey: "k", sessionId: "s", agentId: "main", startedAt: Date.now() });
  };
  return { agents, aborted, startAll };
}

test("a queued run is admitted when it starts", async () => {
  const fake = queuingAgents();
  const gateway = testGateway();
  (gateway.context as { agents: AgentService }).agents = fake.agents;
  const admission = admitAgentRun(gateway.context, hooks, action(), 5_000);
  await new Promise((r) => setTimeout(r, 20));
  fake.startAll();
  const admitted = await admission;
  assert.ok(admitted.ok);
  assert.match(admitted.sessionKey, /^agent:main:hook:/);
  assert.deepEqual(fake.aborted, []);
});

test("a run not admitted in time is cancelled and answered 503 with its run id", async () => {
  const fake = queuingAgents();
  const gateway = testGateway();
  (gateway.context as { agents: AgentService }).agents = fake.agents;
  const admission = await admitAgentRun(gateway.context, hooks, action(), 30);
  assert.equal(admission.ok, false);
  assert.ok(!admission.ok);
  assert.equal(admission.status, 503);
  assert.match(admission.error, /not admitted within .*cancelled/);
  assert.deepEqual(fake.aborted, [admission.runId]);
});

test("submit failures map to 409 (cannot accept work) and 502 (preparation)", async () => {
  const gateway = testGateway();
  const { GatewayError, ErrorCodes } = await import("../../protocol/errors.js");
  gateway.agents.submitError = new GatewayError({ code: ErrorCodes.unavailable, message: "queue full" });
  const busy = await admitAgentRun(gateway.context, hooks, action());
  assert.deepEqual(busy.ok ? null : [busy.status, busy.error], [409, "hook run not admitted: queue full"]);
  gateway.agents.submitError = new Error("disk on fire");
  const broken = await admitAgentRun(gateway.context, hooks, action());
  assert.deepEqual(broken.ok ? null : [broken.status, broken.error], [502, "hook agent preparation failed"]);
});

test("completion: status from the outcome, disposition from the reply", () => {
  const outcome = (status: "ok" | "error" | "aborted" | "timeout", text: string) => ({ status, text }) as Parameters<typeof completionOfOutcome>[0];
  assert.deepEqual(completionOfOutcome(outcome("ok", "hi")), { status: "ok", replyDisposition: "visible" });
  assert.deepEqual(completionOfOutcome(outcome("ok", " NO_REPLY ")), { status: "ok", replyDisposition: "silent" });
  assert.deepEqual(completionOfOutcome(outcome("timeout", "")), { status: "error", replyDisposition: "empty" });
  assert.deepEqual(completionOfOutcome(outcome("aborted", "")), { status: "skipped", replyDisposition: "empty" });
  assert.deepEqual(completionOfOutcome(null), { status: "skipped", replyDisposition: "empty" });
});
