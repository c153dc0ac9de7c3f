import { test } from "node:test";
import assert from "node:assert/strict";
import { buildServiceDefinition } from "./definition.js";
import { resolveServiceIdentity } from "./identity.js";
import { escapeXml, renderLaunchAgentPlist } from "./launchd-plist.js";
import { interpretLaunchAgent, parsePlist } from "./plist-parse.js";

function plistFor(env: Record<string, string>, port = 18789, entryPath = "/opt/openclaw/dist/openclaw.mjs") {
  const identity = resolveServiceIdentity(env.OPENCLAW_PROFILE, env, "darwin");
  const def = buildServiceDefinition({ identity, kind: "launchd", port, env, platform: "darwin", execPath: "/opt/homebrew/bin/node", entryPath });
  return { identity, xml: renderLaunchAgentPlist(def, identity.launchdLogPath) };
}

test("plist has the keys of spec §5.3", () => {
  const { xml } = plistFor({ HOME: "/Users/ada" }, 18789);
  const root = parsePlist(xml) as Record<string, unknown>;
  assert.equal(root.Label, "ai.openclaw.gateway");
  assert.equal(root.Comment, "OpenClaw Gateway");
  assert.equal(root.RunAtLoad, true);
  assert.equal(root.KeepAlive, true);
  assert.equal(root.ExitTimeOut, 20);
  assert.equal(root.ProcessType, "Interactive");
  assert.equal(root.ThrottleInterval, 10);
  assert.equal(root.Umask, 63);
  assert.equal(root.StandardInPath, "/dev/null");
  assert.equal(root.StandardOutPath, "/Users/ada/Library/Logs/openclaw/gateway.log");
  assert.equal(root.StandardErrorPath, "/Users/ada/Library/Logs/openclaw/gateway.log");
  assert.deepEqual(root.ProgramArguments, ["/opt/homebrew/bin/node", "/opt/openclaw/dist/openclaw.mjs", "gateway", "--port", "18789"]);
  const env = root.EnvironmentVariables as Record<string, string>;
  assert.equal(env.OPENCLAW_LAUNCHD_LABEL, "ai.openclaw.gateway");
  assert.equal(env.OPENCLAW_SERVICE_MARKER, "openclaw");
  assert.equal(env.OPENCLAW_SERVICE_KIND, "gateway");
  assert.equal(env.OPENCLAW_GATEWAY_PORT, "18789");
  assert.equal(env.OPENCLAW_STATE_DIR, "/Users/ada/.openclaw");
  assert.ok(!("OPENCLAW_SYSTEMD_UNIT" in env));
});

test("profile plist: label, comment, log file and port", () => {
  const { xml } = plistFor({ HOME: "/Users/ada", OPENCLAW_PROFILE: "rescue" }, 19789);
  const agent = interpretLaunchAgent("x.plist", xml);
  assert.equal(agent.label, "ai.openclaw.rescue");
  assert.equal(agent.programArguments.at(-1), "19789");
  assert.equal(agent.environment.OPENCLAW_PROFILE, "rescue");
  assert.match(xml, /<string>OpenClaw Gateway \(profile: rescue\)<\/string>/);
  assert.match(xml, /gateway-rescue\.log/);
});

test("every string is XML-escaped and survives a round trip", () => {
  const tricky = `/Users/a&b/<x>/"q"/'s'`;
  const { xml } = plistFor({ HOME: tricky }, 18789, `/opt/<oc>&/main.mjs`);
  assert.ok(!xml.includes("a&b/"), "raw ampersand must not appear");
  assert.ok(!xml.includes("<x>"), "raw angle brackets must not appear");
  const agent = interpretLaunchAgent("x.plist", xml);
  assert.equal(agent.environment.HOME, tricky);
  assert.equal(agent.workingDirectory, tricky);
  assert.equal(agent.programArguments[1], "/opt/<oc>&/main.mjs");
  assert.equal(escapeXml(`<&>"'`), "&lt;&amp;&gt;&quot;&apos;");
  assert.throws(() => escapeXml("a\x01b"), /control character/);
});

test("secrets are not embedded in the plist", () => {
  const { xml } = plistFor({ HOME: "/Users/ada", OPENCLAW_GATEWAY_TOKEN: "tok-secret-abcdefghijklmnop", OPENCLAW_GATEWAY_PASSWORD: "pw-secret" });
  assert.ok(!xml.includes("tok-secret"));
  assert.ok(!xml.includes("pw-secret"));
  assert.ok(!/OPENCLAW_GATEWAY_(TOKEN|PASSWORD)/.test(xml));
});

test("plist parser handles the common value types", () => {
  const value = parsePlist(`<?xml version="1.0"?><plist version="1.0"><dict><key>a</key><integer>-3</integer><key>b</key><array><string>x &amp; y</string><false/></array><key>c</key><dict/><key>d</key><string/></dict></plist>`);
  assert.deepEqual(value, { a: -3, b: ["x & y", false], c: {}, d: "" });
  assert.throws(() => parsePlist("<plist><dict><string>x</string></dict></plist>"), /expected <key>/);
});
