import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServiceDefinition } from "./definition.js";
import { describeService } from "./describe.js";
import { detectDrift, portFromArgs } from "./drift.js";
import { resolveServiceIdentity } from "./identity.js";
import type { ServiceManager } from "./manager.js";
import { renderSystemdUnit } from "./systemd-unit.js";

const noManager = null as ServiceManager | null;

function tempHome(t: { after: (fn: () => void) => void }) {
  const home = mkdtempSync(join(tmpdir(), "ocgw-drift-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

function writeUnit(env: Record<string, string>, port: number) {
  const identity = resolveServiceIdentity(env.OPENCLAW_PROFILE, env, "linux");
  const def = buildServiceDefinition({ identity, kind: "systemd", port, env, platform: "linux", execPath: process.execPath, entryPath: process.argv[1] });
  mkdirSync(identity.systemdUserDir, { recursive: true });
  writeFileSync(identity.file, renderSystemdUnit(def));
  return identity;
}

function writeConfig(home: string, config: unknown, dir = ".openclaw") {
  mkdirSync(join(home, dir), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, dir, "openclaw.json"), JSON.stringify(config), { mode: 0o600 });
}

test("--port is read in both spellings", () => {
  assert.equal(portFromArgs(["node", "x.js", "gateway", "--port", "123"]), 123);
  assert.equal(portFromArgs(["node", "x.js", "gateway", "--port=456"]), 456);
  assert.equal(portFromArgs(["node", "x.js", "gateway"]), undefined);
});

test("no drift right after generating the unit from the same config", (t) => {
  const home = tempHome(t);
  const env = { HOME: home };
  writeConfig(home, { gateway: { mode: "local", port: 18789 } });
  writeUnit(env, 18789);
  const d = describeService(undefined, { env, platform: "linux", manager: noManager });
  assert.equal(d.installed, true);
  assert.equal(d.port, 18789);
  assert.deepEqual(d.drift, []);
  assert.equal(d.manager, "none");
});

test("port drift: unit 18789 vs config 19999", (t) => {
  const home = tempHome(t);
  const env = { HOME: home };
  writeUnit(env, 18789);
  writeConfig(home, { gateway: { mode: "local", port: 19999 } });
  const d = describeService(undefined, { env, platform: "linux", manager: noManager });
  assert.deepEqual(d.drift, ["Gateway service port does not match current gateway config (unit 18789, config 19999)"]);
  assert.equal(d.driftFindings[0].code, "port");
});

test("state dir and config path drift against the current environment", (t) => {
  const home = tempHome(t);
  writeUnit({ HOME: home }, 18789);
  const moved = join(home, "elsewhere");
  const d = describeService(undefined, { env: { HOME: home, OPENCLAW_STATE_DIR: moved }, platform: "linux", manager: noManager });
  const codes = d.driftFindings.map((f) => f.code).sort();
  assert.deepEqual(codes, ["config-path", "state-dir"]);
  assert.ok(d.drift.some((m) => m.includes(`unit ${join(home, ".openclaw")}, current ${moved}`)));
});

test("a unit pointing at a removed runtime or entry script is reported", () => {
  const findings = detectDrift(
    { programArguments: ["/nonexistent/node", "/nonexistent/openclaw.mjs", "gateway", "--port", "1"], environment: { HOME: "/h" } },
    { port: 1, stateDir: "/h/.openclaw", configPath: "/h/.openclaw/openclaw.json", home: "/h" },
  );
  assert.deepEqual(findings.map((f) => f.code), ["runtime-missing", "entry-missing"]);
});

test("EnvironmentFile and drop-ins are read for drift (they override the unit)", (t) => {
  const home = tempHome(t);
  const env = { HOME: home };
  const identity = writeUnit(env, 18789);
  writeConfig(home, { gateway: { mode: "local", port: 18789 } });
  mkdirSync(`${identity.file}.d`);
  writeFileSync(join(`${identity.file}.d`, "env.conf"), `[Service]\nEnvironment="OPENCLAW_CONFIG_PATH=${home}/other.json"\n`);
  let d = describeService(undefined, { env, platform: "linux", manager: noManager });
  assert.deepEqual(d.driftFindings.map((f) => f.code), ["config-path"]);
  assert.equal(d.overridingDropIns, undefined, "Environment= drop-ins are allowed");
  writeFileSync(join(`${identity.file}.d`, "env.conf"), "[Service]\nExecStart=\nExecStart=/bin/true gateway --port 1\n");
  d = describeService(undefined, { env, platform: "linux", manager: noManager });
  assert.equal(d.overridingDropIns?.length, 1);
  assert.ok(d.driftFindings.some((f) => f.code === "port"));
  rmSync(`${identity.file}.d`, { recursive: true });
  mkdirSync(join(home, ".openclaw"), { recursive: true });
  writeFileSync(join(home, ".openclaw", "gateway.systemd.env"), "OPENCLAW_STATE_DIR=/srv/other\nOPENCLAW_GATEWAY_TOKEN=abc\n");
  d = describeService(undefined, { env, platform: "linux", manager: noManager });
  assert.ok(d.driftFindings.some((f) => f.code === "state-dir"));
  assert.equal(d.environment?.OPENCLAW_GATEWAY_TOKEN, "***", "secrets from env files are masked");
});

test("not installed: no drift, file path still reported", (t) => {
  const home = tempHome(t);
  const d = describeService("work", { env: { HOME: home, OPENCLAW_PROFILE: "work" }, platform: "linux", manager: noManager });
  assert.equal(d.installed, false);
  assert.equal(d.label, "openclaw-gateway-work.service");
  assert.equal(d.file, join(home, ".config/systemd/user/openclaw-gateway-work.service"));
  assert.deepEqual(d.drift, []);
});
