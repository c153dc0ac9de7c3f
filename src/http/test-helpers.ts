import type { AgentDefinition } from "../agents/agent-config.js";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Usage } from "../agents/providers/types.js";
import type { AgentService, RunEvent, RunOutcome, SubmitResult, TurnRequest } from "../agents/types.js";
import { AuthRateLimiter, DEFAULT_RATE_LIMIT } from "../server/auth-rate-limit.js";
import type { ResolvedAuth } from "../server/auth.js";
import type { GatewayContext, GatewayPhase } from "../server/context.js";
import { SystemEventQueue } from "../server/system-events.js";
import { handleHttpRequest } from "./router.js";

/** What the fake agent does with one submitted turn. */
export type ScriptedRun = {
  deltas?: string[];
  /** Merged into the default `ok` outcome; `text` defaults to the joined deltas. */
  outcome?: Partial<RunOutcome>;
  /** Never ends by itself (until aborted). */
  hold?: boolean;
  /** Pause between events, so a client can act mid-stream. */
  stepMs?: number;
};

const ZERO_USAGE: Usage = { input: 5, output: 5, cacheRead: 0, cacheWrite: 0, total: 10 };

/** A scripted AgentService: records what it is asked and plays back events. */
export class FakeAgents implements AgentService {
  readonly submitted: TurnRequest[] = [];
  readonly aborted: Array<{ agentId: string; sessionKey: string; runId?: string }> = [];
  readonly embedded: Array<{ agentId: string; model?: string; input: string[]; dimensions?: number }> = [];
  script: (turn: TurnRequest) => ScriptedRun = () => ({ deltas: ["echo", ": hi"] });
  submitError: Error | null = null;
  embedError: Error | null = null;
  ids = ["main", "ops"];
  private listeners = new Map<string, Set<(event: RunEvent) => void>>();
  private outcomes = new Map<string, RunOutcome>();
  private waiters = new Map<string, Array<(outcome: RunOutcome) => void>>();
  private live = new Map<string, (outcome: RunOutcome) => void>();

  defaultAgentId(): string {
    return this.ids[0];
  }
  agentIds(): string[] {
    return [...this.ids];
  }
  hasAgent(agentId: string): boolean {
    return this.ids.includes(agentId);
  }
  agent(agentId: string): AgentDefinition | undefined {
    if (!this.hasAgent(agentId)) return undefined;
    return { id: agentId, isDefault: agentId === this.ids[0], workspace: `/tmp/openclaw-fake-workspace-${agentId}`, model: { fallbacks: [] }, identity: {}, skipBootstrap: true, timeoutSeconds: 60 };
  }

  async submit(turn: TurnRequest): Promise<SubmitResult> {
    if (this.submitError) throw this.submitError;
    this.submitted.push(turn);
    void this.play(turn, this.script(turn));
    return { kind: "started", runId: turn.runId, sessionKey: turn.sessionKey, sessionId: "s1", acceptedAt: Date.now(), interruptedRunIds: [] };
  }

  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  wait(runId: string, timeoutMs: number): Promise<RunOutcome | null> {
    const done = this.outcomes.get(runId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), Math.min(timeoutMs, 60_000));
      timer.unref();
      const list = this.waiters.get(runId) ?? [];
      list.push((outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      this.waiters.set(runId, list);
    });
  }

  abort(agentId: string, sessionKey: string, runId?: string): string[] {
    this.aborted.push({ agentId, sessionKey, runId });
    const end = runId ? this.live.get(runId) : undefined;
    end?.(this.outcomeOf({ agentId, sessionKey, runId: runId! } as TurnRequest, { status: "aborted", text: "" }));
    return runId && end ? [runId] : [];
  }

  queueDepths() {
    return { running: 0, queued: 0 };
  }

  async embed(agentId: string, request: { model?: string; input: string[]; dimensions?: number; signal: AbortSignal }) {
    if (this.embedError) throw this.embedError;
    this.embedded.push({ agentId, model: request.model, input: request.input, dimensions: request.dimensions });
    const vectors = request.input.map((text, i) => [text.length, i + 0.5, -1.25]);
    return { vectors, promptTokens: request.input.join("").length, model: request.model ?? "fake-embed" };
  }

  private emit(runId: string, event: RunEvent): void {
    for (const listener of this.listeners.get(runId) ?? []) listener(event);
  }

  private outcomeOf(turn: TurnRequest, extra: Partial<RunOutcome>): RunOutcome {
    return {
      runId: turn.runId,
      sessionKey: turn.sessionKey,
      sessionId: "s1",
      agentId: turn.agentId,
      status: "ok",
      text: "",
      toolCalls: [],
      stopReason: "stop",
      usage: ZERO_USAGE,
      startedAt: Date.now(),
      endedAt: Date.now(),
      ...extra,
    };
  }

  private finish(runId: string, outcome: RunOutcome): void {
    if (this.outcomes.has(runId)) return;
    this.outcomes.set(runId, outcome);
    this.live.delete(runId);
    this.emit(runId, { type: "end", runId, outcome });
    for (const resolve of this.waiters.get(runId) ?? []) resolve(outcome);
    this.waiters.delete(runId);
  }

  private async play(turn: TurnRequest, run: ScriptedRun): Promise<void> {
    const { runId } = turn;
    this.live.set(runId, (outcome) => this.finish(runId, outcome));
    const step = () => new Promise((resolve) => setTimeout(resolve, run.stepMs ?? 0));
    await step();
    let text = "";
    for (const delta of run.deltas ?? []) {
      if (this.outcomes.has(runId)) return;
      text += delta;
      this.emit(runId, { type: "text", runId, delta, text });
      await step();
    }
    if (run.hold || this.outcomes.has(runId)) return;
    this.finish(runId, this.outcomeOf(turn, { text, ...run.outcome }));
  }
}

export type TestConfig = { gateway?: Record<string, unknown>; hooks?: Record<string, unknown>; agents?: Record<string, unknown> };

/** A GatewayContext with just what the HTTP router uses. */
export type TestGateway = {
  context: GatewayContext;
  agents: FakeAgents;
  setConfig(config: TestConfig): void;
  setAuth(auth: ResolvedAuth): void;
  setPhase(phase: GatewayPhase): void;
};

export const TEST_TOKEN = "test-token-123";

export const BOTH_ENDPOINTS: TestConfig = { gateway: { http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } } } };

export function testGateway(config: TestConfig = BOTH_ENDPOINTS, auth: ResolvedAuth = { mode: "token", token: TEST_TOKEN }): TestGateway {
  let snapshot = { config };
  let currentAuth = auth;
  let phase: GatewayPhase = "running";
  const agents = new FakeAgents();
  const context = {
    version: "test",
    startedAt: Date.now(),
    config: () => snapshot,
    auth: () => currentAuth,
    phase: () => phase,
    rateLimiter: new AuthRateLimiter(DEFAULT_RATE_LIMIT),
    systemEvents: new SystemEventQueue(),
    agents,
    activeRequests: 0,
    breaker: () => null,
  } as unknown as GatewayContext;
  return {
    context,
    agents,
    setConfig: (next) => (snapshot = { config: next }),
    setAuth: (next) => (currentAuth = next),
    setPhase: (next) => (phase = next),
  };
}

export type TestServer = { server: Server; baseUrl: string; close(): Promise<void> };

export async function startTestServer(gateway: GatewayContext): Promise<TestServer> {
  const server = createServer((req, res) => handleHttpRequest(req, res, gateway));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const FIXTURE_DIR = fileURLToPath(new URL("../../../../shared/fixtures/openclaw-2026.9.6-http/", import.meta.url));

/** A recorded answer of the official gateway, or null where the shared fixtures are not present. */
export function officialFixture(name: string): string | null {
  const path = FIXTURE_DIR + name;
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** The same structure with every string and number replaced by its type, for shape comparisons. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return value === null ? null : typeof value;
}

/** Parses an SSE body into frames: `{event?, data}` with data JSON-parsed (or the raw `[DONE]`). */
export function parseSse(body: string): Array<{ event?: string; data: unknown }> {
  return body
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))!.slice(6);
      return { ...(event ? { event } : {}), data: data === "[DONE]" ? data : JSON.parse(data) };
    });
}
