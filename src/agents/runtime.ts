import { metrics } from "../infra/metrics/gateway-metrics.js";
import { homedir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConfigSnapshot } from "../config/snapshot.js";
import type { Env } from "../config/paths.js";
import { createLogger } from "../infra/logger.js";
import { ErrorCodes, GatewayError, unavailable } from "../protocol/errors.js";
import type { AgentStore, NewEntry, TranscriptEntry } from "../store/types.js";
import { resolveAgentsConfig, type AgentDefinition, type AgentsConfig } from "./agent-config.js";
import { AgentStores } from "./agent-stores.js";
import { embedWith } from "./embeddings.js";
import { abortedBeforeStart, failedOutcome, outcomeOfRow } from "./outcomes.js";
import { HistoryCache } from "./history-cache.js";
import { resolveSessionKey } from "./session-key.js";
import { resolveModelChain } from "./model-resolution.js";
import { runTurn, type StopCause } from "./run-turn.js";
import type { TurnTools } from "./tool-round.js";
import type { AgentService, RunEvent, RunOutcome, SubmitResult, TurnRequest } from "./types.js";

const log = createLogger("agents");

/** What the WebSocket side listens to: run events, new transcript entries, session changes. */
export interface RuntimeObserver {
  onRunEvent(event: RunEvent, run: { agentId: string; sessionKey: string }): void;
  onEntries(agentId: string, sessionKey: string, entries: TranscriptEntry[]): void;
  onSessionChanged(agentId: string, sessionKey: string, reason: string): void;
}

type ActiveRun = { runId: string; controller: AbortController; startedAt: number; text: string; done: Promise<void> };

/** One session's lane: at most one active run, later turns wait in order. */
type Lane = {
  key: string;
  agentId: string;
  sessionKey: string;
  active: ActiveRun | null;
  /** Waiting run ids in order; their requests are kept too, so starting one reads nothing back. */
  queued: string[];
  requests: Map<string, TurnRequest>;
};

type Listener = (event: RunEvent) => void;

export type AgentRuntimeOptions = { stateDir: string; config: () => ConfigSnapshot; env?: Env; home?: string; tools?: TurnTools };

/**
 * Runs agent turns: per-session lanes (runs of one session never overlap), a global concurrency
 * cap, durable queueing (every accepted turn is a row before submit returns), aborts, timeouts,
 * and recovery of what a dead process left behind.
 */
function recordRun(outcome: RunOutcome, source: string): void {
  const labels = ["none", outcome.model ?? "none", outcome.status, outcome.provider ?? "none", source];
  metrics.runs.inc(labels);
  metrics.runSeconds.observe(labels, Math.max(0, outcome.endedAt - outcome.startedAt) / 1000);
}

export class AgentRuntime implements AgentService {
  private readonly stores: AgentStores;
  private readonly lanes = new Map<string, Lane>();
  private readonly waitingForSlot: Lane[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly enders = new Map<string, Set<(outcome: RunOutcome) => void>>();
  private readonly observers = new Set<RuntimeObserver>();
  private readonly history = new HistoryCache();
  private running = 0;
  private closed = false;
  private recovered: Promise<void> | null = null;
  private agentsCache: { snapshot: ConfigSnapshot; value: AgentsConfig } | null = null;
  private readonly env: Env;
  private readonly home: string;

  constructor(private readonly opts: AgentRuntimeOptions) {
    this.env = opts.env ?? process.env;
    this.stores = new AgentStores(opts.stateDir);
    this.home = opts.home ?? homedir();
  }

  get stateDir(): string {
    return this.opts.stateDir;
  }

  agentsConfig(): AgentsConfig {
    const snapshot = this.opts.config();
    if (this.agentsCache?.snapshot !== snapshot) this.agentsCache = { snapshot, value: resolveAgentsConfig(snapshot.config, this.opts.stateDir, this.home) };
    return this.agentsCache.value;
  }

  defaultAgentId(): string {
    return this.agentsConfig().defaultId;
  }

  agentIds(): string[] {
    return this.agentsConfig().agents.map((a) => a.id);
  }

  hasAgent(agentId: string): boolean {
    return this.agentIds().includes(agentId.toLowerCase());
  }

  agent(agentId: string): AgentDefinition | undefined {
    return this.agentsConfig().agents.find((a) => a.id === agentId);
  }

  observe(observer: RuntimeObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** The agent's store, opened (and the driver loaded) on first use. */
  store(agentId: string): Promise<AgentStore> {
    return this.stores.get(agentId);
  }

  /** The agent's store if it has a database; reading never creates one. */
  existingStore(agentId: string): Promise<AgentStore | null> {
    return this.stores.existing(agentId);
  }

  /** The store when it is already open (health and status must not wait or load the driver). */
  openStore(agentId: string): AgentStore | null {
    return this.stores.ifOpen(agentId);
  }

  /** Agents with a state database on disk, configured or not. */
  agentsOnDisk(): string[] {
    return this.stores.onDisk();
  }

  queueDepths(): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const lane of this.lanes.values()) {
      if (lane.active) running++;
      queued += lane.queued.length;
    }
    return { running, queued };
  }

  activeRunIds(agentId: string, sessionKey: string): string[] {
    const lane = this.lanes.get(`${agentId}|${sessionKey}`);
    return lane?.active ? [lane.active.runId] : [];
  }

  queuedRunIds(agentId: string, sessionKey: string): string[] {
    return [...(this.lanes.get(`${agentId}|${sessionKey}`)?.queued ?? [])];
  }

  /** The text streamed so far by the session's active run. */
  inFlight(agentId: string, sessionKey: string): { runId: string; text: string } | null {
    const active = this.lanes.get(`${agentId}|${sessionKey}`)?.active;
    return active ? { runId: active.runId, text: active.text } : null;
  }

  private lane(agentId: string, sessionKey: string): Lane {
    const key = `${agentId}|${sessionKey}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, agentId, sessionKey, active: null, queued: [], requests: new Map() };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  async submit(request: TurnRequest): Promise<SubmitResult> {
    if (this.closed) throw unavailable("the gateway is shutting down; retry in a moment", { retryable: true, retryAfterMs: 1000 });
    const { agentId, sessionKey } = resolveSessionKey(request.sessionKey, request.agentId, this.defaultAgentId());
    if (!this.hasAgent(agentId)) throw new GatewayError({ code: ErrorCodes.invalidRequest, message: `unknown agent id "${request.agentId}"` });
    request = { ...request, agentId, sessionKey };
    await this.recover();
    const store = await this.store(agentId);
    const existing = store.getRun(request.runId);
    if (existing) {
      const inFlight = existing.status === "queued" || existing.status === "running";
      const outcome = inFlight ? null : ((existing.result as unknown as RunOutcome | null) ?? outcomeOfRow(existing, agentId));
      return { kind: "duplicate", runId: existing.runId, sessionKey: existing.sessionKey, inFlight, outcome };
    }
    const lane = this.lane(agentId, request.sessionKey);
    const cap = this.agentsConfig().queueCap;
    // Channel messages already wait in the channel's own durable queue; refusing them here would only reorder them.
    if (lane.queued.length >= cap && request.source !== "channel") {
      throw unavailable(`session ${request.sessionKey} already has ${lane.queued.length} messages waiting; retry after the current run`, { retryable: true, retryAfterMs: 2000 });
    }
    const acceptedAt = Date.now();
    const record = { runId: request.runId, sessionKey: request.sessionKey, source: request.source, request: request as unknown as Record<string, unknown> };
    if (!lane.active && lane.queued.length === 0 && this.running < this.agentsConfig().maxConcurrent && !this.closed) {
      // The common case: the session is idle, so the run and its message are written in one go.
      const started = store.insertStartedRun(record, userEntryOf(request));
      this.launch(lane, store, request, started, true);
      return { kind: "started", runId: request.runId, sessionKey: request.sessionKey, sessionId: started.session.sessionId, acceptedAt, interruptedRunIds: [] };
    }
    store.insertRun({ ...record, status: "queued" });
    lane.requests.set(request.runId, request);
    const interruptedRunIds: string[] = [];
    if (request.queueMode === "interrupt" && lane.active) {
      interruptedRunIds.push(lane.active.runId);
      lane.active.controller.abort("aborted" satisfies StopCause);
      lane.queued.unshift(request.runId);
    } else {
      lane.queued.push(request.runId);
    }
    this.emit({ type: "queued", runId: request.runId, sessionKey: request.sessionKey, position: lane.queued.indexOf(request.runId) + 1 }, agentId, request.sessionKey);
    this.schedule(lane);
    return { kind: "queued", runId: request.runId, sessionKey: request.sessionKey, sessionId: null, acceptedAt, interruptedRunIds };
  }

  private schedule(lane: Lane): void {
    if (lane.active || lane.queued.length === 0 || this.closed) return;
    if (this.running >= this.agentsConfig().maxConcurrent) {
      if (!this.waitingForSlot.includes(lane)) this.waitingForSlot.push(lane);
      return;
    }
    this.startNext(lane);
  }

  private drainWaiting(): void {
    while (this.running < this.agentsConfig().maxConcurrent && this.waitingForSlot.length > 0) {
      const lane = this.waitingForSlot.shift()!;
      if (!lane.active && lane.queued.length > 0) this.startNext(lane);
    }
  }

  private startNext(lane: Lane): void {
    const runId = lane.queued.shift()!;
    const store = this.stores.ifOpen(lane.agentId);
    const request = lane.requests.get(runId);
    lane.requests.delete(runId);
    if (!store || !request) return this.schedule(lane);
    let started: StartedRun;
    try {
      started = store.startRun(runId, userEntryOf(request));
    } catch (err) {
      log.error(`run ${runId} could not start (it stays queued for the next start): ${(err as Error).message}`);
      return this.schedule(lane);
    }
    this.launch(lane, store, request, started, false, request.queueMode === "collect" ? this.collect(lane, store, "collect") : []);
  }

  /**
   * The turns waiting at the head of the lane in `mode` join the active run: `collect` when it
   * starts (one model call for all), `steer` at its next tool boundary (read before the next call).
   */
  private collect(lane: Lane, store: AgentStore, mode: "collect" | "steer"): Collected[] {
    const joined: Collected[] = [];
    while (lane.queued.length > 0) {
      const runId = lane.queued[0];
      const request = lane.requests.get(runId);
      if (request?.queueMode !== mode) break;
      try {
        joined.push({ request, started: store.startRun(runId, userEntryOf(request)) });
      } catch (err) {
        log.error(`run ${runId} could not join the collected turn (it runs on its own): ${(err as Error).message}`);
        break;
      }
      lane.queued.shift();
      lane.requests.delete(runId);
    }
    return joined;
  }

  /**
   * Makes a started run the lane's active run and runs its turn; `deferred` lets the caller answer
   * (ack, `accepted`) and subscribe before the run's first event.
   */
  private launch(lane: Lane, store: AgentStore, request: TurnRequest, started: StartedRun, deferred: boolean, collected: Collected[] = []): void {
    const runId = request.runId;
    const agent = this.agent(lane.agentId);
    const controller = new AbortController();
    const startedAt = started.run.startedAt ?? Date.now();
    const active: ActiveRun = { runId, controller, startedAt, text: "", done: Promise.resolve() };
    lane.active = active;
    this.running++;
    const timeoutMs = request.timeoutMs || (agent ? agent.timeoutSeconds * 1000 : 0);
    const timer = timeoutMs > 0 ? setTimeout(() => controller.abort("timeout" satisfies StopCause), Math.min(timeoutMs, 2 ** 31 - 1)) : null;
    timer?.unref();
    const session = started.session;
    const userEntries = [started.userEntry, ...collected.map((c) => c.started.userEntry)].filter((e): e is TranscriptEntry => e !== null);
    const begin = () => {
      for (const id of [runId, ...collected.map((c) => c.request.runId)]) {
        this.emit({ type: "start", runId: id, sessionKey: lane.sessionKey, sessionId: session.sessionId, agentId: lane.agentId, startedAt }, lane.agentId, lane.sessionKey);
      }
      this.notifyEntries(lane.agentId, lane.sessionKey, userEntries);
    };
    const execute = () => {
      if (!agent) return this.failUnknownAgent(store, runId, lane, session.sessionId, startedAt);
      const message = [request.message, ...collected.map((c) => c.request.message)].join("\n\n");
      return runTurn({
        request: collected.length > 0 ? { ...request, message } : request,
        agent,
        session,
        userEntry: started.userEntry,
        collected: userEntries.slice(1),
        store,
        config: this.opts.config(),
        env: this.env,
        signal: controller.signal,
        startedAt,
        history: this.history,
        tools: this.opts.tools ?? null,
        takeSteered: () => {
          const joined = this.collect(lane, store, "steer");
          collected.push(...joined);
          const entries = joined.map((c) => c.started.userEntry).filter((e): e is TranscriptEntry => e !== null);
          for (const c of joined) this.emit({ type: "start", runId: c.request.runId, sessionKey: lane.sessionKey, sessionId: session.sessionId, agentId: lane.agentId, startedAt: Date.now() }, lane.agentId, lane.sessionKey);
          this.notifyEntries(lane.agentId, lane.sessionKey, entries);
          return entries;
        },
        onEntries: (entries) => this.notifyEntries(lane.agentId, lane.sessionKey, entries),
        emit: (event) => {
          if (event.type === "text") active.text = event.text;
          this.emit(event, lane.agentId, lane.sessionKey);
        },
      });
    };
    if (!deferred) begin();
    const begun = deferred ? nextLoopTurn().then(begin) : Promise.resolve();
    active.done = begun
      .then(execute)
      .catch((err: Error) => {
        log.error(`run ${runId} could not be recorded: ${err.message}`);
        return { outcome: failedOutcome({ runId, sessionKey: lane.sessionKey, sessionId: session.sessionId, agentId: lane.agentId }, startedAt, active.text, err), entries: [] as TranscriptEntry[] };
      })
      .then(({ outcome, entries }) => {
        if (timer) clearTimeout(timer);
        lane.active = null;
        this.running--;
        this.notifyEntries(lane.agentId, lane.sessionKey, entries);
        recordRun(outcome, request.source);
        this.endRun(runId, outcome, lane);
        for (const c of collected) this.endCollected(store, c.request.runId, outcome, lane);
        if (lane.queued.length === 0) this.lanes.delete(lane.key);
        else this.schedule(lane);
        this.drainWaiting();
      })
      .catch((err: Error) => log.error(`run ${runId}: ending it failed: ${err.stack ?? err.message}`));
  }

  private endRun(runId: string, outcome: RunOutcome, lane: Lane): void {
    this.emit({ type: "end", runId, outcome }, lane.agentId, lane.sessionKey);
    this.listeners.delete(runId);
    for (const end of this.enders.get(runId) ?? []) end(outcome);
    this.enders.delete(runId);
  }

  /** A run merged into another ends with that run's outcome; its reply is the shared one. */
  private endCollected(store: AgentStore, runId: string, shared: RunOutcome, lane: Lane): void {
    const outcome: RunOutcome = { ...shared, runId };
    try {
      store.finishRun(runId, { status: outcome.status, error: outcome.error?.message ?? null, result: { ...outcome, collectedInto: shared.runId }, entries: [] });
    } catch (err) {
      log.error(`run ${runId} could not be recorded: ${(err as Error).message}`);
    }
    this.endRun(runId, outcome, lane);
  }

  private failUnknownAgent(store: AgentStore, runId: string, lane: Lane, sessionId: string, startedAt: number) {
    const outcome = failedOutcome({ runId, sessionKey: lane.sessionKey, sessionId, agentId: lane.agentId }, startedAt, "", new Error(`agent "${lane.agentId}" is no longer configured`));
    const { entries } = store.finishRun(runId, { status: "error", error: outcome.error!.message, result: outcome as unknown as Record<string, unknown>, entries: [] });
    return { outcome, entries };
  }

  private emit(event: RunEvent, agentId: string, sessionKey: string): void {
    for (const listener of this.listeners.get(event.runId) ?? []) listener(event);
    for (const observer of this.observers) observer.onRunEvent(event, { agentId, sessionKey });
  }

  private notifyEntries(agentId: string, sessionKey: string, entries: TranscriptEntry[]): void {
    if (entries.length === 0) return;
    for (const observer of this.observers) observer.onEntries(agentId, sessionKey, entries);
  }

  /** Tells session subscribers that a session row changed outside a run (patch, reset, delete). */
  sessionChanged(agentId: string, sessionKey: string, reason: string): void {
    for (const observer of this.observers) observer.onSessionChanged(agentId, sessionKey, reason);
  }

  /** Tells session.message subscribers about entries written outside a run (chat.inject). */
  entriesAdded(agentId: string, sessionKey: string, entries: TranscriptEntry[]): void {
    this.notifyEntries(agentId, sessionKey, entries);
  }

  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }

  /** The session of a run that is active or queued right now. */
  findLiveRun(runId: string): { agentId: string; sessionKey: string } | null {
    for (const lane of this.lanes.values()) if (lane.active?.runId === runId || lane.queued.includes(runId)) return { agentId: lane.agentId, sessionKey: lane.sessionKey };
    return null;
  }

  private isLive(runId: string): boolean {
    return this.findLiveRun(runId) !== null;
  }

  async wait(runId: string, timeoutMs: number, agentId?: string): Promise<RunOutcome | null> {
    if (!this.isLive(runId)) {
      for (const id of agentId ? [agentId] : this.agentsOnDisk()) {
        const run = (await this.existingStore(id))?.getRun(runId);
        if (run && run.status !== "queued" && run.status !== "running") return (run.result as unknown as RunOutcome | null) ?? outcomeOfRow(run, id);
      }
      if (!this.isLive(runId)) return null;
    }
    return new Promise((resolve) => {
      const enders = this.enders.get(runId) ?? new Set();
      this.enders.set(runId, enders);
      const done = (outcome: RunOutcome | null) => {
        clearTimeout(timer);
        enders.delete(done);
        resolve(outcome);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      enders.add(done);
    });
  }

  abort(agentId: string, sessionKey: string, runId?: string): string[] {
    const lane = this.lanes.get(`${agentId}|${sessionKey}`);
    if (!lane) return [];
    if (lane.active && (!runId || lane.active.runId === runId)) {
      lane.active.controller.abort("aborted" satisfies StopCause);
      return [lane.active.runId];
    }
    if (runId && lane.queued.includes(runId)) {
      this.cancelQueuedRuns(lane, [runId]);
      return [runId];
    }
    return [];
  }

  /** Drops the session's waiting turns (sessions.abort with clearQueued); each ends as aborted. */
  clearQueued(agentId: string, sessionKey: string): string[] {
    const lane = this.lanes.get(`${agentId}|${sessionKey}`);
    if (!lane || lane.queued.length === 0) return [];
    const ids = [...lane.queued];
    this.cancelQueuedRuns(lane, ids);
    return ids;
  }

  private cancelQueuedRuns(lane: Lane, runIds: string[]): void {
    const store = this.stores.ifOpen(lane.agentId);
    for (const runId of runIds) {
      lane.queued.splice(lane.queued.indexOf(runId), 1);
      lane.requests.delete(runId);
      const outcome = abortedBeforeStart({ runId, sessionKey: lane.sessionKey, sessionId: "", agentId: lane.agentId });
      store?.finishRun(runId, { status: "aborted", error: "aborted before it started", result: outcome as unknown as Record<string, unknown>, entries: [] });
      this.endRun(runId, outcome, lane);
    }
  }

  embed(agentId: string, request: { model?: string; input: string[]; dimensions?: number; signal: AbortSignal }) {
    return embedWith(this.agentsConfig(), this.opts.config().config, this.env, request);
  }

  /**
   * Once per process: runs a dead process left `running` become interrupted (their partial text
   * kept), and queued turns are put back in their lanes.
   */
  recover(): Promise<void> {
    this.recovered ??= (async () => {
      let interrupted = 0;
      let resumed = 0;
      for (const agentId of this.agentsOnDisk()) {
        try {
          const store = await this.store(agentId);
          interrupted += store.recoverInterrupted().length;
          for (const run of store.queuedRuns()) {
            const lane = this.lane(agentId, run.sessionKey);
            lane.queued.push(run.runId);
            lane.requests.set(run.runId, run.request as unknown as TurnRequest);
            resumed++;
          }
        } catch (err) {
          log.error(`agent ${agentId}: state database could not be opened: ${(err as Error).message}`);
        }
      }
      if (interrupted + resumed > 0) log.info(`recovered agent state: ${interrupted} interrupted run(s) marked, ${resumed} queued turn(s) resumed`);
      for (const lane of [...this.lanes.values()]) this.schedule(lane);
    })();
    return this.recovered;
  }

  /** Says at start-up which model the default agent will use, or what to configure when none. */
  async announceModel(): Promise<void> {
    const agent = this.agent(this.defaultAgentId());
    if (!agent) return;
    const snapshot = this.opts.config();
    const resolution = await resolveModelChain({ agent, config: snapshot.config, env: this.env, configPath: snapshot.path });
    if (!resolution.ok) {
      log.warn(resolution.message);
      return;
    }
    const [first, ...rest] = resolution.chain;
    const source = first.provider.source === "env" ? "API key from the environment" : first.provider.source === "local" ? "found running on this machine" : "configured";
    log.info(`agent ${agent.id}: model ${first.ref} (${source})${rest.length > 0 ? `, fallbacks ${rest.map((c) => c.ref).join(", ")}` : ""}`);
  }

  /**
   * Stops taking turns, lets active runs finish for up to `drainMs`, then interrupts the rest
   * (their partial text is recorded). Queued turns stay queued for the next start.
   */
  async shutdown(drainMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + drainMs;
    while (this.running > 0 && Date.now() < deadline) await sleep(20);
    const active = [...this.lanes.values()].flatMap((l) => (l.active ? [l.active] : []));
    for (const run of active) run.controller.abort("interrupted" satisfies StopCause);
    await Promise.race([Promise.all(active.map((r) => r.done)), sleep(2000)]);
    this.stores.closeAll();
  }
}

type StartedRun = ReturnType<AgentStore["startRun"]>;

/** A waiting turn folded into the run ahead of it (`collect`). */
type Collected = { request: TurnRequest; started: StartedRun };

const nextLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The user's message as the transcript keeps it. */
function userEntryOf(request: TurnRequest): NewEntry {
  return {
    type: "message",
    role: "user",
    text: request.message,
    runId: request.runId,
    idempotencyKey: `${request.runId}:user`,
    data: { content: request.message, senderIsOwner: true, source: request.source },
  };
}
