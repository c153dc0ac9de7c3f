import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../config/schema.js";
import { toolAllowed, type PolicyContext } from "./policy.js";

const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({ agentId: "main", sessionKey: "agent:main:main", sandboxed: false, surface: "agent", ...over });
const allowed = (config: GatewayConfig, tool: string, over: Partial<PolicyContext> = {}) => toolAllowed(config, ctx(over), tool).allowed;

test("no policy: every tool is allowed to agent runs", () => {
  for (const tool of ["read", "exec", "web_fetch", "sessions_send"]) assert.equal(allowed({}, tool), true, tool);
});

test("profiles select a base set; alsoAllow widens it", () => {
  const minimal = { tools: { profile: "minimal" } } as GatewayConfig;
  assert.equal(allowed(minimal, "session_status"), true);
  assert.equal(allowed(minimal, "read"), false);
  const decision = toolAllowed(minimal, ctx(), "read");
  assert.equal(decision.allowed ? "" : decision.reason, "tools.profile (minimal)");
  const coding = { tools: { profile: "coding" } } as GatewayConfig;
  assert.equal(allowed(coding, "exec"), true);
  assert.equal(allowed(coding, "message"), false);
  const messaging = { tools: { profile: "messaging", alsoAllow: ["read"] } } as GatewayConfig;
  assert.equal(allowed(messaging, "message"), true);
  assert.equal(allowed(messaging, "read"), true, "alsoAllow");
  assert.equal(allowed(messaging, "exec"), false);
});

test("allow narrows; groups, wildcards and the bash alias match", () => {
  const config = { tools: { allow: ["group:fs", "web_*", "bash"] } } as GatewayConfig;
  assert.equal(allowed(config, "edit"), true);
  assert.equal(allowed(config, "web_fetch"), true);
  assert.equal(allowed(config, "exec"), true, "bash means exec");
  assert.equal(allowed(config, "sessions_list"), false);
});

test("a deny in any layer wins over allows elsewhere", () => {
  const config = {
    tools: { allow: ["*"], byProvider: { mock: { deny: ["web_fetch"] } } },
    agents: { entries: { main: { tools: { allow: ["exec", "read", "web_fetch"] } }, ops: { tools: { deny: ["group:runtime"] } } } },
  } as unknown as GatewayConfig;
  assert.equal(allowed(config, "exec"), true);
  assert.equal(allowed(config, "write"), false, "the agent's allow narrows");
  assert.equal(allowed(config, "exec", { agentId: "ops", sessionKey: "agent:ops:main" }), false, "the agent's deny");
  assert.equal(allowed(config, "process", { agentId: "ops", sessionKey: "agent:ops:main" }), false, "group deny");
  assert.equal(allowed(config, "web_fetch", { provider: "mock", model: "echo" }), false, "provider deny");
  assert.equal(allowed(config, "web_fetch", { provider: "other", model: "echo" }), true);
});

test("sandboxed sessions pass tools.sandbox.tools; a channel group's tools layer applies to its session", () => {
  const config = {
    tools: { sandbox: { tools: { deny: ["exec"] } } },
    channels: { telegram: { groups: { "-100": { tools: { deny: ["write"] } }, "*": { tools: { allow: ["read"] } } } } },
  } as unknown as GatewayConfig;
  assert.equal(allowed(config, "exec"), true);
  assert.equal(allowed(config, "exec", { sandboxed: true }), false);
  assert.equal(allowed(config, "write", { sessionKey: "agent:main:telegram:group:-100" }), false);
  assert.equal(allowed(config, "read", { sessionKey: "agent:main:telegram:group:-100" }), true);
  assert.equal(allowed(config, "exec", { sessionKey: "agent:main:telegram:group:-7" }), false, "the wildcard group's allow");
});

test("HTTP: the hard-deny list, gateway.tools.deny and gateway.tools.allow", () => {
  assert.equal(allowed({}, "exec", { surface: "http" }), false);
  assert.equal(allowed({}, "sessions_send", { surface: "http" }), false);
  assert.equal(allowed({}, "apply_patch", { surface: "http" }), false);
  assert.equal(allowed({}, "read", { surface: "http" }), true);
  assert.equal(allowed({}, "exec", { surface: "rpc" }), true, "the hard-deny list is HTTP's");
  const config = { gateway: { tools: { allow: ["exec"], deny: ["read"] } } } as GatewayConfig;
  assert.equal(allowed(config, "exec", { surface: "http" }), true);
  assert.equal(allowed(config, "read", { surface: "http" }), false);
  assert.equal(allowed({ gateway: { tools: { allow: ["exec"] } }, tools: { deny: ["exec"] } } as GatewayConfig, "exec", { surface: "http" }), false, "session policy still applies");
});

test("the most specific profile wins: an agent's full lifts a global minimal", () => {
  const config = { tools: { profile: "minimal" }, agents: { entries: { ops: { tools: { profile: "full" } } } } } as unknown as GatewayConfig;
  assert.equal(allowed(config, "read"), false);
  assert.equal(allowed(config, "read", { agentId: "ops", sessionKey: "agent:ops:main" }), true);
});
