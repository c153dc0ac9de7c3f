/**
 * `POST /tools/invoke` and the `tools.invoke` / `tools.catalog` RPCs against a real gateway: the
 * status table of the spec, the HTTP hard-deny list, and policy denials, through the same registry
 * and policy agent runs use.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_TOKEN, startFileGateway } from "./harness.js";
import { ADMIN_SCOPES, READ_SCOPES, WRITE_SCOPES, assertForbidden, client, tag } from "./agent-harness.js";

const gw = await startFileGateway({
  gateway: { tools: { allow: ["exec"], deny: ["web_fetch"] } },
  extraConfig: {
    agents: {
      defaults: { sandbox: { mode: "off" } },
      entries: {
        main: { default: true, tools: { exec: { security: "allowlist", ask: "on-miss" } } },
        ops: { tools: { deny: ["read"] } },
      },
    },
  },
});
const workspace = join(gw.stateDir, "workspace");

async function invoke(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${gw.httpUrl}/tools/invoke`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

describe("POST /tools/invoke", () => {
  test("200: a tool runs and its result comes back", async () => {
    mkdirSync(workspace, { recursive: true });
    const word = tag();
    writeFileSync(join(workspace, `${word}.txt`), `contents ${word}\n`);
    const res = await invoke({ tool: "read", args: { path: `${word}.txt` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, true);
    assert.match(res.json.result.content[0].text, new RegExp(`contents ${word}`));
    assert.match(res.headers.get("content-type") ?? "", /application\/json; charset=utf-8/);
  });

  test("name wins over tool; action merges into args for tools that take one", async () => {
    const res = await invoke({ tool: "read", name: "agents_list", args: {} });
    assert.equal(res.status, 200, res.text);
    assert.match(res.json.result.content[0].text, /"main"/);
    const listed = await invoke({ tool: "process", action: "list", args: {} });
    assert.equal(listed.status, 200, `process takes an action, so "list" reaches it: ${listed.text}`);
  });

  test("400: missing name, bad args, an agent/session mismatch, a tool's own input error", async () => {
    const missing = await invoke({ args: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, { ok: false, error: { type: "invalid_request", message: "tools.invoke requires name" } });
    const badArgs = await invoke({ tool: "read", args: "nope" });
    assert.equal(badArgs.status, 400);
    assert.equal(badArgs.json.error.type, "invalid_request");
    const mismatch = await invoke({ tool: "agents_list", agentId: "main", sessionKey: "agent:ops:main" });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.type, "invalid_request");
    assert.match(mismatch.json.error.message, /belongs to agent "ops"/);
    const toolError = await invoke({ tool: "read", args: { path: "no-such-file.txt" } });
    assert.equal(toolError.status, 400, toolError.text);
    assert.equal(toolError.json.error.type, "tool_error");
    const escape = await invoke({ tool: "read", args: { path: "../../../etc/passwd" } });
    assert.equal(escape.status, 400);
    assert.match(escape.json.error.message, /outside the workspace/);
    const schema = await invoke({ tool: "read", args: { path: 42 } });
    assert.equal(schema.status, 400);
    assert.equal(schema.json.error.type, "tool_error");
  });

  test("404: unknown tools, the hard-deny list, gateway.tools.deny and session policy", async () => {
    const unknown = await invoke({ tool: "no_such_tool" });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { ok: false, error: { type: "not_found", message: "Tool not available: no_such_tool" } });
    for (const tool of ["apply_patch", "sessions_send"]) {
      const res = await invoke({ tool, args: {} });
      assert.equal(res.status, 404, `${tool} is hard-denied over HTTP`);
      assert.equal(res.json.error.message, `Tool not available: ${tool}`);
    }
    const denied = await invoke({ tool: "web_fetch", args: { url: "https://example.com" } });
    assert.equal(denied.status, 404, "gateway.tools.deny");
    const policy = await invoke({ tool: "read", agentId: "ops", args: { path: "x" } });
    assert.equal(policy.status, 404, "agents.entries.ops.tools.deny");
  });

  test("403: exec lifted from the hard-deny list still needs approval, and HTTP cannot ask", async () => {
    const word = tag();
    const res = await invoke({ tool: "exec", args: { command: `touch http-${word}` } });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.ok, false);
    assert.equal(res.json.error.type, "tool_call_blocked");
    assert.equal(res.json.error.requiresApproval, true);
    assert.equal(existsSync(join(workspace, `http-${word}`)), false, "nothing ran");
  });

  test("401, 405, 413 and bad JSON", async () => {
    const noAuth = await fetch(`${gw.httpUrl}/tools/invoke`, { method: "POST", body: "{}" });
    assert.equal(noAuth.status, 401);
    assert.deepEqual(await noAuth.json(), { error: { message: "Unauthorized", type: "unauthorized" } });
    const get = await fetch(`${gw.httpUrl}/tools/invoke`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    const big = await invoke(JSON.stringify({ tool: "read", args: { path: "x".repeat(2 * 1024 * 1024 + 10) } }));
    assert.equal(big.status, 413);
    const badJson = await invoke("{not json");
    assert.equal(badJson.status, 400);
  });
});

describe("tools.invoke and tools.catalog over the WebSocket", () => {
  test("tools.invoke runs a tool under the session policy; the HTTP hard-deny list does not apply", async () => {
    const c = await client(gw.url, WRITE_SCOPES);
    const listed = await c.call("tools.invoke", { name: "agents_list", args: {} });
    assert.equal(listed.ok, true);
    assert.match(listed.result.content[0].text, /"ops"/);
    const patch = await c.request("tools.invoke", { name: "apply_patch", args: { input: "*** Begin Patch\n*** Add File: rpc.txt\n+hi\n*** End Patch" } });
    assert.equal(patch.ok, true, JSON.stringify(patch.error));
    assert.equal(existsSync(join(workspace, "rpc.txt")), true);
    const hidden = await c.request("tools.invoke", { name: "read", agentId: "ops", args: { path: "x" } });
    assert.equal(hidden.ok, false);
    assert.equal(hidden.error.message, "Tool not available: read");
    assert.equal(hidden.error.details.type, "not_found");
  });

  test("a tools.invoke command stops when the calling connection closes", async () => {
    const c = await client(gw.url, WRITE_SCOPES);
    const word = tag();
    const opsWorkspace = join(gw.stateDir, "workspace-ops");
    c.sendRequest("tools.invoke", { name: "exec", agentId: "ops", args: { command: `touch started-${word}; sleep 2; touch finished-${word}` } });
    const deadline = Date.now() + 5000;
    while (!existsSync(join(opsWorkspace, `started-${word}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(existsSync(join(opsWorkspace, `started-${word}`)), true, "the command started");
    c.ws.close();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(existsSync(join(opsWorkspace, `finished-${word}`)), false, "the command was stopped with its caller");
  });

  test("tools.invoke needs operator.write; tools.catalog needs operator.read", async () => {
    const reader = await client(gw.url, READ_SCOPES);
    assertForbidden(await reader.request("tools.invoke", { name: "agents_list" }), "operator.write");
    const catalog = await reader.call("tools.catalog", { agentId: "ops" });
    assert.equal(catalog.agentId, "ops");
    const byName = new Map<string, any>(catalog.tools.map((t: any) => [t.name, t]));
    for (const name of ["read", "write", "edit", "apply_patch", "exec", "process", "web_fetch", "sessions_list", "sessions_send", "session_status", "agents_list", "message"]) assert.ok(byName.has(name), name);
    assert.equal(byName.get("read").allowed, false);
    assert.equal(byName.get("read").deniedBy, "agents.entries.ops.tools.deny");
    assert.equal(byName.get("edit").allowed, true);
    assert.equal(byName.get("edit").group, "fs");
    assert.equal(byName.get("edit").parameters.type, "object");
  });

  test("an admin's tools.catalog of an unknown agent is refused", async () => {
    const admin = await client(gw.url, ADMIN_SCOPES);
    const res = await admin.request("tools.catalog", { agentId: "nobody" });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, "INVALID_REQUEST");
  });
});
