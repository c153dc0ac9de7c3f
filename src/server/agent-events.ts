import type { AgentRuntime, RuntimeObserver } from "../agents/runtime.js";
import type { RunEvent, RunOutcome } from "../agents/types.js";
import { entryToMessage, sessionView } from "../agents/views.js";
import type { TranscriptEntry } from "../store/types.js";
import type { EventHub } from "./event-hub.js";

/** Chat deltas are coalesced to at most one frame per run in this window; agent deltas are not. */
const CHAT_DELTA_MS = 100;

type RunStream = {
  seq: number;
  agentId: string;
  sessionKey: string;
  lastChatAt: number;
  pendingDelta: string;
  text: string;
  /** A tool round ended: the next chat delta starts a new assistant message (`replace: true`). */
  newMessage: boolean;
  timer: NodeJS.Timeout | null;
};

function errorKind(outcome: RunOutcome): string {
  switch (outcome.error?.reason) {
    case "rate_limit":
      return "rate_limit";
    case "timeout":
      return "timeout";
    case "context_overflow":
      return "context_length";
    default:
      return "unknown";
  }
}

/**
 * Turns agent runtime activity into protocol events: `agent` (lifecycle, assistant, tool, usage
 * streams with a per-run seq), `chat` (delta/final/error/aborted), `session.message` and
 * `sessions.changed`.
 */
export class AgentEventBroadcaster implements RuntimeObserver {
  private runs = new Map<string, RunStream>();

  constructor(
    private readonly events: EventHub,
    private readonly runtime: AgentRuntime,
  ) {}

  onRunEvent(event: RunEvent, run: { agentId: string; sessionKey: string }): void {
    switch (event.type) {
      case "queued":
        this.sessionChanged(run.agentId, run.sessionKey, "queued");
        return;
      case "start": {
        const stream: RunStream = { seq: 0, agentId: run.agentId, sessionKey: run.sessionKey, lastChatAt: 0, pendingDelta: "", text: "", newMessage: false, timer: null };
        this.runs.set(event.runId, stream);
        this.agent(event.runId, stream, "lifecycle", { phase: "start", startedAt: event.startedAt }, { sessionId: event.sessionId });
        this.sessionChanged(run.agentId, run.sessionKey, "agent.run.started");
        return;
      }
      case "model": {
        const stream = this.runs.get(event.runId);
        if (stream) this.agent(event.runId, stream, "lifecycle", { phase: "model", provider: event.provider, model: event.model });
        return;
      }
      case "text": {
        const stream = this.runs.get(event.runId);
        if (!stream) return;
        stream.text = event.text;
        this.agent(event.runId, stream, "assistant", { text: event.text, delta: event.delta });
        stream.pendingDelta += event.delta;
        const wait = stream.lastChatAt + CHAT_DELTA_MS - Date.now();
        if (wait <= 0) this.flushChat(event.runId, stream);
        else stream.timer ??= setTimeout(() => this.flushChat(event.runId, stream), wait);
        return;
      }
      case "tool_call":
        this.tool(event.runId, { phase: "start", name: event.call.name, toolCallId: event.call.id, args: event.call.arguments });
        return;
      case "tool_update":
        this.tool(event.runId, { phase: "update", name: event.call.name, toolCallId: event.call.id, ...(event.text !== undefined ? { partialResult: event.text } : {}), ...(event.details ? { details: event.details } : {}) });
        return;
      case "tool_result": {
        const data = { phase: "result", name: event.call.name, toolCallId: event.call.id, result: event.content, isError: event.isError, durationMs: event.durationMs, ...(event.details ? { details: event.details } : {}) };
        const stream = this.tool(event.runId, data);
        if (stream) {
          this.flushChat(event.runId, stream);
          stream.text = "";
          stream.newMessage = true;
        }
        return;
      }
      case "end":
        this.end(event.runId, event.outcome, run);
        return;
    }
  }

  onEntries(agentId: string, sessionKey: string, entries: TranscriptEntry[]): void {
    if (!this.events.wanted("session.message", { audience: "session-messages", sessionKey })) return;
    for (const entry of entries) {
      if (entry.type !== "message") continue;
      this.events.broadcast(
        "session.message",
        { sessionKey, agentId, message: entryToMessage(entry), messageId: entry.id, messageSeq: entry.seq },
        { audience: "session-messages", sessionKey },
      );
    }
  }

  onSessionChanged(agentId: string, sessionKey: string, reason: string): void {
    this.sessionChanged(agentId, sessionKey, reason);
  }

  private sessionChanged(agentId: string, sessionKey: string, reason: string): void {
    if (!this.events.wanted("sessions.changed", { audience: "sessions-changed" })) return;
    const row = this.runtime.openStore(agentId)?.getSession(sessionKey);
    const session = row ? sessionView(row, agentId, this.runtime.activeRunIds(agentId, sessionKey)) : null;
    this.events.broadcast("sessions.changed", { sessionKey, agentId, reason, ts: Date.now(), ...(session ? { session } : { deleted: true }) }, { audience: "sessions-changed" });
  }

  private agent(runId: string, stream: RunStream, name: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}, audience: "session" | "tool-events" = "session"): void {
    stream.seq++;
    if (!this.events.wanted("agent", { audience, sessionKey: stream.sessionKey })) return;
    const payload = { runId, stream: name, data, sessionKey: stream.sessionKey, agentId: stream.agentId, ...extra, seq: stream.seq, ts: Date.now() };
    this.events.broadcast("agent", payload, { audience, sessionKey: stream.sessionKey });
  }

  /** Tool activity: `agent` tool events for `tool-events` clients, `session.tool` for the session's message subscribers. */
  private tool(runId: string, data: Record<string, unknown>): RunStream | undefined {
    const stream = this.runs.get(runId);
    if (!stream) return undefined;
    this.agent(runId, stream, "tool", data, {}, "tool-events");
    if (this.events.wanted("session.tool", { audience: "session-messages", sessionKey: stream.sessionKey })) {
      this.events.broadcast("session.tool", { runId, sessionKey: stream.sessionKey, agentId: stream.agentId, seq: stream.seq, ts: Date.now(), data }, { audience: "session-messages", sessionKey: stream.sessionKey });
    }
    return stream;
  }

  private chat(runId: string, stream: RunStream, fields: Record<string, unknown>): void {
    if (!this.events.wanted("chat", { audience: "session", sessionKey: stream.sessionKey })) return;
    this.events.broadcast("chat", { runId, sessionKey: stream.sessionKey, agentId: stream.agentId, seq: stream.seq, ...fields }, { audience: "session", sessionKey: stream.sessionKey });
  }

  private flushChat(runId: string, stream: RunStream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = null;
    if (!stream.pendingDelta) return;
    stream.lastChatAt = Date.now();
    const deltaText = stream.pendingDelta;
    const replace = stream.newMessage;
    stream.pendingDelta = "";
    stream.newMessage = false;
    this.chat(runId, stream, { state: "delta", deltaText: replace ? stream.text : deltaText, ...(replace ? { replace: true } : {}), message: { role: "assistant", content: [{ type: "text", text: stream.text }], timestamp: stream.lastChatAt } });
  }

  private end(runId: string, outcome: RunOutcome, run: { agentId: string; sessionKey: string }): void {
    const stream = this.runs.get(runId) ?? { seq: 0, agentId: run.agentId, sessionKey: run.sessionKey, lastChatAt: 0, pendingDelta: "", text: outcome.text, newMessage: false, timer: null };
    this.runs.delete(runId);
    this.flushChat(runId, stream);
    const u = outcome.usage;
    if (u.total > 0) this.agent(runId, stream, "usage", { inputTokens: u.input, outputTokens: u.output, cacheRead: u.cacheRead, totalTokens: u.total });
    const message = { role: "assistant", content: [{ type: "text", text: outcome.text }], timestamp: outcome.endedAt };
    const timing = { startedAt: outcome.startedAt, endedAt: outcome.endedAt };
    if (outcome.status === "ok") {
      this.agent(runId, stream, "lifecycle", { phase: "end", ...timing, aborted: false, stopReason: outcome.stopReason });
      this.chat(runId, stream, { state: "final", stopReason: outcome.stopReason, message, usage: { input: u.input, output: u.output, totalTokens: u.total } });
    } else if (outcome.status === "error") {
      const error = outcome.error?.message ?? "agent run failed";
      this.agent(runId, stream, "lifecycle", { phase: "error", ...timing, error });
      const errorDetail = {
        ...(outcome.provider ? { provider: outcome.provider } : {}),
        ...(outcome.model ? { model: outcome.model } : {}),
        ...(outcome.error?.reason ? { failoverReason: outcome.error.reason } : {}),
        ...(outcome.error?.status ? { httpStatus: outcome.error.status } : {}),
      };
      this.chat(runId, stream, { state: "error", errorMessage: error, errorKind: errorKind(outcome), ...(Object.keys(errorDetail).length ? { errorDetail } : {}), ...(outcome.text ? { message } : {}) });
    } else {
      const reason = outcome.status === "timeout" ? "run timed out" : outcome.status === "interrupted" ? "interrupted by a gateway shutdown" : "aborted";
      this.agent(runId, stream, "lifecycle", { phase: "end", ...timing, aborted: true, stopReason: outcome.status });
      this.chat(runId, stream, { state: "aborted", stopReason: outcome.status, errorMessage: reason, ...(outcome.text ? { message } : {}) });
    }
    this.sessionChanged(run.agentId, run.sessionKey, "agent.run.ended");
  }
}
