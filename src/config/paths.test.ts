import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePortEnv, profileDerivedPort, resolveConfigPath, resolveGatewayPort, resolveStateDir } from "./paths.js";

test("OPENCLAW_GATEWAY_PORT accepts a port, host:port and [v6]:port", () => {
  assert.equal(parsePortEnv("1234"), 1234);
  assert.equal(parsePortEnv("localhost:2345"), 2345);
  assert.equal(parsePortEnv("[::1]:3456"), 3456);
  assert.equal(parsePortEnv("nope"), undefined);
  assert.equal(parsePortEnv("70000"), undefined);
  assert.equal(parsePortEnv(undefined), undefined);
});

test("port precedence: flag, env, config, profile, default", () => {
  assert.deepEqual(resolveGatewayPort({ flag: 1, configPort: 3 }, { OPENCLAW_GATEWAY_PORT: "2" }), { port: 1, source: "cli" });
  assert.deepEqual(resolveGatewayPort({ configPort: 3 }, { OPENCLAW_GATEWAY_PORT: "2" }), { port: 2, source: "env" });
  assert.deepEqual(resolveGatewayPort({ configPort: 3 }, {}), { port: 3, source: "config" });
  assert.deepEqual(resolveGatewayPort({}, { OPENCLAW_PROFILE: "work" }), { port: profileDerivedPort("work"), source: "profile" });
  assert.deepEqual(resolveGatewayPort({}, {}), { port: 18789, source: "default" });
});

test("profile ports are stable and in 20000..59999", () => {
  const port = profileDerivedPort("rescue");
  assert.equal(port, profileDerivedPort("rescue"));
  assert.ok(port >= 20000 && port < 60000);
  assert.notEqual(profileDerivedPort("a"), profileDerivedPort("b"));
});

test("state dir and config path follow profile and overrides", () => {
  assert.equal(resolveStateDir({ HOME: "/h" }), "/h/.openclaw");
  assert.equal(resolveStateDir({ HOME: "/h", OPENCLAW_PROFILE: "work" }), "/h/.openclaw-work");
  assert.equal(resolveStateDir({ HOME: "/h", OPENCLAW_PROFILE: "default" }), "/h/.openclaw");
  assert.equal(resolveStateDir({ HOME: "/h", OPENCLAW_STATE_DIR: "/s" }), "/s");
  assert.equal(resolveConfigPath({ HOME: "/h", OPENCLAW_STATE_DIR: "/s" }), "/s/openclaw.json");
  assert.equal(resolveConfigPath({ HOME: "/h", OPENCLAW_CONFIG_PATH: "/c/x.json" }), "/c/x.json");
});
