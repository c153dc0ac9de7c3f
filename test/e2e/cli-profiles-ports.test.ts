/**
 * Port precedence (--port > OPENCLAW_GATEWAY_PORT > gateway.port > profile-derived > 18789) and the
 * root --dev / --profile flags, checked by which port actually answers /healthz and which files are used.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { dump, getFreePorts, healthzOk, isListening, makeSandbox, runOpenclaw, startGateway, useProcessCleanup, type Sandbox } from "./process-harness.js";

useProcessCleanup();

/** 20000 + FNV-1a-32(utf8(profile)) % 40000, as OpenClaw 2026.9.6 derives a named profile's port. */
function fnvProfilePort(profile: string): number {
  let hash = 2166136261;
  for (const byte of Buffer.from(profile, "utf8")) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return 20000 + (hash % 40000);
}

/** A sandbox whose config sets gateway.port to the first of `n` distinct free ports. */
async function configPortSandbox(n: number): Promise<{ sb: Sandbox; ports: number[] }> {
  const sb = makeSandbox();
  const ports = await getFreePorts(n);
  sb.writeConfig({ gateway: { mode: "local", port: ports[0], auth: { token: "port-test-token" } } });
  return { sb, ports };
}

test("gateway.port is used when nothing else is set", async () => {
  const { sb, ports: [configPort] } = await configPortSandbox(1);
  const gw = await startGateway(sb.env, [], configPort);
  try {
    const status = await runOpenclaw(["gateway", "status", "--json"], sb.env);
    assert.equal(status.code, 0, dump(status));
    const report = JSON.parse(status.stdout) as { gateway: { port: number; portSource: string }; rpc: { ok: boolean } };
    assert.equal(report.gateway.port, configPort);
    assert.equal(report.gateway.portSource, "config");
    assert.equal(report.rpc.ok, true);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("OPENCLAW_GATEWAY_PORT beats gateway.port", async () => {
  const { sb, ports: [configPort, envPort] } = await configPortSandbox(2);
  sb.env.OPENCLAW_GATEWAY_PORT = String(envPort);
  const gw = await startGateway(sb.env, [], envPort);
  try {
    assert.equal(await healthzOk(envPort), true);
    assert.equal(await isListening(configPort), false, "gateway.port must lose to OPENCLAW_GATEWAY_PORT");
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("OPENCLAW_GATEWAY_PORT accepts host:port", async () => {
  const { sb, ports: [configPort, envPort] } = await configPortSandbox(2);
  sb.env.OPENCLAW_GATEWAY_PORT = `127.0.0.1:${envPort}`;
  const gw = await startGateway(sb.env, [], envPort);
  try {
    assert.equal(await isListening(configPort), false);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("--port beats OPENCLAW_GATEWAY_PORT and gateway.port", async () => {
  const { sb, ports: [configPort, envPort, flagPort] } = await configPortSandbox(3);
  sb.env.OPENCLAW_GATEWAY_PORT = String(envPort);
  const gw = await startGateway(sb.env, ["--port", String(flagPort)], flagPort);
  try {
    assert.equal(await healthzOk(flagPort), true);
    assert.equal(await isListening(envPort), false, "OPENCLAW_GATEWAY_PORT must lose to --port");
    assert.equal(await isListening(configPort), false, "gateway.port must lose to --port");
    // The client commands follow the same precedence: --port targets the flag port.
    const health = await runOpenclaw(["health", "--port", String(flagPort)], sb.env);
    assert.equal(health.code, 0, dump(health));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("root --dev uses ~/.openclaw-dev and port 19001", async (t) => {
  if (await isListening(19001)) {
    t.skip("port 19001 is busy on this machine");
    return;
  }
  const sb = makeSandbox({ stateEnv: false });
  const devDir = join(sb.home, ".openclaw-dev");
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "dev-profile-token" } } }, join(devDir, "openclaw.json"));
  const gw = await startGateway(sb.env, [], 19001, { rootArgs: ["--dev"] });
  try {
    assert.equal(await healthzOk(19001), true);
    assert.ok(existsSync(join(devDir, "tmp")), "the lock must live under ~/.openclaw-dev");
    assert.equal(existsSync(join(sb.home, ".openclaw")), false, "the default state dir must not be touched");
    const health = await runOpenclaw(["--dev", "health"], sb.env);
    assert.equal(health.code, 0, `--dev clients must find port 19001 and the dev token:\n${dump(health)}`);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("root --dev keeps an OPENCLAW_GATEWAY_PORT that is already set", async () => {
  const sb = makeSandbox({ stateEnv: false });
  const [envPort] = await getFreePorts(1);
  const devDir = join(sb.home, ".openclaw-dev");
  sb.writeConfig({ gateway: { mode: "local", auth: { token: "dev-profile-token" } } }, join(devDir, "openclaw.json"));
  sb.env.OPENCLAW_GATEWAY_PORT = String(envPort);
  const gw = await startGateway(sb.env, [], envPort, { rootArgs: ["--dev"] });
  try {
    const lockDir = readdirSync(join(devDir, "tmp"));
    assert.ok(lockDir.length > 0, "the lock must live under ~/.openclaw-dev/tmp");
    assert.equal(existsSync(join(sb.home, ".openclaw")), false);
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("--profile work reads ~/.openclaw-work/openclaw.json", async () => {
  const sb = makeSandbox({ stateEnv: false });
  const [workPort, defaultPort] = await getFreePorts(2);
  const workConfig = join(sb.home, ".openclaw-work", "openclaw.json");
  sb.writeConfig({ gateway: { mode: "local", port: workPort, auth: { token: "work-profile-token" } } }, workConfig);
  // A default-profile config on another port, to prove it is not the one read.
  sb.writeConfig({ gateway: { mode: "local", port: defaultPort, auth: { token: "default-profile-token" } } }, join(sb.home, ".openclaw", "openclaw.json"));
  const gw = await startGateway(sb.env, [], workPort, { rootArgs: ["--profile", "work"] });
  try {
    assert.equal(await isListening(defaultPort), false);
    const status = await runOpenclaw(["--profile", "work", "gateway", "status", "--json"], sb.env);
    assert.equal(status.code, 0, dump(status));
    const report = JSON.parse(status.stdout) as { config: { cli: { path: string } }; rpc: { ok: boolean } };
    assert.equal(report.config.cli.path, workConfig);
    assert.equal(report.rpc.ok, true);
    // --profile=work form is accepted too.
    const health = await runOpenclaw(["--profile=work", "health"], sb.env);
    assert.equal(health.code, 0, dump(health));
  } finally {
    await gw.stop();
    sb.cleanup();
  }
});

test("a named profile without a configured port derives its port from the profile name", async () => {
  const sb = makeSandbox({ stateEnv: false });
  sb.writeConfig({ gateway: { mode: "local" } }, join(sb.home, ".openclaw-work", "openclaw.json"));
  const status = await runOpenclaw(["--profile", "work", "gateway", "status", "--json", "--no-probe"], sb.env);
  assert.equal(status.code, 0, dump(status));
  const report = JSON.parse(status.stdout) as { gateway: { port: number } };
  assert.equal(report.gateway.port, fnvProfilePort("work"));
  sb.cleanup();
});

test("--dev cannot be combined with --profile", async () => {
  const sb = makeSandbox({ stateEnv: false });
  const r = await runOpenclaw(["--dev", "--profile", "x", "gateway"], sb.env);
  assert.equal(r.code, 1, dump(r));
  assert.match(r.stderr, /Cannot combine --dev with --profile/);
  assert.equal(existsSync(join(sb.home, ".openclaw-dev")), false);
  assert.equal(existsSync(join(sb.home, ".openclaw-x")), false);
  sb.cleanup();
});

test("invalid profile names and a missing profile value are rejected", async () => {
  const sb = makeSandbox({ stateEnv: false });
  for (const bad of ["bad name", "../etc", "a/b", "_lead", "x".repeat(65)]) {
    const r = await runOpenclaw([`--profile=${bad}`, "gateway"], sb.env);
    assert.equal(r.code, 1, `profile ${JSON.stringify(bad)}:\n${dump(r)}`);
    assert.ok(r.stderr.includes('Invalid --profile (use letters, numbers, "_", "-" only)'), dump(r));
  }
  const missing = await runOpenclaw(["--profile"], sb.env);
  assert.equal(missing.code, 1, dump(missing));
  assert.match(missing.stderr, /--profile requires a value/);
  assert.deepEqual(readdirSync(sb.home), [], "nothing may be created for a rejected profile");
  sb.cleanup();
});

test("an explicitly customised OPENCLAW_CONFIG_PATH is kept under --profile (operations.md §1.1)", async () => {
  const sb = makeSandbox({ stateEnv: false });
  const custom = join(sb.root, "custom", "my-openclaw.json");
  sb.writeConfig({ gateway: { mode: "local" } }, custom);
  sb.env.OPENCLAW_CONFIG_PATH = custom;
  const status = await runOpenclaw(["--profile", "work", "gateway", "status", "--json", "--no-probe"], sb.env);
  assert.equal(status.code, 0, dump(status));
  const report = JSON.parse(status.stdout) as { config: { cli: { path: string } } };
  assert.equal(report.config.cli.path, custom, "a custom OPENCLAW_CONFIG_PATH must survive --profile");
  sb.cleanup();
});
