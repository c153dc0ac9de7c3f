/**
 * The tool loop end to end: a stand-in model asks for real tool calls (files, commands) one round
 * at a time, the gateway runs them under policy and approvals, and the model's reply is built from
 * what the tools really returned.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFileGateway } from "./harness.js";
import { ADMIN_SCOPES, callsWith, chatEnd, chatTurn, client, eventsOf, historyOf, providerFor, sendChat, startStandIn, tag, timeWhen } from "./agent-harness.js";

const standIn = await startStandIn();
const gw = await startFileGateway({
  extraConfig: {
    agents: {
      defaults: { model: { primary: "mock/echo" } },
      entries: {
        main: { default: true, tools: { exec: { security: "full", ask: "off" } } },
        locked: { tools: { exec: { security: "deny" } } },
        asker: { tools: { exec: { security: "full", ask: "always" } } },
        reader: { tools: { deny: ["exec", "write"] } },
      },
    },
    models: { providers: { mock: providerFor(standIn) } },
  },
});
const mainWorkspace = join(gw.stateDir, "workspace");

const script = (steps: Array<{ name: string; args: Record<string, unknown> }>, word: string) => `do it ${word} MARK:script ${JSON.stringify(steps)}`;
const TOOL_CAPS = { caps: ["tool-events"] };

describe("the tool loop", () => {
  test("read, write, edit and exec run for real and the reply reflects their results", async () => {
    mkdirSync(mainWorkspace, { recursive: true });
    const word = tag();
    writeFileSync(join(mainWorkspace, `seed-${word}.txt`), `seeded ${word}\n`);
    const c = await client(gw.url, ADMIN_SCOPES, TOOL_CAPS);
    const steps = [
      { name: "read", args: { path: `seed-${word}.txt` } },
      { name: "write", args: { path: `notes/${word}.txt`, content: `hello ${word}\n` } },
      { name: "edit", args: { path: `notes/${word}.txt`, oldText: "hello", newText: "goodbye" } },
      { name: "exec", args: { command: `cat notes/${word}.txt && echo "pwd=$(pwd)"` } },
    ];
    const { runId, end } = await chatTurn(c, `tools-${word}`, script(steps, word));
    assert.equal(end.state, "final", JSON.stringify(end));
    const reply = end.message.content[0].text as string;
    assert.match(reply, /^script done: /);
    assert.match(reply, new RegExp(`seeded ${word}`), "the read result reached the model");
    assert.match(reply, new RegExp(`goodbye ${word}`), "exec saw the edited file");
    assert.match(reply, new RegExp(`pwd=${mainWorkspace.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), "commands start in the workspace");
    assert.equal(readFileSync(join(mainWorkspace, "notes", `${word}.txt`), "utf8"), `goodbye ${word}\n`);

    const toolEvents = eventsOf(c, "agent", runId).filter((e) => e.payload.stream === "tool");
    const phases = toolEvents.map((e) => `${e.payload.data.name}:${e.payload.data.phase}`);
    for (const name of ["read", "write", "edit", "exec"]) {
      assert.ok(phases.includes(`${name}:start`) && phases.includes(`${name}:result`), `${name} start and result events: ${phases.join(",")}`);
    }

    const history = await historyOf(c, `tools-${word}`);
    const roles = history.messages.map((m: { role: string }) => m.role);
    assert.deepEqual(roles, ["user", "assistant", "toolResult", "assistant", "toolResult", "assistant", "toolResult", "assistant", "toolResult", "assistant"]);
    const firstCall = history.messages[1];
    assert.equal(firstCall.toolCalls[0].name, "read");
    assert.equal(history.messages[2].toolCallId, firstCall.toolCalls[0].id);
    assert.equal(history.messages[2].isError, false);
  });

  test("session.tool events reach the session's message subscribers; the answer after a tool round starts a new chat message", async () => {
    const c = await client(gw.url, ADMIN_SCOPES, { caps: ["session-scoped-events"] });
    const word = tag();
    const session = `agent:main:events-${word}`;
    await c.call("sessions.messages.subscribe", { key: session });
    const { runId, end } = await chatTurn(c, session, script([{ name: "session_status", args: {} }], word));
    assert.equal(end.state, "final");
    const tools = eventsOf(c, "session.tool", runId);
    assert.deepEqual(tools.map((e) => e.payload.data.phase), ["start", "result"]);
    assert.equal(tools[1].payload.data.name, "session_status");
    assert.equal(tools[1].payload.sessionKey, session);
    const deltas = eventsOf(c, "chat", runId).filter((e) => e.payload.state === "delta");
    assert.equal(deltas[0].payload.replace, true, "the first delta after the tool round replaces the earlier text");
    assert.ok(deltas.slice(1).every((d) => d.payload.replace === undefined));
    assert.equal(deltas[deltas.length - 1].payload.message.content[0].text, end.message.content[0].text);
  });

  test("the model is offered the tools policy allows, with their schemas", async () => {
    const c = await client(gw.url);
    const word = tag();
    await chatTurn(c, `schemas-${word}`, `which tools ${word}`);
    const request = standIn.requests.find((r) => JSON.stringify(r.body).includes(`which tools ${word}`));
    const names = ((request?.body as { tools?: Array<{ function: { name: string; parameters: { type: string } } }> }).tools ?? []).map((t) => t.function.name);
    for (const name of ["read", "write", "edit", "apply_patch", "exec", "process", "web_fetch", "sessions_list", "sessions_send", "session_status", "agents_list"]) assert.ok(names.includes(name), `${name} offered: ${names}`);

    const readerRun = await chatTurn(c, `agent:reader:schemas-${word}`, `reader tools ${word}`);
    assert.equal(readerRun.end.state, "final");
    const readerRequest = standIn.requests.find((r) => JSON.stringify(r.body).includes(`reader tools ${word}`));
    const readerNames = ((readerRequest?.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name);
    assert.ok(readerNames.includes("read"));
    assert.ok(!readerNames.includes("exec") && !readerNames.includes("write"), `denied tools are not offered: ${readerNames}`);
  });

  test("a path escape and a denied command come back to the model as tool errors", async () => {
    const c = await client(gw.url);
    const word = tag();
    const lockedWorkspace = join(gw.stateDir, "workspace-locked");
    const steps = [
      { name: "read", args: { path: "../../../../etc/passwd" } },
      { name: "write", args: { path: "/tmp/escape-" + word, content: "x" } },
      { name: "exec", args: { command: `touch ran-${word}` } },
    ];
    const { end } = await chatTurn(c, `agent:locked:escape-${word}`, script(steps, word));
    const reply = end.message.content[0].text as string;
    const [readResult, writeResult, execResult] = reply.replace(/^script done: /, "").split(" | ");
    assert.match(readResult, /^Error: .*outside the workspace/i, readResult);
    assert.doesNotMatch(readResult, /root:/, "nothing of /etc/passwd leaks");
    assert.match(writeResult, /^Error: .*outside the workspace/i, writeResult);
    assert.equal(existsSync(`/tmp/escape-${word}`), false);
    assert.match(execResult, /^Error: /, execResult);
    assert.equal(existsSync(join(lockedWorkspace, `ran-${word}`)), false, "a denied command never runs");

    const history = await historyOf(c, `agent:locked:escape-${word}`);
    const results = history.messages.filter((m: { role: string }) => m.role === "toolResult");
    assert.deepEqual(results.map((m: { isError: boolean }) => m.isError), [true, true, true]);
  });

  test("session tools: list, status, agents, and sending to another session waits for its reply", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `agent:main:hub-${word}`;
    await chatTurn(c, `agent:main:side-${word}`, `earlier turn ${word}`);
    const steps = [
      { name: "session_status", args: {} },
      { name: "agents_list", args: {} },
      { name: "sessions_send", args: { sessionKey: `side-${word}`, message: `relay ${word}`, timeoutSeconds: 10 } },
      { name: "sessions_send", args: { sessionKey: `hub-${word}`, message: "to myself" } },
      // Last: other sessions' previews may hold the " | " the stand-in joins results with.
      { name: "sessions_list", args: { limit: 50 } },
    ];
    const { end } = await chatTurn(c, session, script(steps, word), {});
    const parts = (end.message.content[0].text as string).replace(/^script done: /, "").split(" | ");
    const [status, agents, sent, self] = parts;
    const listed = parts.slice(4).join(" | ");
    assert.ok(listed.includes(`agent:main:side-${word}`), listed.slice(0, 300));
    assert.equal(JSON.parse(status).key, session);
    assert.deepEqual(JSON.parse(agents).agents.map((a: { id: string }) => a.id), ["main", "locked", "asker", "reader"]);
    const reply = JSON.parse(sent);
    assert.equal(reply.status, "ok");
    assert.match(reply.reply, new RegExp(`^echo: [\\s\\S]*relay ${word}`), "the other session's model answered");
    assert.match(self, /^Error: sessions_send cannot target the current session/);
    const side = await historyOf(c, `agent:main:side-${word}`);
    assert.match(side.messages[2].content, new RegExp(`\\[message from session ${session}\\]\\nrelay ${word}`), "the message landed in the other session, marked with its sender");
  });

  test("what a sandboxed (group) session sends to another session arrives marked as untrusted", async () => {
    const c = await client(gw.url);
    const word = tag();
    const steps = [{ name: "sessions_send", args: { sessionKey: `inbox-${word}`, message: `from the group ${word}`, timeoutSeconds: 0 } }];
    await chatTurn(c, `agent:main:telegram:group:${word}`, script(steps, word));
    await timeWhen(() => callsWith(standIn, `from the group ${word}`).length > 0, 5000, "the other session's turn");
    const inbox = await historyOf(c, `inbox-${word}`);
    assert.match(inbox.messages[0].content, /EXTERNAL_UNTRUSTED_CONTENT[\s\S]*from the group/);
  });

  test("the model calling a tool it was not offered gets an error, not a crash", async () => {
    const c = await client(gw.url);
    const word = tag();
    const { end } = await chatTurn(c, `agent:reader:unoffered-${word}`, script([{ name: "exec", args: { command: "id" } }], word));
    assert.match(end.message.content[0].text, /not available in this session/);
  });
});

describe("exec approvals over the WebSocket", () => {
  const askerWorkspace = join(gw.stateDir, "workspace-asker");

  test("an ask:always command waits until an operator approves it, then runs", async () => {
    const owner = await client(gw.url, ["operator.read", "operator.write", "operator.approvals"]);
    const reader = await client(gw.url, ["operator.read"]);
    const word = tag();
    const { runId } = await sendChat(owner, `agent:asker:approve-${word}`, script([{ name: "exec", args: { command: `touch approved-${word} && echo made-${word}` } }], word));
    const requested = await owner.waitFor((f) => f.type === "event" && f.event === "exec.approval.requested" && JSON.stringify(f.payload).includes(word), { timeoutMs: 5000, label: "approval request" });
    assert.equal(existsSync(join(askerWorkspace, `approved-${word}`)), false, "nothing runs before the approval");
    assert.equal(reader.frames.some((f) => f.event === "exec.approval.requested"), false, "operators without operator.approvals do not see requests");
    const pending = await owner.call("exec.approval.list", {});
    assert.ok(JSON.stringify(pending).includes(requested.payload.id));
    await owner.call("exec.approval.resolve", { id: requested.payload.id, decision: "allow-once" });
    const end = await chatEnd(owner, runId, 10_000);
    assert.equal(end.payload.state, "final");
    assert.match(end.payload.message.content[0].text, new RegExp(`made-${word}`));
    assert.equal(existsSync(join(askerWorkspace, `approved-${word}`)), true);
  });

  test("a denied command never runs and the model is told", async () => {
    const owner = await client(gw.url, ["operator.read", "operator.write", "operator.approvals"]);
    const word = tag();
    const { runId } = await sendChat(owner, `agent:asker:deny-${word}`, script([{ name: "exec", args: { command: `touch denied-${word}` } }], word));
    const requested = await owner.waitFor((f) => f.type === "event" && f.event === "exec.approval.requested" && JSON.stringify(f.payload).includes(word), { timeoutMs: 5000, label: "approval request" });
    await owner.call("exec.approval.resolve", { id: requested.payload.id, decision: "deny" });
    const resolved = await owner.waitFor((f) => f.type === "event" && f.event === "exec.approval.resolved" && f.payload.id === requested.payload.id, { timeoutMs: 5000, label: "resolved event" });
    assert.equal(resolved.payload.decision, "deny");
    const end = await chatEnd(owner, runId, 10_000);
    assert.match(end.payload.message.content[0].text, /Error: .*denied/i);
    assert.equal(existsSync(join(askerWorkspace, `denied-${word}`)), false);
  });
});

describe("aborting a run", () => {
  test("aborts the running command", async () => {
    const c = await client(gw.url, ADMIN_SCOPES, TOOL_CAPS);
    const word = tag();
    const session = `abort-${word}`;
    const { runId } = await sendChat(c, session, script([{ name: "exec", args: { command: `touch started-${word}; sleep 3; touch finished-${word}` } }], word));
    await timeWhen(() => existsSync(join(mainWorkspace, `started-${word}`)), 5000, "the command to start");
    await c.call("chat.abort", { sessionKey: session, runId });
    const end = await chatEnd(c, runId);
    assert.equal(end.payload.state, "aborted");
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(existsSync(join(mainWorkspace, `finished-${word}`)), false, "the command was killed with the run");
  });
});

describe("steer", () => {
  test("a steer message sent during a tool call joins the run at the next model call", async () => {
    const c = await client(gw.url);
    const word = tag();
    const session = `steer-${word}`;
    const { runId } = await sendChat(c, session, script([{ name: "exec", args: { command: `touch busy-${word}; sleep 1` } }], word));
    await timeWhen(() => existsSync(join(mainWorkspace, `busy-${word}`)), 5000, "the tool to run");
    const steered = await sendChat(c, session, `also consider steer-${word}`, { queueMode: "steer" });
    assert.equal(steered.ack.status, "started", "accepted while the run is busy");
    const [first, second] = await Promise.all([chatEnd(c, runId, 10_000), chatEnd(c, steered.runId, 10_000)]);
    assert.equal(first.payload.state, "final");
    assert.equal(first.payload.message.content[0].text, `echo: also consider steer-${word}`, "the model read the steered message in the same run");
    assert.equal(second.payload.message.content[0].text, first.payload.message.content[0].text, "the steered run ends with the shared reply");
    assert.equal(callsWith(standIn, `steer-${word}`).length, 1, "one model call saw it: no separate turn");
    const history = await historyOf(c, session);
    assert.deepEqual(history.messages.map((m: { role: string }) => m.role), ["user", "assistant", "toolResult", "user", "assistant"]);
  });
});

const bwrapWorks = spawnSync("bwrap", ["--ro-bind", "/", "/", "true"]).status === 0;

describe("sandboxed sessions", () => {
  test("a channel group session runs commands in the sandbox by default: the workspace is writable, /etc/passwd and TCP are not reachable", { skip: bwrapWorks ? false : "bubblewrap (bwrap) cannot run here; install it with apt-get install bubblewrap" }, async () => {
    const c = await client(gw.url);
    const word = tag();
    const command = `echo inside > box-${word}.txt; cat /etc/passwd >/dev/null 2>&1; echo passwd=$?; bash -c 'exec 3<>/dev/tcp/127.0.0.1/${gw.port}' 2>/dev/null; echo tcp=$?`;
    const { end } = await chatTurn(c, `agent:main:telegram:group:${word}`, script([{ name: "exec", args: { command } }], word));
    const reply = end.message.content[0].text as string;
    assert.match(reply, /passwd=[1-9]/, reply);
    assert.match(reply, /tcp=[1-9]/, reply);
    assert.equal(readFileSync(join(mainWorkspace, `box-${word}.txt`), "utf8"), "inside\n");
    const history = await historyOf(c, `agent:main:telegram:group:${word}`);
    assert.equal(history.messages.find((m: { role: string }) => m.role === "toolResult").details.sandboxed, true);

    const host = await chatTurn(c, `owner-${word}`, script([{ name: "exec", args: { command: "cat /etc/passwd >/dev/null; echo passwd=$?" } }], word));
    assert.match(host.end.message.content[0].text, /passwd=0/, "the owner's own session is not sandboxed");
  });
});
