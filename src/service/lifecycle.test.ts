import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../cli/exit.js";
import type { ServiceIdentity } from "./identity.js";
import {
  installService,
  regenerateServiceDefinition,
  restartService,
  startService,
  stopService,
  uninstallService,
  type LifecycleContext,
} from "./lifecycle.js";
import { ServiceManagerError, type ManagerAvailability, type ServiceManager, type ServiceRuntime } from "./manager.js";
import { loadServerTls } from "../infra/tls/tls-material.js";

/** An in-memory systemd: records commands, keeps loaded/active state, can fail one command. */
class FakeManager implements ServiceManager {
  readonly kind = "systemd" as const;
  calls: string[] = [];
  state: ServiceRuntime = { loaded: false, active: false };
  constructor(private readonly running = true, private readonly failOn?: string) {}
  private run(name: string, identity?: ServiceIdentity) {
    this.calls.push(identity ? `${name} ${identity.systemdUnit}` : name);
    if (this.failOn === name) throw new ServiceManagerError(`systemctl --user ${name} failed: simulated`);
  }
  availability(): ManagerAvailability {
    return this.running ? { running: true } : { running: false, reason: "systemd user session not found", hints: ["hint"] };
  }
  runtime(): ServiceRuntime {
    return { ...this.state };
  }
  reload() {
    this.run("daemon-reload");
  }
  enable(identity: ServiceIdentity) {
    this.run("enable", identity);
    this.state.loaded = true;
  }
  start(identity: ServiceIdentity) {
    this.run("start", identity);
    this.state = { loaded: true, active: true, pid: 1234 };
  }
  stop(identity: ServiceIdentity) {
    this.run("stop", identity);
    this.state = { loaded: true, active: false };
  }
  restart(identity: ServiceIdentity) {
    this.run("restart", identity);
    this.state = { loaded: true, active: true, pid: 5678 };
  }
  unload(identity: ServiceIdentity) {
    this.run("disable", identity);
    this.state = { loaded: false, active: false };
  }
}

function setup(t: { after: (fn: () => void) => void }, manager: ServiceManager | null, extra: Partial<LifecycleContext> = {}) {
  const home = mkdtempSync(join(tmpdir(), "ocgw-life-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  mkdirSync(join(home, ".openclaw"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".openclaw", "openclaw.json"), JSON.stringify({ gateway: { mode: "local", port: 18789, auth: { token: "x".repeat(43) } } }), { mode: 0o600 });
  const health: number[] = [];
  const ctx: LifecycleContext = {
    env: { HOME: home },
    platform: "linux",
    manager,
    execPath: process.execPath,
    entryPath: "/opt/openclaw/dist/openclaw.mjs",
    interactive: false,
    healthCheck: async (port) => {
      health.push(port);
      return true;
    },
    healthTimeoutMs: 10,
    systemDir: join(home, "etc-systemd-system"),
    source: "test",
    ...extra,
  };
  const unitFile = join(home, ".config", "systemd", "user", "openclaw-gateway.service");
  return { home, ctx, unitFile, health };
}

test("install without a running service manager: plain refusal, exit 1, nothing written", async (t) => {
  const { ctx, unitFile, home } = setup(t, new FakeManager(false));
  await assert.rejects(installService(ctx), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /^No service manager is running here \(systemd user session not found\), so the gateway service cannot be installed\./);
    assert.match(err.message, /run the gateway in the foreground: openclaw gateway/);
    assert.match(err.message, /gateway --port 18789/);
    return true;
  });
  assert.equal(existsSync(unitFile), false);
  assert.equal(existsSync(join(home, ".config", "systemd")), false, "no directories created either");
  await assert.rejects(startService(ctx), /No service manager is running here/);
  await assert.rejects(restartService(ctx), /No service manager is running here/);
});

test("install writes the unit, reloads, enables, starts and waits for health", async (t) => {
  const manager = new FakeManager();
  const { ctx, unitFile, home, health } = setup(t, manager);
  const result = await installService(ctx);
  assert.equal(result.ok, true);
  assert.equal(result.result, "installed");
  assert.equal(result.pid, 1234);
  assert.deepEqual(manager.calls, ["daemon-reload", "enable openclaw-gateway.service", "start openclaw-gateway.service"]);
  assert.deepEqual(health, [18789]);
  const unit = readFileSync(unitFile, "utf8");
  assert.match(unit, /ExecStart=.* \/opt\/openclaw\/dist\/openclaw\.mjs gateway --port 18789/);
  assert.ok(!unit.includes("x".repeat(43)), "the token never reaches the unit");
  assert.match(readFileSync(join(home, ".openclaw", "logs", "gateway-restart.log"), "utf8"), /openclaw gateway lifecycle source=test action=install mode=systemd interactive=0/);

  manager.calls = [];
  const again = await installService(ctx);
  assert.equal(again.result, "already-installed");
  assert.ok(!manager.calls.includes("start openclaw-gateway.service"), "already running: not started twice");
});

test("install --port records the port; a different definition needs --force, which restarts", async (t) => {
  const manager = new FakeManager();
  const { ctx, unitFile } = setup(t, manager);
  await installService(ctx);
  await assert.rejects(installService(ctx, { port: 19999 }), (err: unknown) => {
    assert.match((err as Error).message, /already installed .* with a different definition/);
    assert.match((err as Error).message, /Gateway service port does not match current gateway config \(unit 18789, config 19999\)/);
    assert.match((err as Error).message, /install --force/);
    return true;
  });
  manager.calls = [];
  const result = await installService(ctx, { port: 19999, force: true });
  assert.equal(result.result, "reinstalled");
  assert.match(readFileSync(unitFile, "utf8"), /gateway --port 19999/);
  assert.deepEqual(manager.calls, ["daemon-reload", "enable openclaw-gateway.service", "restart openclaw-gateway.service"]);
});

test("a failing manager command rolls the unit file back", async (t) => {
  const { ctx, unitFile } = setup(t, new FakeManager(true, "enable"));
  await assert.rejects(installService(ctx), /Could not install the gateway service: systemctl --user enable failed: simulated\. .* was removed again/);
  assert.equal(existsSync(unitFile), false);
});

test("health failure after install is reported as ok:false", async (t) => {
  const { ctx } = setup(t, new FakeManager(), { healthCheck: async () => false });
  const result = await installService(ctx);
  assert.equal(result.ok, false);
  assert.equal(result.result, "install-health-failed");
  assert.match(result.message, /journalctl --user -u openclaw-gateway.service/);
});

test("install refuses an invalid config (exit 78) and a system-level unit", async (t) => {
  const { ctx, home } = setup(t, new FakeManager());
  writeFileSync(join(home, ".openclaw", "openclaw.json"), '{ gateway: { port: "nope" } }');
  await assert.rejects(installService(ctx), (err: unknown) => err instanceof CliError && err.exitCode === 78 && /Invalid config/.test(err.message));
  writeFileSync(join(home, ".openclaw", "openclaw.json"), '{ gateway: { mode: "local" } }');
  mkdirSync(ctx.systemDir!, { recursive: true });
  writeFileSync(join(ctx.systemDir!, "openclaw-gateway.service"), "[Service]\nExecStart=/bin/true\n");
  await assert.rejects(installService(ctx), /System-level OpenClaw gateway service detected/);
});

test("stop: absent service and absent manager are successful no-ops; non-interactive stop needs --force", async (t) => {
  const { ctx: noMgr } = setup(t, new FakeManager(false));
  const none = await stopService(noMgr);
  assert.equal(none.ok, true);
  assert.equal(none.result, "not-running");
  assert.match(none.message, /No service manager is running here .* nothing to stop/);

  const manager = new FakeManager();
  const { ctx } = setup(t, manager);
  const absent = await stopService(ctx);
  assert.equal(absent.result, "not-installed");
  await installService(ctx);
  await assert.rejects(stopService(ctx), /non-interactive shell without --force/);
  assert.equal(manager.state.active, true);
  const stopped = await stopService(ctx, { force: true });
  assert.equal(stopped.result, "stopped");
  assert.equal(manager.state.active, false);
  const again = await stopService(ctx);
  assert.equal(again.result, "already-stopped");
  await assert.rejects(stopService(ctx, { disable: true }), /--disable applies to launchd only/);
});

test("start is idempotent; start/restart of an uninstalled service give install hints", async (t) => {
  const manager = new FakeManager();
  const { ctx } = setup(t, manager);
  await assert.rejects(startService(ctx), /not installed .* openclaw gateway install/);
  await assert.rejects(restartService(ctx), /not installed .* openclaw gateway install/);
  await installService(ctx);
  const running = await startService(ctx);
  assert.equal(running.result, "already-running");
  assert.equal(running.pid, 1234);
  const restarted = await restartService(ctx);
  assert.equal(restarted.result, "restarted");
  assert.equal(restarted.pid, 5678);
  const failing = await restartService({ ...ctx, healthCheck: async () => false });
  assert.deepEqual([failing.ok, failing.result], [false, "restart-health-failed"]);
});

test("uninstall removes the unit and keeps config; uninstalling twice is a no-op", async (t) => {
  const manager = new FakeManager();
  const { ctx, unitFile, home } = setup(t, manager);
  await installService(ctx);
  manager.calls = [];
  const result = await uninstallService(ctx);
  assert.equal(result.result, "uninstalled");
  assert.deepEqual(manager.calls, ["stop openclaw-gateway.service", "disable openclaw-gateway.service", "daemon-reload"]);
  assert.equal(existsSync(unitFile), false);
  assert.equal(existsSync(join(home, ".openclaw", "openclaw.json")), true);
  const again = await uninstallService(ctx);
  assert.equal(again.ok, true);
  assert.equal(again.result, "not-installed");
});

test("uninstall without a manager still removes a leftover unit file", async (t) => {
  const { ctx, unitFile } = setup(t, new FakeManager(false));
  mkdirSync(join(unitFile, ".."), { recursive: true });
  writeFileSync(unitFile, "[Service]\nExecStart=/bin/true\n");
  const result = await uninstallService(ctx);
  assert.equal(result.result, "uninstalled");
  assert.match(result.message, /only the file was removed/);
  assert.equal(existsSync(unitFile), false);
});

test("the CLI refuses to stop/uninstall the service from inside that service", async (t) => {
  const manager = new FakeManager();
  const { ctx } = setup(t, manager);
  await installService(ctx);
  const inside = { ...ctx, env: { ...ctx.env, OPENCLAW_SERVICE_MARKER: "openclaw", OPENCLAW_SYSTEMD_UNIT: "openclaw-gateway" } };
  await assert.rejects(stopService(inside, { force: true }), /from inside the service itself/);
  await assert.rejects(uninstallService(inside), /from inside the service itself/);
});

test("regenerate rewrites a drifted unit and restarts only a running service", async (t) => {
  const manager = new FakeManager();
  const { ctx, unitFile, home } = setup(t, manager);
  await installService(ctx);
  writeFileSync(join(home, ".openclaw", "openclaw.json"), JSON.stringify({ gateway: { mode: "local", port: 20001 } }), { mode: 0o600 });
  manager.calls = [];
  const done = regenerateServiceDefinition(ctx);
  assert.deepEqual(done, { file: unitFile, restarted: true, port: 20001 });
  assert.match(readFileSync(unitFile, "utf8"), /--port 20001/);
  assert.deepEqual(manager.calls, ["daemon-reload", "restart openclaw-gateway.service"]);
  manager.state = { loaded: true, active: false };
  manager.calls = [];
  assert.equal(regenerateServiceDefinition(ctx).restarted, false);
  assert.deepEqual(manager.calls, ["daemon-reload"]);
});

test("with gateway.tls on, the health wait gets the pin of the certificate in the state dir", async (t) => {
  const pins: Array<string | undefined> = [];
  const { ctx, home } = setup(t, new FakeManager(), {
    healthCheck: async (_port, _timeoutMs, tlsPin) => {
      pins.push(tlsPin?.());
      return true;
    },
  });
  await installService(ctx);
  const stateDir = join(home, ".openclaw");
  writeFileSync(join(stateDir, "openclaw.json"), JSON.stringify({ gateway: { mode: "local", port: 18789, auth: { token: "x".repeat(43) }, tls: { enabled: true } } }), { mode: 0o600 });
  const tls = await loadServerTls({ enabled: true }, stateDir);
  await restartService(ctx);
  assert.deepEqual(pins, [undefined, tls!.fingerprint]);
});
