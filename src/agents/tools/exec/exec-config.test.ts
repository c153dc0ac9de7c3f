import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../../config/schema.js";
import { resolveExecSettings } from "./exec-config.js";

test("defaults follow OpenClaw: 1800 s timeout, 10 s yield, 30 min retention", () => {
  assert.deepEqual(resolveExecSettings({}, "main"), { timeoutSeconds: 1800, backgroundMs: 10_000, cleanupMs: 1_800_000, passEnv: [], pathPrepend: [], host: "auto", node: undefined });
});

test("tools.exec is read and an agent's tools.exec overrides it; values are clamped", () => {
  const config = {
    tools: { exec: { timeoutSeconds: 60, backgroundMs: 1, cleanupMs: 5, passEnv: ["NPM_TOKEN"], pathPrepend: ["~/bin"], host: "node", node: " build-box " } },
    agents: { entries: { ops: { tools: { exec: { timeoutSeconds: 0, host: "gateway" } } }, odd: { tools: { exec: { host: "mars" } } } } },
  } as GatewayConfig;
  assert.deepEqual(resolveExecSettings(config, "main", "/home/u"), { timeoutSeconds: 60, backgroundMs: 10, cleanupMs: 60_000, passEnv: ["NPM_TOKEN"], pathPrepend: ["/home/u/bin"], host: "node", node: "build-box" });
  assert.equal(resolveExecSettings(config, "ops").timeoutSeconds, 0);
  assert.equal(resolveExecSettings(config, "ops").host, "gateway");
  assert.equal(resolveExecSettings(config, "odd").host, "node", "an unknown host falls back to the global setting");
});

test("a configured timeout is capped at 7 days, well inside what a timer can wait", () => {
  const config = { tools: { exec: { timeoutSeconds: 1e12 } } } as GatewayConfig;
  assert.equal(resolveExecSettings(config, "main").timeoutSeconds, 7 * 24 * 3600);
  assert.ok(resolveExecSettings(config, "main").timeoutSeconds * 1000 <= 2 ** 31 - 1);
});
