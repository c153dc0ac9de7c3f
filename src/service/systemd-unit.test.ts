import { test } from "node:test";
import assert from "node:assert/strict";
import { GATEWAY_DRAIN_BUDGET_MS, GATEWAY_SHUTDOWN_RESERVE_MS, SERVICE_STOP_TIMEOUT_SEC, SUPERVISOR_EXIT_MARGIN_MS } from "./budget.js";
import { buildServiceDefinition } from "./definition.js";
import { resolveServiceIdentity } from "./identity.js";
import { escapeEnvironmentAssignment, escapeExecArg, renderSystemdUnit } from "./systemd-unit.js";
import { interpretSystemdUnit, parseUnitFile, splitUnitWords } from "./systemd-unit-parse.js";

const HOME = "/home/ada";

function unitFor(env: Record<string, string>, port = 18789, paths: { execPath?: string; entryPath?: string } = {}) {
  const profile = env.OPENCLAW_PROFILE;
  const identity = resolveServiceIdentity(profile, env, "linux");
  const def = buildServiceDefinition({
    identity, kind: "systemd", port, env, platform: "linux",
    execPath: paths.execPath ?? "/usr/local/bin/node", entryPath: paths.entryPath ?? "/opt/openclaw/dist/src/cli/main.js",
  });
  return { def, text: renderSystemdUnit(def) };
}

function values(text: string, key: string): string[] {
  return parseUnitFile(text).filter((e) => e.key === key).map((e) => e.value);
}

test("the stop timeout is derived from the drain budget: 315000 + 10000 + 5000 ms = 330 s", () => {
  assert.equal(GATEWAY_DRAIN_BUDGET_MS, 315_000);
  assert.equal(GATEWAY_SHUTDOWN_RESERVE_MS, 10_000);
  assert.equal(SUPERVISOR_EXIT_MARGIN_MS, 5_000);
  assert.equal(SERVICE_STOP_TIMEOUT_SEC, 330);
});

test("unit carries the restart policy of spec §5.2", () => {
  const { text } = unitFor({ HOME });
  const entries = parseUnitFile(text);
  const get = (section: string, key: string) => entries.filter((e) => e.section === section && e.key === key).map((e) => e.value);
  assert.deepEqual(get("Unit", "Description"), ["OpenClaw Gateway"]);
  assert.deepEqual(get("Unit", "After"), ["network-online.target"]);
  assert.deepEqual(get("Unit", "Wants"), ["network-online.target"]);
  assert.deepEqual(get("Unit", "StartLimitBurst"), ["10"]);
  assert.deepEqual(get("Unit", "StartLimitIntervalSec"), ["300"]);
  assert.deepEqual(get("Service", "Restart"), ["always"]);
  assert.deepEqual(get("Service", "RestartSec"), ["5"]);
  assert.deepEqual(get("Service", "RestartPreventExitStatus"), ["78"]);
  assert.deepEqual(get("Service", "TimeoutStopSec"), ["330"]);
  assert.deepEqual(get("Service", "TimeoutStartSec"), ["30"]);
  assert.deepEqual(get("Service", "SuccessExitStatus"), ["0 143"]);
  assert.deepEqual(get("Service", "KillMode"), ["mixed"]);
  assert.deepEqual(get("Install", "WantedBy"), ["default.target"]);
});

test("ExecStart runs this runtime and entry with `gateway --port <resolved port>`", () => {
  const { text } = unitFor({ HOME }, 19999);
  assert.deepEqual(values(text, "ExecStart"), ["/usr/local/bin/node /opt/openclaw/dist/src/cli/main.js gateway --port 19999"]);
  const unit = interpretSystemdUnit("x.service", text);
  assert.deepEqual(unit.programArguments, ["/usr/local/bin/node", "/opt/openclaw/dist/src/cli/main.js", "gateway", "--port", "19999"]);
});

test("environment: paths, port, unit identity and service markers; NODE_OPTIONS cleared", () => {
  const { text } = unitFor({ HOME, OPENCLAW_PROFILE: "rescue", OPENCLAW_STATE_DIR: "/srv/oc state", TMPDIR: "/tmp" }, 19789);
  const env = interpretSystemdUnit("x.service", text).environment;
  assert.equal(env.HOME, HOME);
  assert.equal(env.TMPDIR, "/tmp");
  assert.equal(env.OPENCLAW_STATE_DIR, "/srv/oc state");
  assert.equal(env.OPENCLAW_CONFIG_PATH, "/srv/oc state/openclaw.json");
  assert.equal(env.OPENCLAW_PROFILE, "rescue");
  assert.equal(env.OPENCLAW_GATEWAY_PORT, "19789");
  assert.equal(env.OPENCLAW_SYSTEMD_UNIT, "openclaw-gateway-rescue");
  assert.equal(env.OPENCLAW_SERVICE_MARKER, "openclaw");
  assert.equal(env.OPENCLAW_SERVICE_KIND, "gateway");
  assert.equal(env.NODE_OPTIONS, "");
  assert.match(env.PATH, /^\/usr\/local\/bin(:|$)/);
  assert.ok(!env.PATH.includes(process.env.HOME + "/") || process.env.HOME === "/", "minimal PATH does not copy the shell's PATH");
  assert.deepEqual(values(text, "Description"), ["OpenClaw Gateway (profile: rescue)"]);
  assert.ok(text.includes('Environment="OPENCLAW_STATE_DIR=/srv/oc state"'), "values with spaces are quoted");
});

test("no profile: no OPENCLAW_PROFILE line", () => {
  const { text } = unitFor({ HOME });
  assert.ok(!/OPENCLAW_PROFILE=/.test(text));
});

test("secrets from the environment never reach the unit", () => {
  const { text } = unitFor({ HOME, OPENCLAW_GATEWAY_TOKEN: "tok-super-secret-123456789", OPENCLAW_GATEWAY_PASSWORD: "pw-super-secret" });
  assert.ok(!text.includes("tok-super-secret"));
  assert.ok(!text.includes("pw-super-secret"));
  assert.ok(!/OPENCLAW_GATEWAY_(TOKEN|PASSWORD)/.test(text));
});

test("escaping: % doubles, $ doubles in ExecStart, spaces and quotes are quoted", () => {
  assert.equal(escapeExecArg("/usr/bin/node"), "/usr/bin/node");
  assert.equal(escapeExecArg("/opt/100%/x"), "/opt/100%%/x");
  assert.equal(escapeExecArg("/opt/$HOME/x"), "/opt/$$HOME/x");
  assert.equal(escapeExecArg("/opt/my app/x.js"), '"/opt/my app/x.js"');
  assert.equal(escapeExecArg('a"b'), '"a\\"b"');
  assert.equal(escapeExecArg("a\\b"), '"a\\\\b"');
  assert.equal(escapeExecArg(""), '""');
  assert.equal(escapeEnvironmentAssignment("X", "a b%"), '"X=a b%%"');
  assert.equal(escapeEnvironmentAssignment("NODE_OPTIONS", ""), "NODE_OPTIONS=");
  assert.throws(() => escapeExecArg("a\nb"), /line break/);
  assert.throws(() => escapeEnvironmentAssignment("BAD-KEY", "x"), /Invalid environment variable name/);
});

test("escaping round-trips through systemd word splitting", () => {
  const weird = ["/opt/my app/100%/$HOME/it's \"here\"\\x.js", "--flag=a b", "%h", "$$", "tab\tsep"];
  const line = weird.map(escapeExecArg).join(" ");
  assert.deepEqual(splitUnitWords(line, { execStart: true }), weird);
  const { text } = unitFor({ HOME: "/home/a b%c", OPENCLAW_STATE_DIR: '/s/"q"/$x' }, 18789, { execPath: "/opt/node 20/bin/node", entryPath: "/opt/oc 100%/main.js" });
  const unit = interpretSystemdUnit("x.service", text);
  assert.deepEqual(unit.programArguments.slice(0, 2), ["/opt/node 20/bin/node", "/opt/oc 100%/main.js"]);
  assert.equal(unit.environment.HOME, "/home/a b%c");
  assert.equal(unit.environment.OPENCLAW_STATE_DIR, '/s/"q"/$x');
  assert.equal(unit.workingDirectory, "/home/a b%c");
});

test("identity overrides from env apply to the default profile only", () => {
  assert.equal(resolveServiceIdentity(undefined, { HOME, OPENCLAW_SYSTEMD_UNIT: "custom-gw.service" }, "linux").systemdUnit, "custom-gw.service");
  assert.equal(resolveServiceIdentity("work", { HOME, OPENCLAW_SYSTEMD_UNIT: "custom-gw" }, "linux").systemdUnit, "openclaw-gateway-work.service");
});
