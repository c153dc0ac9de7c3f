/**
 * Without a running service manager (containers, CI), `gateway install` must refuse plainly,
 * exit non-zero and write nothing; `stop`/`uninstall` are successful no-ops; `--print` still works.
 * The handlers are called directly, with the real systemd detection pointed at a missing
 * /run/systemd/system so the outcome does not depend on the host.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../../src/cli/exit.js";
import {
  serviceInstallCommand,
  serviceRestartCommand,
  serviceStartCommand,
  serviceStatusCommand,
  serviceStopCommand,
  serviceUninstallCommand,
} from "../../src/cli/commands/service.js";
import { resolveServiceManager, SystemdUserManager } from "../../src/service/manager.js";

function setup(t: { after: (fn: () => void) => void }) {
  const home = mkdtempSync(join(tmpdir(), "ocgw-nomgr-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  mkdirSync(join(home, ".openclaw"), { mode: 0o700 });
  writeFileSync(join(home, ".openclaw", "openclaw.json"), JSON.stringify({ gateway: { mode: "local", port: 18795 } }), { mode: 0o600 });
  const out: string[] = [];
  const deps = {
    env: { HOME: home, PATH: process.env.PATH },
    platform: "linux" as const,
    manager: new SystemdUserManager(undefined, join(home, "no-run-systemd-system")),
    interactive: false,
    write: (s: string) => void out.push(s),
  };
  return { home, deps, out, unitDir: join(home, ".config", "systemd", "user") };
}

test("gateway install without a service manager: plain message, exit 1, no unit file", async (t) => {
  const { deps, home, unitDir } = setup(t);
  await assert.rejects(serviceInstallCommand({}, deps), (err: unknown) => {
    assert.ok(err instanceof CliError, "a CliError the CLI turns into an exit code");
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /^No service manager is running here \(systemd user session not found\)/);
    assert.match(err.message, /run the gateway in the foreground: openclaw gateway/);
    assert.match(err.message, /under your own supervisor/);
    assert.match(err.message, new RegExp(`${process.execPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} .* gateway --port 18795`));
    return true;
  });
  assert.equal(existsSync(unitDir), false, "no unit directory or file was written");
  assert.deepEqual(readdirSync(join(home, ".openclaw")), ["openclaw.json"], "nothing else was written to the state dir");
  await assert.rejects(serviceInstallCommand({ json: true, force: true }, deps), /No service manager is running here/);
});

test("start and restart refuse the same way", async (t) => {
  const { deps } = setup(t);
  await assert.rejects(serviceStartCommand({}, deps), (err: unknown) => err instanceof CliError && err.exitCode === 1 && /cannot be started/.test(err.message));
  await assert.rejects(serviceRestartCommand({}, deps), (err: unknown) => err instanceof CliError && err.exitCode === 1 && /cannot be restarted/.test(err.message));
});

test("stop and uninstall of an absent service are successful no-ops with a clear message", async (t) => {
  const { deps, out } = setup(t);
  const previous = process.exitCode;
  try {
    const stopped = await serviceStopCommand({}, deps);
    assert.equal(stopped.ok, true);
    assert.match(out.join(""), /nothing to stop/);
    out.length = 0;
    const removed = await serviceUninstallCommand({ json: true }, deps);
    assert.equal(removed.ok, true);
    const body = JSON.parse(out.join(""));
    assert.deepEqual([body.ok, body.action, body.result], [true, "uninstall", "not-installed"]);
    assert.equal(process.exitCode, previous);
  } finally {
    process.exitCode = previous;
  }
});

test("install --print works without a service manager and writes nothing", async (t) => {
  const { deps, out, unitDir } = setup(t);
  const text = await serviceInstallCommand({ print: true, port: "18999" }, deps);
  assert.equal(out.join(""), text);
  assert.match(String(text), /^ExecStart=.* gateway --port 18999$/m);
  assert.match(String(text), /^TimeoutStopSec=330$/m);
  assert.equal(existsSync(unitDir), false);
  out.length = 0;
  await serviceInstallCommand({ print: true, json: true }, deps);
  const body = JSON.parse(out.join(""));
  assert.equal(body.result, "printed");
  assert.equal(body.port, 18795);
  assert.equal(body.file, join(unitDir, "openclaw-gateway.service"));
  await assert.rejects(serviceInstallCommand({ print: true, port: "0" }, deps), /Invalid --port "0"/);
});

test("service status without a manager reports the file and the reason", async (t) => {
  const { deps, out } = setup(t);
  const d = await serviceStatusCommand({}, deps);
  assert.equal(d.manager, "none");
  assert.equal(d.installed, false);
  assert.match(out.join(""), /^Service: openclaw-gateway\.service \(not installed\)$/m);
  assert.match(out.join(""), /^Service manager: none \(systemd user session not found\)$/m);
});

test("real detection on this host: without /run/systemd/system, install refuses", async (t) => {
  if (process.platform !== "linux") return t.skip("Linux only");
  if (existsSync("/run/systemd/system")) return t.skip("this host runs systemd; the refusal path is covered by the tests above");
  const { deps, unitDir } = setup(t);
  await assert.rejects(serviceInstallCommand({}, { ...deps, manager: resolveServiceManager() }), /No service manager is running here/);
  assert.equal(existsSync(unitDir), false);
});
