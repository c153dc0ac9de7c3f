import { randomUUID } from "node:crypto";
import type { AgentRuntime } from "../../runtime.js";
import { sessionKind } from "../../session-key.js";
import { sessionView } from "../../views.js";
import type { SessionTools } from "../types.js";

/**
 * The session tools' view of the agent runtime; `runtimeOf` is called late because the runtime is
 * built with its tools. Reading never creates a database.
 */
export function runtimeSessions(runtimeOf: () => AgentRuntime): SessionTools {
  return {
    agentIds: () => runtimeOf().agentIds(),
    async listSessions(agentId, opts) {
      const runtime = runtimeOf();
      const store = await runtime.existingStore(agentId);
      if (!store) return [];
      const activeSinceMs = opts.activeMinutes ? Date.now() - opts.activeMinutes * 60_000 : undefined;
      const { rows } = store.listSessions({ limit: opts.kinds ? Math.max(opts.limit * 4, 200) : opts.limit, offset: 0, activeSinceMs });
      return rows
        .filter((row) => !opts.kinds || opts.kinds.includes(sessionKind(row.key)))
        .slice(0, opts.limit)
        .map((row) => sessionView(row, agentId, runtime.activeRunIds(agentId, row.key)));
    },
    async sessionStatus(agentId, sessionKey) {
      const runtime = runtimeOf();
      const row = (await runtime.existingStore(agentId))?.getSession(sessionKey);
      return row ? sessionView(row, agentId, runtime.activeRunIds(agentId, sessionKey)) : null;
    },
    async send(fromSessionKey, target, message, timeoutMs, signal) {
      const runtime = runtimeOf();
      const runId = randomUUID();
      const submitted = await runtime.submit({
        agentId: target.agentId,
        sessionKey: target.sessionKey,
        runId,
        message: `[message from session ${fromSessionKey}]\n${message}`,
        source: "sessions_send",
        channel: "internal",
      });
      if (timeoutMs <= 0) return { runId, status: submitted.kind === "queued" ? "queued" : "accepted", sessionKey: target.sessionKey };
      const stopped = new Promise<null>((resolve) => signal.addEventListener("abort", () => resolve(null), { once: true }));
      const outcome = await Promise.race([runtime.wait(runId, timeoutMs, target.agentId), stopped]);
      if (signal.aborted) return { runId, status: "accepted", sessionKey: target.sessionKey, note: "this run was stopped before the reply came; the message was delivered" };
      if (!outcome) return { runId, status: "timeout", sessionKey: target.sessionKey, note: "the reply did not arrive in time; it will still be recorded in that session" };
      return { runId, status: outcome.status, sessionKey: target.sessionKey, reply: outcome.text, ...(outcome.error ? { error: outcome.error.message } : {}) };
    },
  };
}
