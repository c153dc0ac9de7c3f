/**
 * The generated unit must be accepted by systemd itself: `systemd-analyze verify` parses it with
 * systemd's own parser, resolves specifiers and checks that the ExecStart binary exists. CI
 * installs the Debian `systemd` package for this; without it the test fails (it does not skip).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServiceDefinition, defaultCliEntryPath } from "../../src/service/definition.js";
import { resolveServiceIdentity } from "../../src/service/identity.js";
import { renderSystemdUnit } from "../../src/service/systemd-unit.js";
import { interpretSystemdUnit } from "../../src/service/systemd-unit-parse.js";

function requireSystemdAnalyze(): string {
  const probe = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    assert.fail("systemd-analyze is not installed: install the Debian package `systemd` (CI does) to verify generated units");
  }
  return "systemd-analyze";
}

function verify(file: string): { status: number | null; problems: string[]; stderr: string } {
  const result = spawnSync(requireSystemdAnalyze(), ["verify", file], { encoding: "utf8", env: { ...process.env, SYSTEMD_LOG_COLOR: "0" } });
  const name = file.slice(file.lastIndexOf("/") + 1);
  // verify exits 0 on warnings; a warning about our file (unknown key, bad value, ignored line) is a failure too.
  const problems = (result.stderr ?? "").split("\n").filter((l) => l.includes(name) && /unknown|fail|ignor|invalid|bad|not executable|error/i.test(l));
  return { status: result.status, problems, stderr: result.stderr ?? "" };
}

function tempDir(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-sdverify-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function render(env: Record<string, string>, port: number, entryPath = defaultCliEntryPath()) {
  const identity = resolveServiceIdentity(env.OPENCLAW_PROFILE, env, "linux");
  const def = buildServiceDefinition({ identity, kind: "systemd", port, env, platform: "linux", execPath: process.execPath, entryPath });
  return { identity, text: renderSystemdUnit(def) };
}

test("systemd-analyze verify accepts the default unit (real node and real CLI entry)", (t) => {
  const dir = tempDir(t);
  assert.ok(existsSync(defaultCliEntryPath()), `CLI entry ${defaultCliEntryPath()} exists (build first)`);
  const { identity, text } = render({ HOME: dir }, 18789);
  const file = join(dir, identity.systemdUnit);
  writeFileSync(file, text);
  const result = verify(file);
  assert.equal(result.status, 0, `systemd-analyze verify failed:\n${result.stderr}\n--- unit ---\n${text}`);
  assert.deepEqual(result.problems, [], result.stderr);
});

test("systemd-analyze verify accepts a profile unit with awkward paths (spaces, %, $, quotes)", (t) => {
  const dir = tempDir(t);
  const home = join(dir, "home with space %z");
  const env = { HOME: home, OPENCLAW_PROFILE: "rescue", OPENCLAW_STATE_DIR: join(dir, `state $HOME "q" 100%n`) };
  const entry = join(dir, "oc 100%z", "$HOME", "openclaw.mjs");
  const { identity, text } = render(env, 19789, entry);
  assert.equal(identity.systemdUnit, "openclaw-gateway-rescue.service");
  const file = join(dir, identity.systemdUnit);
  writeFileSync(file, text);
  const result = verify(file);
  assert.equal(result.status, 0, `systemd-analyze verify failed:\n${result.stderr}\n--- unit ---\n${text}`);
  assert.deepEqual(result.problems, [], result.stderr);
  // And our reading of the unit gives back exactly the values we meant.
  const unit = interpretSystemdUnit(file, text);
  assert.deepEqual(unit.programArguments, [process.execPath, entry, "gateway", "--port", "19789"]);
  assert.equal(unit.environment.OPENCLAW_STATE_DIR, env.OPENCLAW_STATE_DIR);
  assert.equal(unit.environment.HOME, home);
});

test("control: systemd-analyze verify rejects what escaping prevents (an unescaped %z specifier)", (t) => {
  const dir = tempDir(t);
  const file = join(dir, "openclaw-gateway-control.service");
  writeFileSync(file, `[Service]\nExecStart=${process.execPath} ${join(dir, "oc 100%z")}/main.js gateway\n`);
  assert.notEqual(verify(file).status, 0, "verify must fail for a raw % specifier, otherwise the escaping test proves nothing");
});
