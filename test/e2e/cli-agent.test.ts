/**
 * `openclaw agent` and `openclaw sessions` against a real gateway process whose model is the
 * provider stand-in: the JSON final and the plain reply, --session-key and --agent, the guidance
 * when no model is configured, the session list (also with the gateway stopped), the legacy JSONL
 * export (stdout and --out at mode 0600) and the help texts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentStorePath } from "../../src/agents/agent-config.js";
import { startProviderStandIn, type ProviderStandIn } from "../stand-ins/provider-stand-in.js";
import {
  baseConfig,
  dump,
  fileMode,
  makeConfiguredSandbox,
  runOpenclaw,
  startGateway,
  stdoutJson,
  useProcessCleanup,
  type CliResult,
  type ConfiguredSandbox,
  type Proc,
} from "./process-harness.js";

useProcessCleanup();

const PROVIDER_ENV = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"];

let standIn: ProviderStandIn;
let c: ConfiguredSandbox;
let gw: Proc;

function sandbox(extra: (standInUrl: string) => Record<string, unknown>): Promise<ConfiguredSandbox> {
  return makeConfiguredSandbox({
    config: (port, token, logFile) => ({ ...baseConfig(port, token, logFile), ...extra(standIn.url) }),
    beforeConfig: (sb) => {
      for (const key of PROVIDER_ENV) delete sb.env[key];
    },
  });
}

const withStandIn = (url: string) => ({
  agents: { defaults: { model: { primary: "mock/echo" } }, entries: { main: { default: true }, helper: {} } },
  models: { providers: { mock: { baseUrl: `${url}/v1`, apiKey: "mock-local", api: "openai-completions", models: [{ id: "echo", contextWindow: 32000 }] } } },
});

before(async () => {
  standIn = await startProviderStandIn();
  c = await sandbox(withStandIn);
  gw = await startGateway(c.sb.env, [], c.port);
});

after(async () => {
  await standIn.close();
});

const cli = (...args: string[]) => runOpenclaw(args, c.sb.env, { timeoutMs: 20_000 });

const json = stdoutJson;

type Final = { runId: string; status: string; summary: string; result: { payloads: Array<{ text: string }>; meta: { agentMeta: { sessionKey: string; sessionId: string; provider?: string; model?: string } } } };
type Listing = { path: string; count: number; totalCount: number; sessions: Array<{ key: string; sessionId: string; messageCount: number; model: string | null; modelProvider: string | null }> };

describe("openclaw agent (gateway running)", () => {
  test("gateway call agent prints the final result, not the interim accepted answer", async () => {
    const params = JSON.stringify({ message: "hello call", idempotencyKey: "call-agent-1", sessionKey: "via-call" });
    const r = await cli("gateway", "call", "agent", "--params", params);
    assert.equal(r.code, 0, dump(r));
    const final = json<Final>(r);
    assert.equal(final.status, "ok", dump(r));
    assert.equal(final.result.payloads[0]?.text, "echo: hello call");
  });

  test("--json prints the final result: status ok and the reply in result.payloads[0].text", async () => {
    const r = await cli("agent", "--message", "hello json", "--json");
    assert.equal(r.code, 0, dump(r));
    const final = json<Final>(r);
    assert.equal(final.status, "ok", dump(r));
    assert.equal(final.summary, "completed");
    assert.equal(typeof final.runId, "string");
    assert.equal(final.result.payloads[0]?.text, "echo: hello json");
    assert.equal(final.result.meta.agentMeta.sessionKey, "agent:main:main");
    assert.equal(final.result.meta.agentMeta.provider, "mock");
    assert.equal(final.result.meta.agentMeta.model, "echo");
  });

  test("without --json it prints the reply text (streamed, printed once)", async () => {
    const quick = await cli("agent", "-m", "hello plain");
    assert.equal(quick.code, 0, dump(quick));
    assert.equal(quick.stdout.trim(), "echo: hello plain", dump(quick));

    // Several deltas arrive over time; the streamed text and the final must not both be printed.
    const streamed = await cli("agent", "--message", "MARK:slow:30 streamed reply in several small pieces");
    assert.equal(streamed.code, 0, dump(streamed));
    assert.equal(streamed.stdout.trim(), "echo: slow:30 streamed reply in several small pieces", dump(streamed));
  });

  test("--session-key picks the session", async () => {
    const r = await cli("agent", "--message", "in the work session", "--session-key", "work", "--json");
    assert.equal(r.code, 0, dump(r));
    const final = json<Final>(r);
    assert.equal(final.result.meta.agentMeta.sessionKey, "agent:main:work");
    assert.equal(final.result.payloads[0]?.text, "echo: in the work session");
    const listing = json<Listing>(await cli("sessions", "--json"));
    const work = listing.sessions.find((s) => s.key === "agent:main:work");
    assert.ok(work, `sessions lists agent:main:work: ${JSON.stringify(listing.sessions.map((s) => s.key))}`);
    assert.equal(work.sessionId, final.result.meta.agentMeta.sessionId);
    assert.equal(work.messageCount, 2);
  });

  test("--agent runs the turn as that agent, in its own state database", async () => {
    const r = await cli("agent", "--agent", "helper", "--message", "ask the helper", "--json");
    assert.equal(r.code, 0, dump(r));
    const final = json<Final>(r);
    assert.equal(final.result.meta.agentMeta.sessionKey, "agent:helper:main");
    assert.equal(final.result.payloads[0]?.text, "echo: ask the helper");
    assert.ok(existsSync(agentStorePath(c.sb.stateDir, "helper")), "the helper agent has its own database");

    const helper = json<Listing>(await cli("sessions", "--agent", "helper", "--json"));
    assert.deepEqual(helper.sessions.map((s) => s.key), ["agent:helper:main"]);
    assert.equal(helper.path, agentStorePath(c.sb.stateDir, "helper"));
    const main = json<Listing>(await cli("sessions", "--json"));
    assert.ok(!main.sessions.some((s) => s.key.startsWith("agent:helper:")), "the main agent's list does not show helper sessions");
  });

  test("an unknown --agent is refused with a clear message", async () => {
    const r = await cli("agent", "--agent", "nobody", "--message", "hi");
    assert.notEqual(r.code, 0, dump(r));
    assert.match(r.stderr, /unknown agent id "nobody"/, dump(r));
  });
});

describe("openclaw sessions (gateway running)", () => {
  test("--json lists the main session with its counts and model", async () => {
    const r = await cli("sessions", "--json");
    assert.equal(r.code, 0, dump(r));
    const listing = json<Listing>(r);
    assert.equal(listing.path, agentStorePath(c.sb.stateDir, "main"));
    const main = listing.sessions.find((s) => s.key === "agent:main:main");
    assert.ok(main, dump(r));
    assert.equal(main.messageCount, 6, "three turns (json, plain, streamed): a user and an assistant message each");
    assert.equal(main.modelProvider, "mock");
    assert.equal(main.model, "echo");
    assert.equal(listing.count, listing.sessions.length);
    assert.ok(listing.totalCount >= listing.count);

    const limited = json<Listing>(await cli("sessions", "--json", "--limit", "1"));
    assert.equal(limited.count, 1);
    assert.equal(limited.totalCount, listing.totalCount);
  });

  test("without --json it prints the store path and one line per session", async () => {
    const r = await cli("sessions");
    assert.equal(r.code, 0, dump(r));
    assert.match(r.stdout, new RegExp(`Session store: ${agentStorePath(c.sb.stateDir, "main").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.match(r.stdout, /^agent:main:main\s.*\b6 msgs\b.*mock\/echo/m, dump(r));
  });

  test("export prints the legacy JSONL: a session header, then the messages in order", async () => {
    const r = await cli("sessions", "export", "agent:main:main");
    assert.equal(r.code, 0, dump(r));
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
    const listing = json<Listing>(await cli("sessions", "--json"));
    const sessionId = listing.sessions.find((s) => s.key === "agent:main:main")!.sessionId;
    assert.equal(lines[0].type, "session");
    assert.equal(lines[0].id, sessionId);
    assert.equal(typeof lines[0].timestamp, "string");
    const messages = lines.slice(1);
    assert.ok(messages.every((l) => l.type === "message"), `only message lines: ${r.stdout}`);
    assert.deepEqual(
      messages.map((l) => l.message.role),
      ["user", "assistant", "user", "assistant", "user", "assistant"],
    );
    const text = (l: Record<string, any>) => (l.message.content as Array<{ text?: string }>).map((p) => p.text ?? "").join("");
    assert.equal(text(messages[0]), "hello json");
    assert.equal(text(messages[1]), "echo: hello json");
    assert.equal(text(messages[3]), "echo: hello plain");
    assert.equal(messages[0].parentId, null);
    for (let i = 1; i < messages.length; i++) assert.equal(messages[i].parentId, messages[i - 1].id, "each line's parentId is the previous entry");

    const bare = await cli("sessions", "export", "main");
    assert.equal(bare.stdout, r.stdout, "a bare key means the default agent's session");
  });

  test("export --out writes the same text to a file with mode 0600", async () => {
    const stdout = (await cli("sessions", "export", "agent:main:main")).stdout;
    const out = join(c.sb.root, "main.jsonl");
    const r = await cli("sessions", "export", "agent:main:main", "--out", out);
    assert.equal(r.code, 0, dump(r));
    assert.equal(r.stdout, "", "nothing on stdout with --out");
    assert.match(r.stderr, /Wrote 7 lines to /);
    assert.equal(readFileSync(out, "utf8"), stdout);
    assert.equal(fileMode(out), 0o600);
  });

  test("export --out over an existing world-readable file leaves it at mode 0600", async () => {
    const out = join(c.sb.root, "existing.jsonl");
    writeFileSync(out, "old contents that are longer than nothing\n".repeat(100));
    chmodSync(out, 0o644);
    const r = await cli("sessions", "export", "agent:main:main", "--out", out);
    assert.equal(r.code, 0, dump(r));
    assert.ok(readFileSync(out, "utf8").startsWith('{"type":"session"'), "the file is replaced, not appended to");
    assert.equal(fileMode(out).toString(8), "600", "a transcript must not stay readable by other users");
  });

  test("export of a session that does not exist fails with exit 1", async () => {
    const r = await cli("sessions", "export", "agent:main:nope");
    assert.equal(r.code, 1, dump(r));
    assert.match(r.stderr, /No session agent:main:nope/);
    assert.equal(r.stdout, "");
  });
});

describe("openclaw sessions with the gateway stopped", () => {
  test("the list and the export still work from the state database", async () => {
    const before = json<Listing>(await cli("sessions", "--json"));
    const exportBefore = (await cli("sessions", "export", "agent:main:main")).stdout;
    assert.equal((await gw.stop()).code, 0, dump(gw));
    const r = await cli("sessions", "--json");
    assert.equal(r.code, 0, dump(r));
    assert.deepEqual(json<Listing>(r), before);
    const exported = await cli("sessions", "export", "agent:main:main");
    assert.equal(exported.code, 0, dump(exported));
    assert.equal(exported.stdout, exportBefore);
  });

  test("a state dir without a database lists nothing and creates nothing", async () => {
    const fresh = await sandbox(withStandIn);
    const r = await runOpenclaw(["sessions", "--json"], fresh.sb.env);
    assert.equal(r.code, 0, dump(r));
    const listing = json<Listing>(r);
    assert.deepEqual([listing.count, listing.totalCount, listing.sessions], [0, 0, []]);
    assert.equal(existsSync(agentStorePath(fresh.sb.stateDir, "main")), false, "listing must not create the database");
  });
});

describe("openclaw agent with no model configured", () => {
  test("exits non-zero with guidance that names OPENAI_API_KEY (plain and --json)", async () => {
    const bare = await sandbox(() => ({ models: { mode: "replace" } }));
    const proc = await startGateway(bare.sb.env, [], bare.port);
    try {
      const r = await runOpenclaw(["agent", "--message", "anyone there?"], bare.sb.env);
      assert.notEqual(r.code, 0, dump(r));
      assert.match(r.stderr, /No model is configured/, dump(r));
      assert.match(r.stderr, /OPENAI_API_KEY/, dump(r));
      assert.doesNotMatch(r.stdout, /echo:/);

      const j = await runOpenclaw(["agent", "--message", "anyone there?", "--json"], bare.sb.env);
      assert.notEqual(j.code, 0, dump(j));
      const body = json<{ ok: boolean; error: { message: string } }>(j);
      assert.equal(body.ok, false);
      assert.match(body.error.message, /OPENAI_API_KEY/);
      assert.equal(standIn.requests.filter((req) => JSON.stringify(req.body).includes("anyone there?")).length, 0, "no provider was called");
    } finally {
      await proc.stop();
    }
  });
});

describe("help texts", () => {
  test("openclaw agent --help explains the flags", async () => {
    const r = await cli("agent", "--help");
    assert.equal(r.code, 0, dump(r));
    for (const flag of ["-m, --message <text>", "--agent <id>", "--session-key <key>", "--model <provider/model>", "--timeout <seconds>", "--json"]) {
      assert.ok(r.stdout.includes(flag), `agent --help mentions ${flag}:\n${r.stdout}`);
    }
    assert.match(r.stdout, /send one message to an agent/i);
  });

  test("openclaw sessions --help and sessions export --help explain the flags", async () => {
    const r = await cli("sessions", "--help");
    assert.equal(r.code, 0, dump(r));
    for (const text of ["--agent <id>", "--limit <n>", "--json", "export"]) assert.ok(r.stdout.includes(text), `sessions --help mentions ${text}:\n${r.stdout}`);
    assert.match(r.stdout, /gateway\s+stopped/);
    const e = await cli("sessions", "export", "--help");
    assert.equal(e.code, 0, dump(e));
    assert.ok(e.stdout.includes("--out <file>"), e.stdout);
    assert.match(e.stdout, /0600/);
    assert.match(e.stdout, /JSONL/);
  });
});
