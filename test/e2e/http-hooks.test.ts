/**
 * Hooks ingress end to end (http.md §1.7): a real gateway with its agent runtime, a provider
 * stand-in that echoes the last user message, and plain HTTP requests as a webhook sender makes them.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GatewayClient } from "../../src/client/gateway-client.js";
import { UNTRUSTED_END, UNTRUSTED_NOTICE, UNTRUSTED_START } from "../../src/agents/untrusted-content.js";
import { QUERY_TOKEN_MESSAGE } from "../../src/http/hooks/hook-auth.js";
import { callsWith, contentText, lastUserText, providerFor, startStandIn, tag } from "./agent-harness.js";
import { TEST_TOKEN, http, startFileGateway, until } from "./harness.js";

const HOOK_TOKEN = "e2e-hook-token-5b1e";
const standIn = await startStandIn();

const agentsConfig = {
  agents: { defaults: { model: { primary: "mock/echo" } } },
  models: { providers: { mock: providerFor(standIn) } },
};

const gw = await startFileGateway({
  extraConfig: {
    ...agentsConfig,
    hooks: {
      enabled: true,
      token: HOOK_TOKEN,
      allowRequestSessionKey: true,
      allowedSessionKeyPrefixes: ["hook:"],
      mappings: [
        { match: { path: "github" }, messageTemplate: "PR #{{pull_request.number}} {{pull_request.title}} by {{sender.login}}", name: "GitHub" },
        { match: { path: "mail" }, action: "wake", textTemplate: "New mail: {{messages[0].subject}}" },
      ],
    },
  },
});
const ws = await GatewayClient.connect({ url: gw.url, token: TEST_TOKEN, scopes: ["operator.read", "operator.write"], timeoutMs: 5000 });
after(() => ws.close());

const hookHeaders = { authorization: `Bearer ${HOOK_TOKEN}`, "content-type": "application/json" };

function hook(path: string, body: unknown, headers: Record<string, string> = hookHeaders, method = "POST") {
  return http(`${gw.httpUrl}/hooks/${path}`, { method, headers, ...(method === "POST" ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}) });
}

/** Model calls seen so far whose last user message contains `needle`. */
async function modelCallsWith(needle: string, count = 1) {
  await until(() => callsWith(standIn, needle).length >= count, 10_000, `${count} model call(s) with ${needle}`);
  return callsWith(standIn, needle);
}

describe("wake", () => {
  test("POST /hooks/wake queues a system event: queued, then coalesced for the same text", async () => {
    const text = `deploy finished ${tag()}`;
    const first = await hook("wake", { text });
    assert.equal(first.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual([first.status, first.json], [200, { ok: true, mode: "now", eventOutcome: "queued" }]);
    assert.deepEqual((await hook("wake", { text })).json, { ok: true, mode: "now", eventOutcome: "coalesced" });
    const status: any = await ws.request("status", {});
    assert.ok((status.queuedSystemEvents as string[]).includes(text), JSON.stringify(status.queuedSystemEvents));
  });
});

describe("agent", () => {
  test("POST /hooks/agent runs the agent with the message wrapped as untrusted content, and the reply shows it", async () => {
    const word = tag("hook");
    const sessionKey = `hook:e2e-${word}`;
    const answer = await hook("agent", { message: `please summarise ${word}`, name: "E2E", sessionKey, sessionMode: "persistent", waitForCompletion: true });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { ok: true, runId: answer.json.runId, completion: { status: "ok", replyDisposition: "visible" } });
    const [call] = await modelCallsWith(word);
    const sent = lastUserText(call);
    assert.ok(sent.includes(UNTRUSTED_NOTICE), sent);
    assert.match(sent, new RegExp(`${UNTRUSTED_START} id="[0-9a-f]+" source="hook" name="E2E">>>\\nplease summarise ${word}\\n${UNTRUSTED_END} id="[0-9a-f]+">>>`));
    const history: any = await ws.request("chat.history", { sessionKey: `agent:main:${sessionKey}` });
    const reply = (history.messages as Array<{ role: string; content: unknown }>).find((m) => m.role === "assistant");
    assert.ok(reply, JSON.stringify(history.messages));
    const replyText = contentText(reply.content);
    assert.ok(replyText.startsWith("echo: ") && replyText.includes(UNTRUSTED_START) && replyText.includes(`please summarise ${word}`), replyText);
  });

  test("without waiting, the answer is {ok, runId} and the run still happens", async () => {
    const word = tag("nowait");
    const answer = await hook("agent", { message: word });
    assert.deepEqual(Object.keys(answer.json), ["ok", "runId"]);
    await modelCallsWith(word);
    const waited: any = await ws.request("agent.wait", { runId: answer.json.runId, timeoutMs: 10_000 });
    assert.equal(waited.status, "ok");
  });

  test("a replayed idempotency key returns the same runId and starts no second run", async () => {
    const word = tag("replay");
    const headers = { ...hookHeaders, "idempotency-key": `key-${word}` };
    const first = await hook("agent", { message: word }, headers);
    const second = await hook("agent", { message: word }, headers);
    assert.equal(first.status, 200, first.text);
    assert.equal(second.json.runId, first.json.runId);
    await ws.request("agent.wait", { runId: first.json.runId, timeoutMs: 10_000 });
    const third = await hook("agent", { message: word }, { ...hookHeaders, "x-openclaw-idempotency-key": `key-${word}` });
    assert.equal(third.json.runId, first.json.runId, "a finished run is replayed too");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(callsWith(standIn, word).length, 1, "one model call for three requests");
  });

  test("agent selection errors are 400 {ok:false,error}", async () => {
    assert.deepEqual(await hook("agent", { message: "x", agentId: "ghost" }).then((a) => [a.status, a.json]), [400, { ok: false, error: 'unknown agentId "ghost"' }]);
    assert.deepEqual(await hook("agent", {}).then((a) => [a.status, a.json]), [400, { ok: false, error: "message is required" }]);
  });
});

describe("mappings", () => {
  test("a mapping fills its template from the payload and the model gets the rendered, wrapped text", async () => {
    const word = tag("pr");
    const answer = await hook("github", { pull_request: { number: 42, title: word }, sender: { login: "octo" } });
    assert.equal(answer.status, 200, answer.text);
    const [call] = await modelCallsWith(word);
    const sent = lastUserText(call);
    assert.ok(sent.includes(`PR #42 ${word} by octo`), sent);
    assert.ok(sent.includes('source="hook" name="GitHub"'), sent);
  });

  test("a wake mapping renders its text; an unknown name is a plain 404", async () => {
    const subject = tag("subject");
    assert.deepEqual((await hook("mail", { messages: [{ subject }] })).json, { ok: true, mode: "now", eventOutcome: "queued" });
    assert.ok(gw.gw.context.systemEvents.list().includes(`New mail: ${subject}`));
    const missing = await hook("no-such-mapping", {});
    assert.deepEqual([missing.status, missing.text], [404, "Not Found"]);
  });
});

describe("refusals", () => {
  test("bad token 401, ?token= 400, non-POST 405, oversized body 413", async () => {
    const bad = await hook("wake", { text: "x" }, { authorization: "Bearer wrong" });
    assert.deepEqual([bad.status, bad.headers.get("content-type"), bad.text], [401, "text/plain; charset=utf-8", "Unauthorized"]);
    const query = await http(`${gw.httpUrl}/hooks/wake?token=${HOOK_TOKEN}`, { method: "POST", headers: hookHeaders, body: '{"text":"x"}' });
    assert.deepEqual([query.status, query.text], [400, QUERY_TOKEN_MESSAGE]);
    const get = await hook("wake", undefined, hookHeaders, "GET");
    assert.deepEqual([get.status, get.headers.get("allow"), get.text], [405, "POST", "Method Not Allowed"]);
    const big = await hook("agent", { message: "x".repeat(300 * 1024) });
    assert.deepEqual([big.status, big.json], [413, { ok: false, error: "Payload too large" }]);
  });

  test("the gateway token is not a hook token", async () => {
    assert.equal((await hook("wake", { text: "x" }, { authorization: `Bearer ${TEST_TOKEN}` })).status, 401);
  });

  // Last of the refusals: the lockout applies to every later wrong token from this address.
  test("after 20 failed attempts from loopback: 429 Too Many Requests with Retry-After; the right token still works", async () => {
    assert.equal((await hook("wake", { text: `reset ${tag()}` })).status, 200, "a success resets the count");
    for (let i = 0; i < 20; i++) assert.equal((await hook("wake", { text: "x" }, { authorization: `Bearer wrong-${i}` })).status, 401, `failure ${i + 1}`);
    const limited = await hook("wake", { text: "x" }, { authorization: "Bearer wrong" });
    assert.deepEqual([limited.status, limited.text], [429, "Too Many Requests"]);
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
    assert.equal((await hook("wake", { text: `ok ${tag()}` })).status, 200);
  });
});

describe("disabled", () => {
  test("with hooks off the path is not served (plain 404)", async () => {
    const off = await startFileGateway({ extraConfig: { ...agentsConfig, hooks: { enabled: false, token: HOOK_TOKEN } } });
    const answer = await http(`${off.httpUrl}/hooks/wake`, { method: "POST", headers: hookHeaders, body: '{"text":"x"}' });
    assert.deepEqual([answer.status, answer.text], [404, "Not Found"]);
    await off.stop();
  });
});
