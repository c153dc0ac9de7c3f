import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAgentsConfig } from "./agent-config.js";
import { resolveSessionKey, sessionKind } from "./session-key.js";
import { ensureWorkspace, identityFromWorkspace, loadBootstrapFiles } from "./workspace.js";
import type { GatewayConfig } from "../config/schema.js";

test("with no agents configured there is one default agent, main, in <stateDir>/workspace", () => {
  const config = resolveAgentsConfig({}, "/state", "/home/u");
  assert.equal(config.defaultId, "main");
  assert.deepEqual(config.agents.map((a) => [a.id, a.workspace, a.isDefault]), [["main", "/state/workspace", true]]);
  assert.equal(config.maxConcurrent, 8);
  assert.equal(config.queueCap, 20);
});

test("entries: the default flag wins, others get workspace-<id>, ~ expands, defaults inherit", () => {
  const config = resolveAgentsConfig(
    {
      agents: {
        defaults: { model: { primary: "p/m", fallbacks: ["p/f"] }, maxConcurrent: 2 },
        entries: { work: { workspace: "~/w" }, Home: { default: true, name: "Home", model: "q/x", identity: { name: "Hal", emoji: "🤖" } } },
      },
    } as GatewayConfig,
    "/state",
    "/home/u",
  );
  assert.equal(config.defaultId, "home");
  assert.deepEqual(config.agents.map((a) => a.id), ["home", "work"]);
  assert.equal(config.agents[0].workspace, "/state/workspace");
  assert.equal(config.agents[1].workspace, "/home/u/w");
  assert.deepEqual(config.agents[0].model, { primary: "q/x", fallbacks: [] });
  assert.deepEqual(config.agents[1].model, { primary: "p/m", fallbacks: ["p/f"] });
  assert.deepEqual(config.agents[0].identity, { name: "Hal", emoji: "🤖" });
  assert.equal(config.maxConcurrent, 2);
});

test("session keys: bare keys belong to the named or default agent; agent keys must agree", () => {
  assert.deepEqual(resolveSessionKey("main", undefined, "main"), { agentId: "main", sessionKey: "agent:main:main" });
  assert.deepEqual(resolveSessionKey(undefined, "Work", "main"), { agentId: "work", sessionKey: "agent:work:main" });
  assert.deepEqual(resolveSessionKey("Agent:Work:Telegram:Group:1", undefined, "main"), { agentId: "work", sessionKey: "agent:work:telegram:group:1" });
  assert.throws(() => resolveSessionKey("agent:work:main", "main", "main"), /belongs to agent "work"/);
  assert.throws(() => resolveSessionKey("agent:work:", undefined, "main"), /invalid session key/);
  assert.equal(sessionKind("agent:main:telegram:group:1"), "group");
  assert.equal(sessionKind("agent:main:main"), "direct");
});

test("a new workspace is seeded once; its files feed the prompt and the identity", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "ocgw-ws-")), "workspace");
  ensureWorkspace(dir, false);
  assert.deepEqual(readdirSync(dir).sort(), ["AGENTS.md", "BOOTSTRAP.md", "HEARTBEAT.md", "IDENTITY.md", "SOUL.md", "TOOLS.md", "USER.md"]);
  assert.deepEqual(identityFromWorkspace(dir), {}, "the seeded identity has empty fields");
  writeFileSync(join(dir, "IDENTITY.md"), "# Identity\n- Name: Clawd\n- Emoji: 🦞\n");
  assert.deepEqual(identityFromWorkspace(dir), { name: "Clawd", emoji: "🦞" });
  writeFileSync(join(dir, "BOOTSTRAP.md"), "");
  ensureWorkspace(dir, false);
  assert.equal(readFileSync(join(dir, "BOOTSTRAP.md"), "utf8"), "", "an existing workspace is never re-seeded");
  writeFileSync(join(dir, "USER.md"), "u".repeat(10_000));
  const files = loadBootstrapFiles(dir);
  assert.deepEqual(files.map((f) => f.name), ["AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "TOOLS.md", "HEARTBEAT.md"]);
  const user = files.find((f) => f.name === "USER.md")!;
  assert.equal(user.text.length, 4000);
  assert.equal(user.truncated, true);
  const bare = join(mkdtempSync(join(tmpdir(), "ocgw-ws-")), "workspace");
  ensureWorkspace(bare, true);
  assert.deepEqual(readdirSync(bare), []);
});
