/**
 * The generated LaunchAgent must be a valid property list for Apple's format. Python's plistlib
 * (python3 is on every CI image) parses it independently of our own reader.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServiceDefinition, defaultCliEntryPath } from "../../src/service/definition.js";
import { resolveServiceIdentity } from "../../src/service/identity.js";
import { renderLaunchAgentPlist } from "../../src/service/launchd-plist.js";

const LOAD = 'import plistlib,sys,json; d=plistlib.load(open(sys.argv[1],"rb")); print(json.dumps(d))';

function loadWithPython(file: string): Record<string, unknown> {
  const result = spawnSync("python3", ["-c", LOAD, file], { encoding: "utf8" });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") assert.fail("python3 is required to validate the generated plist");
  assert.equal(result.status, 0, `plistlib rejected the plist:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

function writePlist(t: { after: (fn: () => void) => void }, env: Record<string, string>, port: number, entry = defaultCliEntryPath()) {
  const dir = mkdtempSync(join(tmpdir(), "ocgw-plist-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const identity = resolveServiceIdentity(env.OPENCLAW_PROFILE, env, "darwin");
  const def = buildServiceDefinition({ identity, kind: "launchd", port, env, platform: "darwin", execPath: process.execPath, entryPath: entry });
  const file = join(dir, `${identity.launchdLabel}.plist`);
  writeFileSync(file, renderLaunchAgentPlist(def, identity.launchdLogPath));
  return file;
}

test("plistlib loads the default LaunchAgent: Label, ProgramArguments, KeepAlive", (t) => {
  const file = writePlist(t, { HOME: "/Users/ada" }, 18789);
  const plist = loadWithPython(file);
  assert.equal(plist.Label, "ai.openclaw.gateway");
  assert.deepEqual(plist.ProgramArguments, [process.execPath, defaultCliEntryPath(), "gateway", "--port", "18789"]);
  assert.equal(plist.KeepAlive, true);
  assert.equal(plist.RunAtLoad, true);
  assert.equal(plist.ExitTimeOut, 20);
  assert.equal(plist.Umask, 63);
  const env = plist.EnvironmentVariables as Record<string, string>;
  assert.equal(env.OPENCLAW_SERVICE_MARKER, "openclaw");
  assert.equal(env.OPENCLAW_LAUNCHD_LABEL, "ai.openclaw.gateway");
});

test("plistlib loads a profile LaunchAgent with XML-hostile strings intact", (t) => {
  const home = `/Users/a&b <c> "d" 'e'`;
  const file = writePlist(t, { HOME: home, OPENCLAW_PROFILE: "rescue", OPENCLAW_GATEWAY_TOKEN: "secret-token-never-written" }, 19789, "/opt/oc & co/<x>.mjs");
  const plist = loadWithPython(file);
  assert.equal(plist.Label, "ai.openclaw.rescue");
  assert.equal(plist.Comment, "OpenClaw Gateway (profile: rescue)");
  assert.deepEqual((plist.ProgramArguments as string[]).slice(1), ["/opt/oc & co/<x>.mjs", "gateway", "--port", "19789"]);
  assert.equal((plist.EnvironmentVariables as Record<string, string>).HOME, home);
  assert.equal(plist.WorkingDirectory, home);
  assert.ok(!JSON.stringify(plist).includes("secret-token-never-written"));
});
