import { test } from "node:test";
import assert from "node:assert/strict";
import type { GatewayConfig } from "../../../config/schema.js";
import type { CommandAnalysis } from "./allowlist-match.js";
import type { ApprovalsSnapshot, ExecApprovalsFile, ExecAsk, ExecSecurity } from "./approvals-file.js";
import { decideCommand, effectiveExecPolicy, fallbackVerdict, requestedExecPolicy, type ExecPolicy } from "./exec-policy.js";

const snapshot = (file: Partial<ExecApprovalsFile> = {}, problem?: string): ApprovalsSnapshot => ({
  path: "/x/exec-approvals.json",
  exists: true,
  hash: "h",
  file: { version: 1, ...file },
  ...(problem ? { problem } : {}),
});
const policy = (security: ExecSecurity, ask: ExecAsk, askFallback: ExecSecurity = "deny"): ExecPolicy => ({ security, ask, askFallback, allowlist: [], requested: {}, host: {} });
const analysis = (allowlisted: boolean): CommandAnalysis => ({
  segments: [{ argv: ["tool"], resolvedPath: "/bin/tool", realPath: "/bin/tool", entry: allowlisted ? { id: "1", pattern: "tool" } : null }],
  allowlisted,
});

test("defaults for the gateway host: full, no prompts, a prompt nobody answers is refused", () => {
  const p = effectiveExecPolicy(requestedExecPolicy({}, "main"), { ...snapshot(), exists: false }, "main");
  assert.deepEqual([p.security, p.ask, p.askFallback], ["full", "off", "deny"]);
});

test("tools.exec.mode maps to security/ask; an agent entry overrides the global section", () => {
  const config = { tools: { exec: { mode: "ask" } }, agents: { entries: { Ops: { tools: { exec: { mode: "deny" } } }, dev: { tools: { exec: { security: "full", ask: "always" } } } } } } as GatewayConfig;
  assert.deepEqual(requestedExecPolicy(config, "main"), { security: "allowlist", ask: "on-miss" });
  assert.deepEqual(requestedExecPolicy(config, "ops"), { security: "deny", ask: "off" });
  assert.deepEqual(requestedExecPolicy(config, "dev"), { security: "full", ask: "always" });
  assert.deepEqual(requestedExecPolicy({ tools: { exec: { mode: "auto" } } } as GatewayConfig, "main"), { security: "allowlist", ask: "on-miss" });
});

test("the approvals file only tightens config, and fills what config leaves out", () => {
  const loose = effectiveExecPolicy({ security: "allowlist", ask: "on-miss" }, snapshot({ defaults: { security: "full", ask: "off" } }), "main");
  assert.deepEqual([loose.security, loose.ask], ["allowlist", "on-miss"], "a looser file does not loosen config");
  const strict = effectiveExecPolicy({ security: "full", ask: "off" }, snapshot({ defaults: { security: "allowlist", ask: "always" } }), "main");
  assert.deepEqual([strict.security, strict.ask], ["allowlist", "always"]);
  const perAgent = effectiveExecPolicy({}, snapshot({ defaults: { security: "deny" }, agents: { main: { security: "allowlist" }, "*": { ask: "on-miss" } } }), "main");
  assert.deepEqual([perAgent.security, perAgent.ask], ["allowlist", "on-miss"], "agent beats *, * beats defaults");
});

test("askFallback comes from the host file (YOLO sets it there); both set → the stricter", () => {
  assert.equal(effectiveExecPolicy({}, snapshot({ defaults: { askFallback: "full" } }), "main").askFallback, "full");
  assert.equal(effectiveExecPolicy({ askFallback: "allowlist" }, snapshot({ defaults: { askFallback: "full" } }), "main").askFallback, "allowlist");
});

test("allowlists of the agent and of * both apply", () => {
  const p = effectiveExecPolicy({}, snapshot({ agents: { main: { allowlist: [{ id: "a", pattern: "git" }] }, "*": { allowlist: [{ id: "b", pattern: "rg" }] }, other: { allowlist: [{ id: "c", pattern: "ls" }] } } }), "main");
  assert.deepEqual(p.allowlist.map((e) => e.id), ["a", "b"]);
});

test("an unusable approvals file refuses every command, saying why", () => {
  const p = effectiveExecPolicy({}, snapshot({}, "/x/exec-approvals.json is not valid JSON"), "main");
  assert.equal(p.security, "deny");
  const d = decideCommand(p, null, "ls");
  assert.equal(d.outcome, "refuse");
  assert.match((d as { message: string }).message, /approvals file cannot be used .*not valid JSON/);
});

test("decision table: security × ask × allowlist hit/miss", () => {
  const rows: Array<[ExecSecurity, ExecAsk, boolean, string]> = [
    ["deny", "off", true, "refuse:security-deny"],
    ["deny", "on-miss", true, "refuse:security-deny"],
    ["deny", "always", true, "refuse:security-deny"],
    ["allowlist", "off", true, "allow:allowlist"],
    ["allowlist", "off", false, "refuse:allowlist-miss"],
    ["allowlist", "on-miss", true, "allow:allowlist"],
    ["allowlist", "on-miss", false, "ask:on-miss"],
    ["allowlist", "always", true, "ask:always"],
    ["allowlist", "always", false, "ask:always"],
    ["full", "off", false, "allow:full"],
    ["full", "on-miss", false, "allow:full"],
    ["full", "always", true, "ask:always"],
  ];
  for (const [security, ask, hit, expected] of rows) {
    const d = decideCommand(policy(security, ask), analysis(hit), "tool");
    const got = d.outcome === "ask" ? `ask:${d.reason}` : `${d.outcome}:${d.via}`;
    assert.equal(got, expected, `${security}/${ask}/${hit ? "hit" : "miss"}`);
  }
});

test("a miss message names the program and what is allowlisted, so the model can adapt", () => {
  const p = { ...policy("allowlist", "off"), allowlist: [{ id: "1", pattern: "/usr/bin/git" }, { id: "2", pattern: "/x", source: "allow-always" as const }] };
  const d = decideCommand(p, analysis(false), "tool --go");
  assert.equal(d.outcome, "refuse");
  const message = (d as { message: string }).message;
  assert.match(message, /tool is not on the owner's exec allowlist/);
  assert.match(message, /not run: tool --go/);
  assert.match(message, /Allowlisted programs: \/usr\/bin\/git\./);
  const chained = decideCommand(policy("allowlist", "off"), { segments: [], unsplittable: "a redirection", allowlisted: false }, "ls > x");
  assert.match((chained as { message: string }).message, /only plain commands and this one contains a redirection/);
});

test("askFallback caps security when nobody can answer", () => {
  const refusal = { via: "security-deny" as const, message: "no approver" };
  assert.deepEqual(fallbackVerdict(policy("full", "always", "full"), analysis(false), refusal), { allowed: true, via: "full" });
  assert.deepEqual(fallbackVerdict(policy("full", "always", "allowlist"), analysis(true), refusal), { allowed: true, via: "allowlist" });
  assert.equal(fallbackVerdict(policy("full", "always", "allowlist"), analysis(false), refusal).allowed, false);
  assert.equal(fallbackVerdict(policy("allowlist", "on-miss", "full"), analysis(false), refusal).allowed, false, "allowlist limits still apply under fallback full");
  assert.deepEqual(fallbackVerdict(policy("allowlist", "on-miss", "deny"), analysis(false), refusal), { allowed: false, via: "allowlist-miss", message: "no approver", requiresApproval: true });
  assert.deepEqual(fallbackVerdict(policy("allowlist", "always", "deny"), analysis(true), { via: "expired", message: "late" }), { allowed: false, via: "expired", message: "late", requiresApproval: true });
});
