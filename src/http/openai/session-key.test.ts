import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { derivedSessionKey, explicitSessionKey, isReservedSessionKey, RESERVED_SESSION_KEY_MESSAGE } from "./session-key.js";

const withHeader = (value?: string) => ({ headers: value === undefined ? {} : { "x-openclaw-session-key": value } }) as unknown as IncomingMessage;

test("a user gets one session per agent and prefix, lowercased", () => {
  assert.equal(derivedSessionKey("main", "openai", "Alice"), "agent:main:openai-user:alice");
  assert.equal(derivedSessionKey("ops", "openresponses", "Bob"), "agent:ops:openresponses-user:bob");
});

test("without a user every call is a new stateless session", () => {
  const a = derivedSessionKey("main", "openai", undefined);
  const b = derivedSessionKey("main", "openai", "  ");
  assert.match(a, /^agent:main:openai:[0-9a-f-]{36}$/);
  assert.match(b, /^agent:main:openai:[0-9a-f-]{36}$/);
  assert.notEqual(a, b);
  assert.match(derivedSessionKey("main", "openresponses", undefined), /^agent:main:openresponses:[0-9a-f-]{36}$/);
});

test("an explicit session key is used as given", () => {
  assert.deepEqual(explicitSessionKey(withHeader("agent:main:My-Chat")), { ok: true, key: "agent:main:My-Chat" });
  assert.deepEqual(explicitSessionKey(withHeader()), { ok: true, key: undefined });
  assert.deepEqual(explicitSessionKey(withHeader("   ")), { ok: true, key: undefined });
});

test("reserved internal namespaces are refused with the exact message", () => {
  for (const key of ["subagent:x", "cron:daily", "ACP:1", "agent:main:subagent:abc", "agent:ops:cron:job", "agent:main:acp:s"]) {
    assert.ok(isReservedSessionKey(key), key);
    assert.deepEqual(explicitSessionKey(withHeader(key)), { ok: false, message: RESERVED_SESSION_KEY_MESSAGE });
  }
  assert.equal(RESERVED_SESSION_KEY_MESSAGE, "`x-openclaw-session-key` cannot use reserved internal session namespaces.");
  for (const key of ["main", "agent:main:main", "agent:main:telegram:cron-like", "my-cron:x"]) assert.ok(!isReservedSessionKey(key), key);
});
