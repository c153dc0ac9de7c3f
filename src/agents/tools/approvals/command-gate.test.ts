import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Env } from "../../../config/paths.js";
import type { GatewayConfig } from "../../../config/schema.js";
import type { CommandRequest } from "../types.js";
import { createExecApprovals, type ExecApprovals } from "./index.js";
import { formatWait } from "./command-gate.js";

let root: string;
let bin: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "ocgw-gate-"));
  bin = join(root, "bin");
  mkdirSync(bin);
  for (const name of ["tool", "other"]) {
    writeFileSync(join(bin, name), "#!/bin/sh\n");
    chmodSync(join(bin, name), 0o755);
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

type Harness = { approvals: ExecApprovals; sent: Array<{ event: string; payload: any }>; setApprover(on: boolean): void; stateDir: string };

function harness(config: GatewayConfig = { tools: { exec: { mode: "ask" } } } as GatewayConfig, env: Env = { PATH: bin, HOME: root }): Harness {
  const stateDir = mkdtempSync(join(root, "state-"));
  const sent: Harness["sent"] = [];
  let approver = true;
  const approvals = createExecApprovals({
    stateDir,
    config: () => config,
    events: { broadcast: (event, payload) => void sent.push({ event, payload }), wanted: () => approver },
    env,
  });
  return { approvals, sent, stateDir, setApprover: (on) => (approver = on) };
}

const cmd = (commandText: string, extra: Partial<CommandRequest> = {}): CommandRequest => ({
  agentId: "main",
  sessionKey: "agent:main:main",
  runId: "run-1",
  toolCallId: "call-1",
  commandText,
  argv: null,
  cwd: root,
  sandboxed: false,
  surface: "agent",
  ...extra,
});

const live = () => new AbortController().signal;

async function nextRequest(h: Harness): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const found = h.sent.find((s) => s.event === "exec.approval.requested" && h.approvals.broker.get(s.payload.id)?.status === "pending");
    if (found) return found.payload;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("no approval request was created");
}

test("the default policy runs host commands without asking", async () => {
  const h = harness({} as GatewayConfig);
  assert.deepEqual(await h.approvals.gate.authorize(cmd("anything --at all"), live()), { allowed: true, via: "full" });
  assert.equal(h.sent.length, 0);
});

test("security deny refuses at once with a message the model can act on", async () => {
  const h = harness({ tools: { exec: { mode: "deny" } } } as GatewayConfig);
  const verdict = await h.approvals.gate.authorize(cmd("tool"), live());
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.allowed === false && verdict.via, "security-deny");
  assert.match((verdict as { message: string }).message, /security=deny.*not run/);
});

test("an allowlist miss asks; allow-once runs it once and asks again next time", async () => {
  const h = harness();
  const pending = h.approvals.gate.authorize(cmd("tool --build"), live());
  const asked = await nextRequest(h);
  assert.equal(asked.request.command, "tool --build");
  assert.equal(asked.request.resolvedPath, join(bin, "tool"));
  assert.equal(asked.request.agentId, "main");
  assert.equal(asked.request.ask, "on-miss");
  assert.deepEqual(asked.request.allowedDecisions, ["allow-once", "allow-always", "deny"]);
  await h.approvals.broker.resolve(asked.id, "allow-once", "test");
  assert.deepEqual(await pending, { allowed: true, via: "allow-once" });
  const again = h.approvals.gate.authorize(cmd("tool --build"), live());
  await h.approvals.broker.resolve((await nextRequest(h)).id, "deny", "test");
  const denied = await again;
  assert.equal(denied.allowed === false && denied.via, "denied");
  assert.match((denied as { message: string }).message, /^the owner denied this command: tool --build; it was not run/);
});

test("allow-always saves a grant: the same command then runs without asking, other args still ask", async () => {
  const h = harness();
  const pending = h.approvals.gate.authorize(cmd("tool --deploy prod"), live());
  await h.approvals.broker.resolve((await nextRequest(h)).id, "allow-always", "test");
  assert.deepEqual(await pending, { allowed: true, via: "allow-always" });
  const saved = JSON.parse(readFileSync(join(h.stateDir, "exec-approvals.json"), "utf8"));
  assert.equal(saved.agents.main.allowlist[0].source, "allow-always");
  assert.equal(saved.agents.main.allowlist[0].pattern, join(bin, "tool"));
  const requestsBefore = h.sent.length;
  assert.deepEqual(await h.approvals.gate.authorize(cmd("tool --deploy prod"), live()), { allowed: true, via: "allowlist" });
  assert.equal(h.sent.length, requestsBefore, "no new request");
  h.setApprover(false);
  assert.equal((await h.approvals.gate.authorize(cmd("tool --deploy staging"), live())).allowed, false, "other args are a miss");
  h.setApprover(true);

  const grants = await h.approvals.listGrants(10);
  assert.equal(grants.length, 1);
  assert.equal(grants[0]!.command, "tool --deploy prod");
  assert.equal(await h.approvals.revokeGrant(grants[0]!.grantId), true);
  assert.equal(await h.approvals.revokeGrant(grants[0]!.grantId), false, "revoking twice is harmless");
  const afterRevoke = h.approvals.gate.authorize(cmd("tool --deploy prod"), live());
  const asked = await nextRequest(h);
  await h.approvals.broker.resolve(asked.id, "deny", "test");
  assert.equal((await afterRevoke).allowed, false);
});

test("the request expires with the configured timeout; askFallback deny refuses", async () => {
  const h = harness({ tools: { exec: { mode: "ask", approvalTimeoutSeconds: 0.05 } } } as GatewayConfig);
  const verdict = await h.approvals.gate.authorize(cmd("tool"), live());
  assert.equal(verdict.allowed === false && verdict.via, "expired");
  assert.match((verdict as { message: string }).message, /^approval request expired after 0 s with no answer; the command was not run: tool/);
  assert.equal(formatWait(120_000), "2 min");
  assert.equal(formatWait(30 * 60_000), "30 min");
  assert.equal(formatWait(90_000), "90 s");
});

test("expiry with askFallback full runs the command as full security would", async () => {
  const h = harness({ tools: { exec: { security: "full", ask: "always", approvalTimeoutSeconds: 0.05 } } } as GatewayConfig);
  await h.approvals.file.replace({ version: 1, defaults: { askFallback: "full" } });
  assert.deepEqual(await h.approvals.gate.authorize(cmd("tool"), live()), { allowed: true, via: "full" });
});

test("aborting the run withdraws the pending request", async () => {
  const h = harness();
  const controller = new AbortController();
  const pending = h.approvals.gate.authorize(cmd("tool"), controller.signal);
  const asked = await nextRequest(h);
  controller.abort();
  const verdict = await pending;
  assert.equal(verdict.allowed === false && verdict.via, "aborted");
  assert.equal(h.approvals.broker.get(asked.id)?.status, "cancelled");
  assert.equal(h.sent.at(-1)?.event, "exec.approval.resolved");
});

test("with no approval client connected, or over HTTP, askFallback decides at once", async () => {
  const h = harness();
  h.setApprover(false);
  const none = await h.approvals.gate.authorize(cmd("tool"), live());
  assert.equal(none.allowed === false && none.via, "allowlist-miss");
  assert.match((none as { message: string }).message, /no approval client is connected \(askFallback=deny\)/);
  h.setApprover(true);
  assert.equal(none.allowed === false && none.requiresApproval, true);
  const http = await h.approvals.gate.authorize(cmd("tool", { surface: "http" }), live());
  assert.match((http as { message: string }).message, /HTTP tool calls cannot ask/);
  assert.equal(http.allowed === false && http.requiresApproval, true);
  assert.equal(h.sent.length, 0, "nothing was asked");
});

test("ask=always asks even for allowlisted commands and does not offer allow-always", async () => {
  const h = harness({ tools: { exec: { security: "allowlist", ask: "always" } } } as GatewayConfig);
  await h.approvals.file.replace({ version: 1, agents: { main: { allowlist: [{ pattern: "tool" }] } } });
  const pending = h.approvals.gate.authorize(cmd("tool"), live());
  const asked = await nextRequest(h);
  assert.deepEqual(asked.request.allowedDecisions, ["allow-once", "deny"]);
  await h.approvals.broker.resolve(asked.id, "allow-once", "t");
  assert.equal((await pending).allowed, true);
});

test("manual allowlist entries run without asking and get last-used stamps", async () => {
  const h = harness({ tools: { exec: { mode: "allowlist" } } } as GatewayConfig);
  await h.approvals.file.replace({ version: 1, agents: { main: { allowlist: [{ id: "t", pattern: "tool" }, { id: "o", pattern: `${bin}/other` }] } } });
  assert.deepEqual(await h.approvals.gate.authorize(cmd("tool a && other b"), live()), { allowed: true, via: "allowlist" });
  const miss = await h.approvals.gate.authorize(cmd("tool a; ls"), live());
  assert.equal(miss.allowed === false && miss.via, "allowlist-miss");
  for (let i = 0; i < 100 && (await h.approvals.file.read()).file.agents?.main?.allowlist?.[0]?.lastUsedAt === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  const entry = (await h.approvals.file.read()).file.agents?.main?.allowlist?.[0];
  assert.equal(entry?.lastUsedCommand, "tool a && other b");
  assert.equal(entry?.lastResolvedPath, join(bin, "tool"));
});

test("sandboxed commands skip host approvals unless config denies exec", async () => {
  const h = harness({ tools: { exec: { mode: "allowlist" } } } as GatewayConfig);
  await h.approvals.file.replace({ version: 1, defaults: { security: "deny" } });
  assert.deepEqual(await h.approvals.gate.authorize(cmd("rm -rf /tmp/x", { sandboxed: true }), live()), { allowed: true, via: "full" });
  const denied = harness({ tools: { exec: { mode: "deny" } } } as GatewayConfig);
  assert.equal((await denied.approvals.gate.authorize(cmd("ls", { sandboxed: true }), live())).allowed, false);
});

test("an RPC-created request offers allow-always for gateway commands and saves it for the named agent", async () => {
  const h = harness();
  const record = await h.approvals.request({ command: "tool --x", cwd: root, agentId: "Ops" });
  assert.equal(record.request.agentId, "ops");
  assert.deepEqual(record.request.allowedDecisions, ["allow-once", "allow-always", "deny"]);
  await h.approvals.broker.resolve(record.id, "allow-always", "cli");
  const saved = (await h.approvals.file.read()).file.agents?.ops?.allowlist ?? [];
  assert.equal(saved.length, 1);
  const node = await h.approvals.request({ commandArgv: ["uname", "-a"], nodeId: "n1", unavailableDecisions: ["allow-always"] });
  assert.equal(node.request.command, "uname -a");
  assert.equal(node.request.host, "node");
  assert.deepEqual(node.request.allowedDecisions, ["allow-once", "deny"]);
  h.approvals.close();
});

test("programs are resolved through the PATH the command runs with: the agent's pathPrepend, ~ from HOME, no relative entries", async () => {
  const agentBin = join(root, "agent-bin");
  mkdirSync(agentBin, { recursive: true });
  writeFileSync(join(agentBin, "special"), "#!/bin/sh\n");
  chmodSync(join(agentBin, "special"), 0o755);
  const config = { tools: { exec: { mode: "allowlist" } }, agents: { entries: { main: { tools: { exec: { pathPrepend: ["~/agent-bin"] } } } } } } as GatewayConfig;
  const h = harness(config, { PATH: bin, HOME: root, OPENCLAW_HOME: join(root, "elsewhere") });
  await h.approvals.file.replace({ version: 1, agents: { main: { allowlist: [{ pattern: `${agentBin}/special` }, { pattern: `${bin}/tool` }] } } });
  assert.deepEqual(await h.approvals.gate.authorize(cmd("special --x"), live()), { allowed: true, via: "allowlist" });
  assert.equal((await h.approvals.gate.authorize(cmd("special --x", { agentId: "ops" }), live())).allowed, false, "another agent's PATH lacks it");

  // `tool` in the working directory would be what sh runs for a "." or empty PATH entry; it must not match bin/tool.
  const dotPath = harness(config, { PATH: `:.:${bin}`, HOME: root });
  await dotPath.approvals.file.replace({ version: 1, agents: { main: { allowlist: [{ pattern: `${bin}/tool` }] } } });
  const cwd = join(root, "ws");
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, "tool"), "#!/bin/sh\n");
  chmodSync(join(cwd, "tool"), 0o755);
  assert.deepEqual(await dotPath.approvals.gate.authorize(cmd("tool", { cwd }), live()), { allowed: true, via: "allowlist" });
  const record = await dotPath.approvals.request({ command: "tool", cwd });
  assert.equal(record.request.resolvedPath, join(bin, "tool"));
  dotPath.approvals.close();
});

test("last-used stamps are written at most once per interval per entry, with secrets masked", async () => {
  const h = harness({ tools: { exec: { mode: "allowlist" } } } as GatewayConfig);
  await h.approvals.file.replace({ version: 1, agents: { main: { allowlist: [{ id: "t", pattern: "tool" }] } } });
  let updates = 0;
  const update = h.approvals.file.update.bind(h.approvals.file);
  h.approvals.file.update = (change) => (updates++, update(change));
  const burst = await Promise.all([1, 2, 3, 4, 5].map((i) => h.approvals.gate.authorize(cmd(`tool --token=s3cr3t-value-${i} run`), live())));
  assert.ok(burst.every((v) => v.allowed));
  for (let i = 0; i < 100 && (await h.approvals.file.read()).file.agents?.main?.allowlist?.[0]?.lastUsedAt === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  const stamped = await h.approvals.file.read();
  assert.equal(updates, 1, "one write for the burst");
  const entry = stamped.file.agents?.main?.allowlist?.[0];
  assert.match(entry?.lastUsedCommand ?? "", /^tool --token=\S+ run$/);
  assert.ok(!entry?.lastUsedCommand?.includes("s3cr3t-value"), entry?.lastUsedCommand);

  assert.equal((await h.approvals.gate.authorize(cmd("tool another command"), live())).allowed, true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(updates, 1, "a different command text alone does not rewrite the file");
  assert.equal((await h.approvals.file.read()).hash, stamped.hash);
});

test("an allow-always grant does not keep the secrets of the command it was made for", async () => {
  const h = harness();
  const pending = h.approvals.gate.authorize(cmd("tool --password=hunter2-and-more"), live());
  await h.approvals.broker.resolve((await nextRequest(h)).id, "allow-always", "test");
  assert.equal((await pending).allowed, true);
  const [grant] = await h.approvals.listGrants(10);
  assert.ok(grant && !grant.command?.includes("hunter2"), grant?.command ?? "");
});
