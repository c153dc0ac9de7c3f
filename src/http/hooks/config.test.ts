import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../config/schema.js";
import { resolveSettings } from "../../server/settings.js";
import type { ConfigSnapshot } from "../../config/snapshot.js";
import { DEFAULT_HOOKS_PATH, hooksConfigIssues, hooksTokenReuseWarning, normaliseBasePath, resolveHooksConfig } from "./config.js";

test("hooks.enabled without a token is refused at hooks.token, by validateConfig too", () => {
  for (const hooks of [{ enabled: true }, { enabled: true, token: "  " }]) {
    assert.deepEqual(hooksConfigIssues(hooks), [{ path: "hooks.token", message: "hooks.enabled requires hooks.token" }]);
    assert.deepEqual(validateConfig({ hooks }).map((i) => i.path), ["hooks.token"]);
  }
  assert.deepEqual(hooksConfigIssues({ enabled: false }), [], "a disabled section needs no token");
  assert.deepEqual(validateConfig({ hooks: { enabled: true, token: "hook-secret" } }), []);
});

test("the base path: default /hooks, leading slash added, trailing slashes trimmed, / refused", () => {
  assert.equal(normaliseBasePath(undefined), DEFAULT_HOOKS_PATH);
  assert.equal(normaliseBasePath("in/"), "/in");
  assert.equal(normaliseBasePath("/a/b///"), "/a/b");
  for (const path of ["/", "///", ""]) {
    assert.deepEqual(hooksConfigIssues({ enabled: true, token: "t", path }), [{ path: "hooks.path", message: 'hooks.path may not be "/"' }], path);
  }
  assert.equal(resolveHooksConfig({ hooks: { enabled: true, token: "t", path: "/in/" } })?.basePath, "/in");
});

test("wrong shapes are reported with dotted paths", () => {
  const issues = hooksConfigIssues({ enabled: "yes", mappings: [{ action: "call" }, { forEach: "a.b" }, { forEach: "__proto__" }, { bogus: 1 }] });
  const paths = issues.map((i) => i.path);
  assert.ok(paths.includes("hooks.enabled"), JSON.stringify(issues));
  assert.ok(paths.includes("hooks.mappings.0.action"), JSON.stringify(issues));
  assert.ok(paths.includes("hooks.mappings.1.forEach"), JSON.stringify(issues));
  assert.ok(paths.includes("hooks.mappings.2.forEach"), JSON.stringify(issues));
  assert.ok(paths.some((p) => p.startsWith("hooks.mappings.3")), JSON.stringify(issues));
});

test("session-key policy problems of the config itself", () => {
  const templated = hooksConfigIssues({ enabled: true, token: "t", mappings: [{ sessionKey: "gh:{{id}}", messageTemplate: "x" }] });
  assert.deepEqual(templated, [{ path: "hooks.mappings.0.sessionKey", message: "a templated sessionKey requires hooks.allowedSessionKeyPrefixes" }]);
  const outside = hooksConfigIssues({ enabled: true, token: "t", allowedSessionKeyPrefixes: ["hook:"], defaultSessionKey: "other:1", mappings: [{ sessionKey: "x:1" }] });
  assert.deepEqual(outside.map((i) => i.path), ["hooks.defaultSessionKey", "hooks.mappings.0.sessionKey"]);
  const persistent = hooksConfigIssues({ enabled: true, token: "t", mappings: [{ sessionMode: "persistent" }] });
  assert.deepEqual(persistent.map((i) => i.path), ["hooks.mappings.0.sessionMode"]);
  assert.deepEqual(hooksConfigIssues({ enabled: true, token: "t", defaultSessionKey: "hook:fixed", mappings: [{ sessionMode: "persistent" }] }), []);
});

test("resolution: off unless enabled; defaults; allowedAgentIds * means all; cached per config object", () => {
  assert.equal(resolveHooksConfig({}), null);
  assert.equal(resolveHooksConfig({ hooks: { token: "t" } }), null);
  const config = { hooks: { enabled: true, token: " t ", allowedAgentIds: ["Main", "*"], allowedSessionKeyPrefixes: ["Hook:", " "], mappings: [{ match: { path: "/gh/" } }] } };
  const hooks = resolveHooksConfig(config)!;
  assert.equal(hooks.token, "t");
  assert.equal(hooks.allowedAgentIds, "all");
  assert.deepEqual(hooks.allowedSessionKeyPrefixes, ["hook:"]);
  assert.equal(hooks.allowRequestSessionKey, false);
  assert.deepEqual(hooks.mappings[0], {
    id: "mapping-0",
    matchPath: "gh",
    action: "agent",
    wakeMode: "now",
    sessionMode: "isolated",
    deliver: true,
    channel: "last",
    allowUnsafeExternalContent: false,
    hasTransform: false,
  });
  assert.equal(resolveHooksConfig(config), hooks, "the same snapshot resolves once");
  assert.deepEqual(resolveHooksConfig({ hooks: { enabled: true, token: "t", allowedAgentIds: [] } })?.allowedAgentIds, []);
});

test("a hook token equal to the gateway token or password is a start-up warning", () => {
  const config = { hooks: { enabled: true, token: "shared" } };
  assert.match(hooksTokenReuseWarning(config, { token: "shared" }) ?? "", /hooks\.token matches the gateway auth secret/);
  assert.match(hooksTokenReuseWarning(config, { password: "shared" }) ?? "", /hooks\.token/);
  assert.equal(hooksTokenReuseWarning(config, { token: "other" }), null);
  const snapshot = { config: { ...config, gateway: { auth: { token: "shared" } } } } as unknown as ConfigSnapshot;
  assert.ok(resolveSettings(snapshot, {}).warnings.some((w) => w.includes("hooks.token")));
});
