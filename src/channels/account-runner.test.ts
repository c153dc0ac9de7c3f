import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "../infra/logger.js";
import { ChannelStore } from "../store/channel-store.js";
import { AccountRunner } from "./account-runner.js";
import type { ChannelAdapter, ChannelConnection, ConnectContext, ConnectionEnd, InboundMessage, ResolvedAccount } from "./types.js";

const quiet: Logger = { subsystem: "test", enabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

class FakeConnection implements ChannelConnection {
  readonly closed: Promise<ConnectionEnd>;
  closeCalls = 0;
  private resolveClosed!: (end: ConnectionEnd) => void;
  constructor() {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }
  /** The platform side ends the connection. */
  end(end: ConnectionEnd): void {
    this.resolveClosed(end);
  }
  async close(): Promise<void> {
    this.closeCalls++;
    this.resolveClosed({});
  }
  async sendText(): Promise<{ messageId?: string }> {
    return {};
  }
}

type Step = (ctx: ConnectContext<unknown>) => Promise<ChannelConnection>;

/** An adapter whose connect() runs the next scripted step (the last one repeats). */
class FakeAdapter implements ChannelAdapter<unknown> {
  readonly id = "fake";
  readonly label = "Fake";
  readonly capabilities = { chatTypes: ["direct" as const] };
  readonly chunkMeasure = "chars" as const;
  readonly attempts: number[] = [];
  readonly contexts: ConnectContext<unknown>[] = [];
  readonly connections: FakeConnection[] = [];
  constructor(
    private readonly steps: Step[] = [],
    public silentAfterMs = 60_000,
  ) {}
  resolveAccounts() {
    return { accounts: [], defaultAccountId: "default" };
  }
  async connect(ctx: ConnectContext<unknown>): Promise<ChannelConnection> {
    this.attempts.push(Date.now());
    this.contexts.push(ctx);
    const step = this.steps[Math.min(this.attempts.length - 1, this.steps.length - 1)];
    if (step) return step(ctx);
    return this.open();
  }
  open(): FakeConnection {
    const c = new FakeConnection();
    this.connections.push(c);
    return c;
  }
  normalizeAllowEntry(raw: string): string {
    return raw;
  }
  parseTarget(raw: string) {
    return { conversationId: raw };
  }
}

const resolved: ResolvedAccount<unknown> = {
  accountId: "default",
  enabled: true,
  configured: true,
  account: { token: "x" },
  access: { dmPolicy: "pairing", allowFrom: [], groupPolicy: "allowlist", groups: {} },
  summary: { mode: "test-mode" },
  textChunkLimit: 4000,
};

async function setup(adapter: FakeAdapter, receive?: (m: InboundMessage) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-runner-"));
  dirs.push(dir);
  const store = await ChannelStore.open(dir);
  const received: InboundMessage[] = [];
  let connectedCalls = 0;
  const runner = new AccountRunner("fake", adapter, resolved, {
    store,
    stateDir: dir,
    log: quiet,
    receive: receive ?? (async (m) => void received.push(m)),
    onConnected: () => void connectedCalls++,
  });
  cleanups.push(async () => {
    await runner.stop();
    store.close();
  });
  return { runner, store, received, dir, connectedCalls: () => connectedCalls };
}

async function until(what: string, test: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

function withFlags(message: string, flags: { fatal?: boolean; loggedOut?: boolean }): Error {
  return Object.assign(new Error(message), flags);
}

describe("AccountRunner", { concurrency: true }, () => {
  it("connects and reports connected / ready / healthy", async () => {
    const adapter = new FakeAdapter();
    const { runner, connectedCalls } = await setup(adapter);
    assert.equal(runner.snapshot().lifecycle, "stopped");
    runner.start();
    assert.equal(runner.running, true);
    await until("connected", () => runner.snapshot().connected);
    const s = runner.snapshot();
    assert.equal(s.lifecycle, "ready");
    assert.equal(s.healthState, "healthy");
    assert.equal(s.running, true);
    assert.equal(s.lastError, null);
    assert.ok(s.lastConnectedAt !== null && s.lastStartAt !== null);
    assert.equal(s.mode, "test-mode", "the adapter's summary is part of the status");
    assert.equal(runner.connection, adapter.connections[0]);
    assert.ok(connectedCalls() >= 1);
    assert.equal(adapter.attempts.length, 1);
  });

  it("after the connection ends with an error it reports it and reconnects after at least ~1 s", async () => {
    const adapter = new FakeAdapter();
    const { runner } = await setup(adapter);
    runner.start();
    await until("first connection", () => runner.snapshot().connected);
    const endedAt = Date.now();
    adapter.connections[0].end({ error: "socket reset" });
    await until("disconnect noticed", () => !runner.snapshot().connected);
    const s = runner.snapshot();
    assert.equal(s.lastDisconnect?.error, "socket reset");
    assert.ok(s.lastDisconnect!.at >= endedAt);
    assert.equal(s.lastError, "socket reset");
    assert.equal(s.reconnectAttempts, 1);
    assert.equal(s.lifecycle, "recovering");
    assert.equal(s.healthState, "disconnected");
    assert.equal(runner.connection, null);
    await until("second attempt", () => adapter.attempts.length >= 2, 3000);
    const gap = adapter.attempts[1] - endedAt;
    assert.ok(gap >= 950, `reconnected after ${gap} ms`);
    assert.ok(gap <= 1600, `reconnected after ${gap} ms (first backoff is about a second)`);
    await until("reconnected", () => runner.snapshot().connected);
    assert.equal(runner.snapshot().lifecycle, "ready");
    assert.equal(runner.snapshot().lastError, null);
  });

  it("a connect that rejects is retried with growing delays, never in a tight loop", async () => {
    const adapter = new FakeAdapter([async () => Promise.reject(new Error("ECONNREFUSED"))]);
    const { runner } = await setup(adapter);
    runner.start();
    await until("first failure noticed", () => runner.snapshot().reconnectAttempts === 1);
    const s = runner.snapshot();
    assert.equal(s.lastError, "ECONNREFUSED");
    assert.equal(s.lifecycle, "recovering");
    assert.equal(s.connected, false);
    await delay(3000);
    const n = adapter.attempts.length;
    assert.ok(n >= 2 && n <= 3, `${n} attempts in ~3 s`);
    await until("third attempt", () => adapter.attempts.length >= 3, 1500);
    const [a, b, c] = adapter.attempts;
    assert.ok(b - a >= 950, `first retry after ${b - a} ms`);
    assert.ok(c - b > b - a, `delays grow: ${b - a} ms then ${c - b} ms`);
    assert.ok(runner.snapshot().reconnectAttempts >= 3);
  });

  it("a fatal connect error blocks the account: no more attempts", async () => {
    const adapter = new FakeAdapter([async () => Promise.reject(withFlags("401 Unauthorized", { fatal: true }))]);
    const { runner } = await setup(adapter);
    runner.start();
    await until("loop ended", () => !runner.running);
    const s = runner.snapshot();
    assert.equal(s.lifecycle, "blocked");
    assert.equal(s.healthState, "blocked");
    assert.equal(s.lastError, "401 Unauthorized");
    assert.equal(s.running, false);
    await delay(1300);
    assert.equal(adapter.attempts.length, 1);
    assert.equal(runner.snapshot().lifecycle, "blocked");
  });

  it("a logged-out connection end blocks the account and records loggedOut", async () => {
    const adapter = new FakeAdapter();
    const { runner } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    adapter.connections[0].end({ error: "logged out from the phone", loggedOut: true });
    await until("loop ended", () => !runner.running);
    const s = runner.snapshot();
    assert.equal(s.lifecycle, "blocked");
    assert.equal(s.lastDisconnect?.loggedOut, true);
    assert.equal(s.lastError, "logged out from the phone");
    assert.equal(s.connected, false);
    await delay(1300);
    assert.equal(adapter.attempts.length, 1);
  });

  it("silence: no activity for silentAfterMs marks it stale, closes the connection and reconnects", async () => {
    const adapter = new FakeAdapter([], 200);
    const { runner } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const connectedAt = runner.snapshot().lastConnectedAt!;
    await until("stale", () => runner.snapshot().healthState === "stale", 1000);
    const quietFor = Date.now() - connectedAt;
    assert.ok(quietFor >= 195, `stale after ${quietFor} ms, before silentAfterMs`);
    await until("closed", () => adapter.connections[0].closeCalls > 0, 500);
    await until("disconnect recorded", () => runner.snapshot().reconnectAttempts === 1, 500);
    const s = runner.snapshot();
    assert.equal(s.connected, false);
    assert.match(s.lastError ?? "", /no traffic/);
    assert.match(s.lastDisconnect?.error ?? "", /no traffic/);
    assert.equal(s.reconnectAttempts, 1);
    assert.equal(adapter.attempts.length, 1, "the reconnect waits for the backoff");
    await until("reconnected", () => adapter.attempts.length === 2 && runner.snapshot().connected, 2500);
    assert.equal(runner.snapshot().healthState, "healthy");
  });

  it("activity() keeps a quiet-limit connection alive", async () => {
    const adapter = new FakeAdapter([], 150);
    const { runner } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const ctx = adapter.contexts[0];
    const started = Date.now();
    while (Date.now() - started < 600) {
      ctx.activity();
      await delay(30);
    }
    assert.equal(runner.snapshot().healthState, "healthy");
    assert.equal(adapter.connections[0].closeCalls, 0);
    assert.equal(adapter.attempts.length, 1);
    assert.ok((runner.snapshot().lastTransportActivityAt ?? 0) >= started);
  });

  it("stop() aborts the connection and ends the loop", async () => {
    const adapter = new FakeAdapter();
    const { runner } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const signal = adapter.contexts[0].signal;
    await runner.stop();
    assert.equal(signal.aborted, true);
    assert.equal(adapter.connections[0].closeCalls, 1);
    assert.equal(runner.running, false);
    const s = runner.snapshot();
    assert.deepEqual([s.running, s.connected, s.lifecycle, s.healthState], [false, false, "stopped", "stopped"]);
    assert.ok(s.lastStopAt !== null);
    await delay(1200);
    assert.equal(adapter.attempts.length, 1, "no reconnect after stop");
  });

  it("stop() during a backoff returns promptly", async () => {
    const adapter = new FakeAdapter([async () => Promise.reject(new Error("down"))]);
    const { runner } = await setup(adapter);
    runner.start();
    await until("first failure", () => runner.snapshot().reconnectAttempts === 1);
    const t0 = Date.now();
    await runner.stop();
    assert.ok(Date.now() - t0 < 300, `stop took ${Date.now() - t0} ms`);
    assert.equal(runner.running, false);
    assert.equal(adapter.attempts.length, 1);
  });

  it("the connect context: receive() carries the accountId; state, status and credentials work", async () => {
    const adapter = new FakeAdapter();
    const { runner, received, store, dir } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const ctx = adapter.contexts[0];
    assert.equal(ctx.accountId, "default");
    assert.deepEqual(ctx.account, { token: "x" });
    await ctx.receive({
      accountId: "someone-else",
      messageId: "1",
      timestamp: 1,
      chatType: "direct",
      conversationId: "c",
      sender: { id: "u" },
      text: "hi",
      mentionedBot: false,
    });
    assert.equal(received.length, 1);
    assert.equal(received[0].accountId, "default");
    assert.equal(received[0].text, "hi");
    ctx.state.set("offset", "41");
    assert.equal(store.getState("fake", "default", "offset"), "41");
    assert.equal(ctx.state.get("offset"), "41");
    ctx.setStatus({ botUsername: "clawbot", accountId: "hijack" });
    assert.equal(runner.snapshot().botUsername, "clawbot");
    assert.equal(runner.snapshot().accountId, "default", "setStatus cannot change the account id");
    const creds = ctx.credentialsDir();
    assert.equal(creds, join(dir, "credentials", "fake", "default"));
    if (process.platform !== "win32") assert.equal(statSync(creds).mode & 0o777, 0o700);
  });

  it("a commit that fails is tried again before the adapter hears of it; one that keeps failing rejects", async () => {
    const adapter = new FakeAdapter();
    let failuresLeft = 2;
    const stored: string[] = [];
    const { runner } = await setup(adapter, async (m) => {
      if (failuresLeft-- > 0) throw new Error("SQLITE_BUSY");
      stored.push(m.messageId);
    });
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const message = { accountId: "default", messageId: "m1", timestamp: 1, chatType: "direct" as const, conversationId: "c", sender: { id: "u" }, text: "hi", mentionedBot: false };
    await adapter.contexts[0].receive(message);
    assert.deepEqual(stored, ["m1"], "stored on the third try");
    failuresLeft = 100;
    await assert.rejects(adapter.contexts[0].receive({ ...message, messageId: "m2" }), /SQLITE_BUSY/);
  });

  it("does not leave its abort listeners behind across reconnects", async () => {
    const adapter = new FakeAdapter();
    const { runner } = await setup(adapter);
    runner.start();
    await until("connected", () => runner.snapshot().connected);
    const signal = adapter.contexts[0].signal;
    const baseline = getEventListeners(signal, "abort").length;
    adapter.connections[0].end({ error: "reset" });
    await until("second attempt", () => adapter.attempts.length === 2, 3000);
    await until("reconnected", () => runner.snapshot().connected);
    // One connection is live, as before: the runner should hold no more listeners than then.
    assert.equal(getEventListeners(signal, "abort").length, baseline, "an abort listener leaked from the first connection");
  });
});
