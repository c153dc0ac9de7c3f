import { mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfig } from "../../../config/schema.js";
import type { CommandGate, CommandRequest, CommandVerdict, ToolContext, ToolUpdate } from "../types.js";

/** A gate that answers every request the same way and remembers what it was asked. */
export class RecordingGate implements CommandGate {
  readonly requests: CommandRequest[] = [];
  constructor(private readonly verdict: CommandVerdict = { allowed: true, via: "full" }) {}
  async authorize(request: CommandRequest): Promise<CommandVerdict> {
    this.requests.push(request);
    return this.verdict;
  }
}

export function tempWorkspace(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "exec-test-")));
}

export type TestContext = ToolContext & { updates: ToolUpdate[]; gate: RecordingGate; abort: AbortController };

export function toolContext(overrides: Partial<ToolContext> & { gate?: RecordingGate; abort?: AbortController } = {}): TestContext {
  const gate = overrides.gate ?? new RecordingGate();
  const abort = overrides.abort ?? new AbortController();
  const updates: ToolUpdate[] = [];
  return {
    agentId: "main",
    sessionKey: "agent:main:main",
    workspace: overrides.workspace ?? tempWorkspace(),
    toolCallId: "call-1",
    surface: "agent",
    signal: abort.signal,
    sandboxed: false,
    config: {} as GatewayConfig,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8" },
    host: { stateDir: tmpdir(), commands: gate, sessions: {} as ToolContext["host"]["sessions"], messages: {} as ToolContext["host"]["messages"] },
    update: (progress) => updates.push(progress),
    ...overrides,
    updates,
    gate,
    abort,
  };
}

/** Live (not zombie) processes whose command line contains `marker`. */
export function processesMatching(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) continue;
      const state = readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^.*\) /, "")[0];
      if (state !== "Z") found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

export async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/** A number unlikely to appear in any other process's command line. */
export function uniqueSeconds(): string {
  return String(900_000 + Math.floor(Math.random() * 90_000));
}
