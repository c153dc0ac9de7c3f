import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../config/schema.js";
import { KNOWN_OPERATOR_SCOPES } from "../protocol/scopes.js";
import { capScopes, identityScopeLimit, scopesHeader } from "./identity-scopes.js";

const config = { gateway: { auth: { identityScopes: { "Admin@Example.com": ["operator.admin"], ops: ["operator.read"] } } } } as GatewayConfig;

test("identityScopes caps a verified user: emails case-insensitively, other names exactly", () => {
  assert.deepEqual([...identityScopeLimit(config, "admin@example.com")], ["operator.admin"]);
  assert.deepEqual([...identityScopeLimit(config, "ops")], ["operator.read"]);
  assert.equal(identityScopeLimit(config, "OPS"), KNOWN_OPERATOR_SCOPES, "non-email keys match exactly");
  assert.equal(identityScopeLimit(config, "someone"), KNOWN_OPERATOR_SCOPES, "no entry: every operator scope");
  assert.equal(identityScopeLimit({} as GatewayConfig, "__proto__"), KNOWN_OPERATOR_SCOPES);
});

test("scopes are the requested ones within every cap; x-openclaw-scopes narrows, absent it does nothing", () => {
  const requested = ["operator.admin", "operator.read", "operator.write"];
  assert.deepEqual([...capScopes(requested, identityScopeLimit(config, "ops"))], ["operator.read"]);
  assert.deepEqual([...capScopes(requested, KNOWN_OPERATOR_SCOPES, scopesHeader({ "x-openclaw-scopes": "operator.write, operator.read" }))], ["operator.read", "operator.write"]);
  assert.deepEqual([...capScopes(requested, KNOWN_OPERATOR_SCOPES, scopesHeader({ "x-openclaw-scopes": "" }))], [], "present but empty: no scopes");
  assert.equal(scopesHeader({}), null);
  assert.deepEqual([...capScopes(["operator.read"], identityScopeLimit(config, "admin@example.com"))], ["operator.read"], "admin covers read");
  assert.deepEqual([...capScopes(["operator.read"], new Set(["operator.write"]))], ["operator.read"], "write covers read");
  assert.deepEqual([...capScopes(["operator.pairing"], identityScopeLimit(config, "ops"))], [], "a cap never adds scopes");
});
