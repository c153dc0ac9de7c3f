import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveServiceIdentity } from "./identity.js";
import { LaunchdManager, SystemdUserManager, type CommandRunner, type RunResult } from "./manager.js";

function fakeRunner(answers: Record<string, Partial<RunResult>>, calls: string[] = []): CommandRunner {
  return (command, args) => {
    const line = [command, ...args].join(" ");
    calls.push(line);
    const answer = Object.entries(answers).find(([prefix]) => line.startsWith(prefix))?.[1] ?? {};
    return { code: 0, stdout: "", stderr: "", ...answer };
  };
}

test("systemd: no /run/systemd/system means no manager, without running systemctl", () => {
  const calls: string[] = [];
  const manager = new SystemdUserManager(fakeRunner({}, calls), "/nonexistent/run/systemd/system");
  const a = manager.availability();
  assert.equal(a.running, false);
  assert.ok(!a.running && a.reason === "systemd user session not found");
  assert.deepEqual(calls, []);
});

test("systemd: booted with systemd but no user session (is-system-running offline, show-environment fails)", (t) => {
  const root = mkdtempSync(join(tmpdir(), "ocgw-sd-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const manager = new SystemdUserManager(
    fakeRunner({
      "systemctl --user is-system-running": { code: 1, stdout: "offline\n" },
      "systemctl --user show-environment": { code: 1, stderr: "Failed to connect to bus: No medium found\n" },
    }),
    root,
  );
  const a = manager.availability();
  assert.equal(a.running, false);
  assert.ok(!a.running && a.reason.includes("Failed to connect to bus"));
});

test("systemd: a running (or degraded) user manager is available", (t) => {
  const root = mkdtempSync(join(tmpdir(), "ocgw-sd-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.equal(new SystemdUserManager(fakeRunner({ "systemctl --user is-system-running": { code: 1, stdout: "degraded\n" } }), root).availability().running, true);
  assert.equal(new SystemdUserManager(fakeRunner({ "systemctl --user is-system-running": { code: 0, stdout: "running\n" } }), root).availability().running, true);
});

test("systemd: runtime is parsed from systemctl show", () => {
  const identity = resolveServiceIdentity(undefined, { HOME: "/h" }, "linux");
  const calls: string[] = [];
  const manager = new SystemdUserManager(
    fakeRunner({ "systemctl --user show": { stdout: "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nExecMainStatus=0\nUnitFileState=enabled\n" } }, calls),
  );
  assert.deepEqual(manager.runtime(identity), { loaded: true, active: true, state: "active", subState: "running", pid: 4242, lastExitStatus: 0, enabled: "enabled" });
  assert.ok(calls[0].startsWith("systemctl --user show openclaw-gateway.service"));
});

test("systemd: a failing command surfaces the command and its stderr", () => {
  const identity = resolveServiceIdentity(undefined, { HOME: "/h" }, "linux");
  const manager = new SystemdUserManager(fakeRunner({ "systemctl --user start": { code: 5, stderr: "Unit openclaw-gateway.service not found.\n" } }));
  assert.throws(() => manager.start(identity), /systemctl --user start openclaw-gateway.service failed: Unit openclaw-gateway.service not found/);
});

test("launchd: bootstrap when not loaded, kickstart -k to restart a loaded job", () => {
  const identity = resolveServiceIdentity(undefined, { HOME: "/Users/a" }, "darwin");
  const calls: string[] = [];
  const notLoaded = new LaunchdManager(fakeRunner({ "launchctl print": { code: 113 } }, calls), 501);
  notLoaded.start(identity);
  assert.deepEqual(calls.slice(1), ["launchctl bootstrap gui/501 /Users/a/Library/LaunchAgents/ai.openclaw.gateway.plist"]);
  calls.length = 0;
  const loaded = new LaunchdManager(fakeRunner({ "launchctl print": { stdout: "\tstate = running\n\tpid = 77\n" } }, calls), 501);
  assert.deepEqual(loaded.runtime(identity), { loaded: true, active: true, state: "running", pid: 77 });
  calls.length = 0;
  loaded.restart(identity);
  assert.deepEqual(calls.slice(1), ["launchctl kickstart -k gui/501/ai.openclaw.gateway"]);
  calls.length = 0;
  loaded.stop(identity, { disable: true });
  assert.deepEqual(calls, ["launchctl disable gui/501/ai.openclaw.gateway", "launchctl bootout gui/501/ai.openclaw.gateway"]);
});
