import { test } from "node:test";
import assert from "node:assert/strict";
import { eventAllowed, scopeSatisfied, Scope } from "./scopes.js";

const set = (...s: string[]) => new Set(s);

test("admin satisfies every scope", () => {
  for (const scope of Object.values(Scope)) assert.equal(scopeSatisfied(scope, set(Scope.admin)), true);
});

test("write implies read, talk and the sessions scopes but not approvals or pairing", () => {
  for (const s of [Scope.read, Scope.talk, Scope.sessionsRead, Scope.sessionsWrite]) assert.equal(scopeSatisfied(s, set(Scope.write)), true);
  for (const s of [Scope.approvals, Scope.pairing, Scope.questions, Scope.talkSecrets, Scope.admin]) assert.equal(scopeSatisfied(s, set(Scope.write)), false);
});

test("read implies sessions.read only", () => {
  assert.equal(scopeSatisfied(Scope.sessionsRead, set(Scope.read)), true);
  assert.equal(scopeSatisfied(Scope.write, set(Scope.read)), false);
  assert.equal(scopeSatisfied(Scope.read, set()), false);
});

test("events are gated by scope and unknown events are never delivered", () => {
  assert.equal(eventAllowed("tick", "operator", set()), true);
  assert.equal(eventAllowed("tick", "node", set()), true);
  assert.equal(eventAllowed("presence", "operator", set()), false);
  assert.equal(eventAllowed("presence", "operator", set(Scope.read)), true);
  assert.equal(eventAllowed("presence", "node", set(Scope.admin)), false);
  assert.equal(eventAllowed("made.up", "operator", set(Scope.admin)), false);
});
