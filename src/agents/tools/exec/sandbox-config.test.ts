import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../../config/schema.js";
import { DEFAULT_SANDBOX_CPU_SECONDS, resolveSandboxPolicy } from "./sandbox-config.js";

test("no configuration means no network and the default CPU cap", () => {
  assert.deepEqual(resolveSandboxPolicy({}, "main"), { network: false, cpuSeconds: DEFAULT_SANDBOX_CPU_SECONDS, env: {} });
});

test("defaults apply to every agent; an agent entry overrides field by field", () => {
  const config = {
    agents: {
      defaults: { sandbox: { network: "bridge", cpuSeconds: 30, env: { A: "1", B: "1" } } },
      entries: { Worker: { sandbox: { network: "none", env: { B: "2" } } } },
    },
  } as GatewayConfig;
  assert.deepEqual(resolveSandboxPolicy(config, "main"), { network: true, cpuSeconds: 30, env: { A: "1", B: "1" } });
  assert.deepEqual(resolveSandboxPolicy(config, "worker"), { network: false, cpuSeconds: 30, env: { A: "1", B: "2" } });
});

test("OpenClaw's docker settings are read when ours are absent", () => {
  const config = { agents: { defaults: { sandbox: { docker: { network: "bridge", env: { LANG: "C.UTF-8" }, ulimits: { cpu: { soft: 20, hard: 30 } } } } } } } as GatewayConfig;
  assert.deepEqual(resolveSandboxPolicy(config, "main"), { network: true, cpuSeconds: 20, env: { LANG: "C.UTF-8" } });
  const none = { agents: { defaults: { sandbox: { docker: { network: "none", ulimits: { cpu: 5 } } } } } } as GatewayConfig;
  assert.deepEqual(resolveSandboxPolicy(none, "main"), { network: false, cpuSeconds: 5, env: {} });
});
