import { test } from "node:test";
import assert from "node:assert/strict";
import type { HooksConfig } from "./config.js";
import { keyAllowedByPrefixes, resolveLogicalSession, storedSessionKey } from "./session-policy.js";

const base: HooksConfig = { token: "t", basePath: "/hooks", allowRequestSessionKey: false, allowedSessionKeyPrefixes: [], allowedAgentIds: "all", mappings: [] };

test("prefixes are case-insensitive, also match after an agent scope, and none means anything", () => {
  assert.equal(keyAllowedByPrefixes("Hook:ABC", ["hook:"]), true);
  assert.equal(keyAllowedByPrefixes("agent:ops:hook:x", ["hook:"]), true);
  assert.equal(keyAllowedByPrefixes("other:x", ["hook:"]), false);
  assert.equal(keyAllowedByPrefixes("anything", []), true);
});

test("request keys need allowRequestSessionKey and the prefixes; static mapping keys only the prefixes", () => {
  assert.match((resolveLogicalSession(base, "hook:a", "request", "isolated") as { message: string }).message, /allowRequestSessionKey/);
  assert.match((resolveLogicalSession(base, "hook:a", "template", "isolated") as { message: string }).message, /allowRequestSessionKey/);
  assert.deepEqual(resolveLogicalSession(base, "hook:a", "static", "isolated"), { ok: true, logicalKey: "hook:a", generated: false });
  const open = { ...base, allowRequestSessionKey: true, allowedSessionKeyPrefixes: ["hook:"] };
  assert.deepEqual(resolveLogicalSession(open, "hook:a", "request", "persistent"), { ok: true, logicalKey: "hook:a", generated: false });
  assert.match((resolveLogicalSession(open, "x:a", "request", "isolated") as { message: string }).message, /"x:a" is not allowed by hooks\.allowedSessionKeyPrefixes/);
  assert.match((resolveLogicalSession(open, "", "template", "isolated") as { message: string }).message, /rendered an empty value/);
});

test("persistent direct requests need a key, the opt-in and a non-empty prefix list", () => {
  assert.match((resolveLogicalSession(base, undefined, "request", "persistent") as { message: string }).message, /requires a sessionKey/);
  const noPrefixes = { ...base, allowRequestSessionKey: true };
  assert.match((resolveLogicalSession(noPrefixes, "k", "request", "persistent") as { message: string }).message, /non-empty hooks\.allowedSessionKeyPrefixes/);
});

test("no key: defaultSessionKey, else a generated hook:<uuid> the prefixes must admit", () => {
  assert.deepEqual(resolveLogicalSession({ ...base, defaultSessionKey: "hook:ci" }, undefined, "request", "isolated"), { ok: true, logicalKey: "hook:ci", generated: false });
  const generated = resolveLogicalSession(base, undefined, "request", "isolated");
  assert.ok(generated.ok && /^hook:[0-9a-f-]{36}$/.test(generated.logicalKey) && generated.generated);
  const strict = resolveLogicalSession({ ...base, allowedSessionKeyPrefixes: ["gh:"] }, undefined, "request", "isolated");
  assert.equal(strict.ok, false);
});

test("stored keys: scoped to the agent; isolated runs under a stable key get their own session", () => {
  assert.equal(storedSessionKey("main", { logicalKey: "hook:abc", generated: true }, "isolated", "r1"), "agent:main:hook:abc");
  assert.equal(storedSessionKey("main", { logicalKey: "Hook:CI", generated: false }, "isolated", "r1"), "agent:main:hook:ci:run:r1");
  assert.equal(storedSessionKey("main", { logicalKey: "agent:ops:hook:ci", generated: false }, "persistent", "r1"), "agent:main:hook:ci");
});
