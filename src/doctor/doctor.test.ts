import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import JSON5 from "json5";
import { join } from "node:path";
import { buildServiceDefinition } from "../service/definition.js";
import { resolveServiceIdentity, type ServiceIdentity } from "../service/identity.js";
import type { ManagerAvailability, ServiceManager, ServiceRuntime } from "../service/manager.js";
import { renderSystemdUnit } from "../service/systemd-unit.js";
import { doctorCommand } from "../cli/commands/doctor.js";
import { runDoctor } from "./runner.js";
import { isPlaceholderToken } from "./token-strength.js";
import type { DoctorDeps, DoctorReport } from "./types.js";

const STRONG = "Zk3v9QmL2xT8rB1nW6pY4sD7fH0jK5cA";

class FakeSystemd implements ServiceManager {
  readonly kind = "systemd" as const;
  calls: string[] = [];
  state: ServiceRuntime = { loaded: true, active: true, pid: 99 };
  availability(): ManagerAvailability {
    return { running: true };
  }
  runtime(): ServiceRuntime {
    return { ...this.state };
  }
  reload() {
    this.calls.push("daemon-reload");
  }
  enable(i: ServiceIdentity) {
    this.calls.push(`enable ${i.systemdUnit}`);
  }
  start(i: ServiceIdentity) {
    this.calls.push(`start ${i.systemdUnit}`);
  }
  stop(i: ServiceIdentity) {
    this.calls.push(`stop ${i.systemdUnit}`);
  }
  restart(i: ServiceIdentity) {
    this.calls.push(`restart ${i.systemdUnit}`);
  }
  unload(i: ServiceIdentity) {
    this.calls.push(`disable ${i.systemdUnit}`);
  }
}

type Fixture = { home: string; stateDir: string; configPath: string; deps: DoctorDeps };

function fixture(t: { after: (fn: () => void) => void }, config: unknown | string | null, manager: ServiceManager | null = null): Fixture {
  const home = mkdtempSync(join(tmpdir(), "ocgw-doctor-"));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const stateDir = join(home, ".openclaw");
  mkdirSync(stateDir, { mode: 0o700 });
  chmodSync(stateDir, 0o700);
  const configPath = join(stateDir, "openclaw.json");
  if (config !== null) writeFileSync(configPath, typeof config === "string" ? config : JSON.stringify(config, null, 2), { mode: 0o600 });
  const deps: DoctorDeps = {
    env: { HOME: home },
    platform: "linux",
    lifecycle: { manager, systemDir: join(home, "etc-systemd-system"), healthCheck: async () => true, execPath: process.execPath, entryPath: process.argv[1] },
    findListeners: () => [],
    canBindPort: async () => true,
    write: () => {},
  };
  return { home, stateDir, configPath, deps };
}

const ids = (r: DoctorReport) => r.findings.map((f) => f.id);
const goodConfig = (extra: Record<string, unknown> = {}) => ({ gateway: { mode: "local", port: 18789, auth: { mode: "token", token: STRONG } }, ...extra });

function writeUnit(home: string, port: number) {
  const env = { HOME: home };
  const identity = resolveServiceIdentity(undefined, env, "linux");
  const def = buildServiceDefinition({ identity, kind: "systemd", port, env, platform: "linux", execPath: process.execPath, entryPath: process.argv[1] });
  mkdirSync(identity.systemdUserDir, { recursive: true });
  writeFileSync(identity.file, renderSystemdUnit(def));
  return identity.file;
}

test("a healthy setup has no findings and exits 0", async (t) => {
  const f = fixture(t, goodConfig());
  const report = await runDoctor({}, f.deps);
  assert.deepEqual(report.findings, []);
  assert.equal(report.exitCode, 0);
  assert.equal(report.ok, true);
});

test("loose permissions are found, and --fix sets 0700 / 0600", async (t) => {
  const f = fixture(t, goodConfig());
  chmodSync(f.stateDir, 0o755);
  chmodSync(f.configPath, 0o644);
  const before = await runDoctor({}, f.deps);
  assert.deepEqual(ids(before).sort(), ["config.permissions", "state.permissions"]);
  const cfg = before.findings.find((x) => x.id === "config.permissions")!;
  assert.equal(cfg.severity, "error", "a readable config holding the token is an error");
  assert.equal(cfg.fixable, true);
  assert.match(cfg.message, /mode 0644/);
  assert.equal(cfg.fix, `chmod 600 ${f.configPath}`);
  assert.equal(before.exitCode, 1);

  const after = await runDoctor({ fix: true }, f.deps);
  assert.equal(statSync(f.stateDir).mode & 0o777, 0o700);
  assert.equal(statSync(f.configPath).mode & 0o777, 0o600);
  assert.deepEqual(after.fixed.map((x) => [x.id, x.ok]).sort(), [["config.permissions", true], ["state.permissions", true]]);
  assert.deepEqual(after.findings, []);
  assert.equal(after.exitCode, 0);
});

test("placeholder token is an error; --fix writes a strong one and keeps the rest of the config", async (t) => {
  const f = fixture(t, { gateway: { mode: "local", port: 18790, bind: "loopback", auth: { mode: "token", token: "change-me" } }, logging: { level: "debug" } });
  const before = await runDoctor({}, f.deps);
  const finding = before.findings.find((x) => x.id === "auth.token.placeholder");
  assert.ok(finding, `expected a placeholder finding, got ${ids(before)}`);
  assert.equal(finding.severity, "error");
  assert.ok(!finding.message.includes("change-me"), "the token value itself is not printed");
  assert.equal(before.exitCode, 1);

  const after = await runDoctor({ fix: true }, f.deps);
  const written = JSON.parse(readFileSync(f.configPath, "utf8"));
  assert.notEqual(written.gateway.auth.token, "change-me");
  assert.ok(written.gateway.auth.token.length >= 24);
  assert.deepEqual({ ...written, gateway: { ...written.gateway, auth: { ...written.gateway.auth, token: "T" } } }, {
    gateway: { mode: "local", port: 18790, bind: "loopback", auth: { mode: "token", token: "T" } },
    logging: { level: "debug" },
  });
  assert.equal(statSync(f.configPath).mode & 0o777, 0o600);
  const fixed = after.fixed.find((x) => x.id === "auth.token.placeholder");
  assert.ok(fixed?.ok);
  assert.match(fixed.message, /Clients that used the old token need the new one/);
  assert.ok(!fixed.message.includes(written.gateway.auth.token), "the new token is not printed");
  assert.deepEqual(after.findings, []);
  assert.equal(after.exitCode, 0);
});

test("short and missing tokens", async (t) => {
  const short = fixture(t, { gateway: { mode: "local", auth: { token: "abc123def" } } });
  const r1 = await runDoctor({}, short.deps);
  assert.deepEqual(ids(r1), ["auth.token.weak"]);
  assert.equal(r1.findings[0].severity, "warning");
  assert.match(r1.findings[0].message, /only 9 characters/);

  const exposed = fixture(t, { gateway: { mode: "local", bind: "lan", auth: { token: "abc123def" } } });
  assert.equal((await runDoctor({}, exposed.deps)).findings[0].severity, "error", "weak token on a LAN bind is an error");

  const missing = fixture(t, { gateway: { mode: "local", auth: { mode: "token" } } });
  const r2 = await runDoctor({}, missing.deps);
  assert.deepEqual(ids(r2), ["auth.token.missing"]);
  const fixed = await runDoctor({ fix: true }, missing.deps);
  assert.deepEqual(fixed.findings, []);
  assert.ok(JSON.parse(readFileSync(missing.configPath, "utf8")).gateway.auth.token.length >= 24);

  const envToken = fixture(t, { gateway: { mode: "local" } });
  envToken.deps.env = { ...envToken.deps.env, OPENCLAW_GATEWAY_TOKEN: "password" };
  const r3 = await runDoctor({ fix: true }, envToken.deps);
  assert.deepEqual(ids(r3), ["auth.token.placeholder"]);
  assert.equal(r3.findings[0].fixable, false, "an env token is not rewritten into the config");
  assert.match(r3.findings[0].fix, /OPENCLAW_GATEWAY_TOKEN/);
});

test("a token behind a ${VAR} reference is checked but never overwritten", async (t) => {
  process.env.OCGW_DOCTOR_TEST_TOKEN = "short";
  t.after(() => delete process.env.OCGW_DOCTOR_TEST_TOKEN);
  const f = fixture(t, { gateway: { mode: "local", auth: { token: "${OCGW_DOCTOR_TEST_TOKEN}" } } });
  const report = await runDoctor({ fix: true }, f.deps);
  assert.deepEqual(ids(report), ["auth.token.weak"]);
  assert.equal(report.findings[0].fixable, false);
  assert.match(report.findings[0].fix, /\$\{OCGW_DOCTOR_TEST_TOKEN\}/);
  assert.match(readFileSync(f.configPath, "utf8"), /\$\{OCGW_DOCTOR_TEST_TOKEN\}/);
});

test("placeholder detection", () => {
  for (const t of ["change-me", "CHANGEME", "password", "token", "<token>", "your-token-here", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "changeme-please"]) assert.ok(isPlaceholderToken(t), t);
  for (const t of [STRONG, "8NyHx0wDDWzI9YT1BSK4z7yiErzyScmeoSc9IdFZEtE"]) assert.ok(!isPlaceholderToken(t), t);
});

test("invalid config: one error per issue, exit 1, human output with Fix lines", async (t) => {
  const f = fixture(t, '{ gateway: { mode: "local", port: 99999, bogus: true } }');
  const writes: string[] = [];
  const previous = process.exitCode;
  try {
    const report = await doctorCommand({}, { ...f.deps, write: (s) => void writes.push(s) });
    assert.equal(report.exitCode, 1);
    assert.equal(process.exitCode, 1);
    const invalid = report.findings.filter((x) => x.id === "config.invalid");
    assert.equal(invalid.length, 2);
    assert.ok(invalid.every((x) => x.severity === "error" && x.message.startsWith(`Invalid config at ${f.configPath}: gateway.`)));
    const out = writes.join("");
    assert.match(out, /\[error\] config\.invalid: Invalid config at .*gateway\.port/);
    assert.match(out, /\n  Fix: Edit .* and correct gateway\.port/);
    assert.match(out, /Summary: 2 error\(s\)/);
  } finally {
    process.exitCode = previous;
  }
});

test("--json alone is advisory (exit code untouched), and carries the findings", async (t) => {
  const f = fixture(t, "{ not json5 at all");
  const writes: string[] = [];
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await doctorCommand({ json: true }, { ...f.deps, write: (s) => void writes.push(s) });
    assert.equal(process.exitCode, undefined);
    const body = JSON.parse(writes.join(""));
    assert.equal(body.ok, false);
    assert.equal(body.findings[0].id, "config.invalid");
    assert.deepEqual(Object.keys(body.findings[0]).sort(), ["fix", "fixable", "id", "message", "severity"]);
  } finally {
    process.exitCode = previous;
  }
});

test("retired keys are migrated by --fix; comments survive the rewrite", async (t) => {
  const f = fixture(t, `{\n  // my gateway\n  "gateway": { "mode": "local", "auth": { "token": "${STRONG}" }, "reload": { "mode": "hot", "debounceMs": 300 } }\n}\n`);
  const before = await runDoctor({}, f.deps);
  assert.deepEqual(ids(before), ["config.legacy"]);
  assert.equal(before.findings[0].severity, "error");
  const after = await runDoctor({ fix: true }, f.deps);
  assert.deepEqual(after.findings, []);
  assert.match(after.fixed[0].message, /gateway\.reload\.mode, gateway\.reload\.debounceMs$/);
  const text = readFileSync(f.configPath, "utf8");
  assert.match(text, /\/\/ my gateway/);
  assert.deepEqual(JSON5.parse(text).gateway.reload, { mode: "hybrid" });
});

test("a token fix on a JSON5 file that cannot keep its layout says so", async (t) => {
  const f = fixture(t, `{ gateway: { mode: "local", auth: { token: "token" } } } // trailing`);
  const after = await runDoctor({ fix: true }, f.deps);
  assert.deepEqual(after.findings, []);
  assert.match(after.fixed[0].message, /rewritten as plain JSON/);
});

test("service drift is reported from a unit under HOME; without a manager it is not fixable", async (t) => {
  const f = fixture(t, goodConfig({ gateway: { mode: "local", port: 19999, auth: { token: STRONG } } }));
  const unitFile = writeUnit(f.home, 18789);
  const report = await runDoctor({ fix: true }, f.deps);
  const drift = report.findings.find((x) => x.id === "service.drift");
  assert.ok(drift, `expected drift, got ${ids(report)}`);
  assert.equal(drift.severity, "warning");
  assert.match(drift.message, /Gateway service port does not match current gateway config \(unit 18789, config 19999\)/);
  assert.equal(drift.fixable, false);
  assert.match(drift.fix, /No service manager is running here/);
  assert.match(readFileSync(unitFile, "utf8"), /--port 18789/, "unit untouched without a manager");
});

test("with a running manager, --fix rewrites the drifted unit and restarts the running service", async (t) => {
  const manager = new FakeSystemd();
  const f = fixture(t, { gateway: { mode: "local", port: 19999, auth: { token: STRONG } } }, manager);
  const unitFile = writeUnit(f.home, 18789);
  const report = await runDoctor({ fix: true }, f.deps);
  assert.deepEqual(report.findings, []);
  assert.match(report.fixed[0].message, /Rewrote .* \(port 19999\) and restarted the service/);
  assert.match(readFileSync(unitFile, "utf8"), /--port 19999/);
  assert.deepEqual(manager.calls, ["daemon-reload", "restart openclaw-gateway.service"]);
});

test("OPENCLAW_SERVICE_REPAIR_POLICY=external keeps service repair diagnostic-only", async (t) => {
  const f = fixture(t, { gateway: { mode: "local", port: 19999, auth: { token: STRONG } } }, new FakeSystemd());
  f.deps.env = { ...f.deps.env, OPENCLAW_SERVICE_REPAIR_POLICY: "external" };
  writeUnit(f.home, 18789);
  const report = await runDoctor({ fix: true }, f.deps);
  assert.equal(report.findings.find((x) => x.id === "service.drift")?.fixable, false);
  assert.deepEqual(report.fixed, []);
});

test("--deep lists other, legacy and stale gateway units", async (t) => {
  const f = fixture(t, goodConfig());
  const dir = join(f.home, ".config", "systemd", "user");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "openclaw-gateway-work.service"), `[Service]\nExecStart=${process.execPath} ${process.argv[1]} gateway --port 20500\nEnvironment=OPENCLAW_STATE_DIR=${f.home}/.openclaw-work\n`);
  writeFileSync(join(dir, "openclaw-gateway-twin.service"), `[Service]\nExecStart=${process.execPath} ${process.argv[1]} gateway --port 18789\n`);
  writeFileSync(join(dir, "openclaw-gateway-old.service"), "[Service]\nExecStart=/opt/gone/bin/node /opt/gone/openclaw.mjs gateway --port 20600\n");
  writeFileSync(join(dir, "clawdbot-gateway.service"), `[Service]\nExecStart=${process.execPath} /x/clawdbot.js gateway\n`);
  writeFileSync(join(dir, "unrelated.service"), "[Service]\nExecStart=/bin/true\n");
  assert.deepEqual((await runDoctor({}, f.deps)).findings, [], "the scan runs only with --deep");
  const report = await runDoctor({ deep: true }, f.deps);
  const by = (id: string) => report.findings.filter((x) => x.id === id).map((x) => x.message);
  assert.equal(by("service.legacy").length, 1);
  assert.match(by("service.legacy")[0], /clawdbot-gateway\.service/);
  assert.equal(by("service.stale").length, 1);
  assert.match(by("service.stale")[0], /openclaw-gateway-old\.service .* points at missing \/opt\/gone\/bin\/node, \/opt\/gone\/openclaw\.mjs/);
  const extra = report.findings.filter((x) => x.id === "service.extra");
  assert.equal(extra.length, 2);
  assert.ok(extra.some((x) => x.severity === "warning" && /openclaw-gateway-twin\.service .* same port 18789/.test(x.message)));
  assert.ok(extra.some((x) => x.severity === "info" && /openclaw-gateway-work\.service \(user, port 20500/.test(x.message)));
  assert.equal(report.exitCode, 0);
});

test("port conflict: a non-gateway listener on the configured port is an error", async (t) => {
  const child = spawn(process.execPath, ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port));setInterval(()=>{},1000)"], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    child.once("error", reject);
  });
  const f = fixture(t, { gateway: { mode: "local", port, auth: { token: STRONG } } });
  delete f.deps.findListeners;
  delete f.deps.canBindPort;
  const report = await runDoctor({}, f.deps);
  const conflict = report.findings.find((x) => x.id === "port.conflict");
  assert.ok(conflict, `expected a port conflict, got ${ids(report)}`);
  assert.equal(conflict.severity, "error");
  assert.match(conflict.message, new RegExp(`Port ${port} \\(config\\) is in use by pid ${child.pid} \\(.*node`));
  assert.equal(conflict.fixable, false);
  assert.equal(report.exitCode, 1);
});

test("a listener holding this config's lock is the gateway itself, not a conflict", async (t) => {
  const f = fixture(t, goodConfig());
  const { configLockPath } = await import("../infra/gateway-lock.js");
  const lockPath = configLockPath(f.stateDir, f.configPath);
  mkdirSync(join(lockPath, ".."), { recursive: true });
  writeFileSync(lockPath, JSON.stringify({ pid: process.pid, createdAt: new Date().toISOString(), configPath: f.configPath, stateDir: f.stateDir }));
  f.deps.findListeners = () => [process.pid];
  const report = await runDoctor({}, f.deps);
  assert.deepEqual(ids(report), ["port.gateway"]);
  assert.equal(report.findings[0].severity, "info");
  f.deps.findListeners = () => [process.pid, 1];
  f.deps.commandLine = () => "node /usr/lib/openclaw/dist/openclaw.mjs gateway --port 18789";
  const other = await runDoctor({}, f.deps);
  assert.match(other.findings.find((x) => x.id === "port.conflict")!.message, /held by another gateway \(pid 1/);
});

test("missing config is informational only", async (t) => {
  const f = fixture(t, null);
  const report = await runDoctor({}, f.deps);
  assert.deepEqual(ids(report), ["config.missing"]);
  assert.equal(report.exitCode, 0);
});
