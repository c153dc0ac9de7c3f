import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../config/schema.js";
import { sessionSandboxed } from "./sandbox-mode.js";

const withMode = (mode?: string, perAgent?: string) =>
  ({ agents: { defaults: mode ? { sandbox: { mode } } : {}, entries: perAgent ? { main: { sandbox: { mode: perAgent } } } : {} } }) as unknown as GatewayConfig;

test("by default, group, channel and per-peer sessions are sandboxed and the owner's are not", () => {
  const config = withMode();
  assert.equal(sessionSandboxed(config, "main", "agent:main:main"), false);
  assert.equal(sessionSandboxed(config, "main", "agent:main:my-chat"), false);
  assert.equal(sessionSandboxed(config, "main", "agent:main:telegram:group:-100"), true);
  assert.equal(sessionSandboxed(config, "main", "agent:main:irc:channel:#room"), true);
  assert.equal(sessionSandboxed(config, "main", "agent:main:whatsapp:direct:+15550001"), true);
  assert.equal(sessionSandboxed(config, "main", "agent:main:whatsapp:acct:direct:+15550001"), true);
});

test("off, non-main and all; the agent's own mode wins over the default", () => {
  assert.equal(sessionSandboxed(withMode("off"), "main", "agent:main:telegram:group:-100"), false);
  assert.equal(sessionSandboxed(withMode("non-main"), "main", "agent:main:main"), false);
  assert.equal(sessionSandboxed(withMode("non-main"), "main", "agent:main:my-chat"), true);
  assert.equal(sessionSandboxed(withMode("all"), "main", "agent:main:main"), true);
  assert.equal(sessionSandboxed(withMode("all", "off"), "main", "agent:main:main"), false);
});

test("runs started by outside systems (hooks) are sandboxed by default, whatever their session key", () => {
  assert.equal(sessionSandboxed(withMode(), "main", "agent:main:hook:1234", true), true);
  assert.equal(sessionSandboxed(withMode(), "main", "agent:main:github-pr-12", true), true);
  assert.equal(sessionSandboxed(withMode("off"), "main", "agent:main:github-pr-12", true), false);
});
