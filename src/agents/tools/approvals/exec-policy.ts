import { agentEntry } from "../../agent-config.js";
import type { GatewayConfig } from "../../../config/schema.js";
import { isPlainObject } from "../../../config/objects.js";
import type { CommandVerdict } from "../types.js";
import type { CommandAnalysis } from "./allowlist-match.js";
import { ASK_MODES, SECURITY_LEVELS, type AllowlistEntry, type ApprovalsSnapshot, type ExecAsk, type ExecSecurity, type PolicyOverrides } from "./approvals-file.js";

/**
 * The documented gateway-host baseline: host exec runs without prompts (`mode: "full"`), and a
 * prompt nobody can answer is refused (`askFallback: "deny"`).
 */
export const GATEWAY_HOST_DEFAULTS = { security: "full", ask: "off", askFallback: "deny" } as const satisfies { security: ExecSecurity; ask: ExecAsk; askFallback: ExecSecurity };

const MODES: Record<string, { security: ExecSecurity; ask: ExecAsk }> = {
  deny: { security: "deny", ask: "off" },
  allowlist: { security: "allowlist", ask: "off" },
  ask: { security: "allowlist", ask: "on-miss" },
  // No model reviewer here: `auto` misses go to a human, like `ask`.
  auto: { security: "allowlist", ask: "on-miss" },
  full: { security: "full", ask: "off" },
};

/** What the config asks for: `tools.exec` with `agents.entries.<id>.tools.exec` on top. */
export type RequestedExecPolicy = { security?: ExecSecurity; ask?: ExecAsk; askFallback?: ExecSecurity };

/** What a command is judged by, and where each part came from (for `openclaw approvals get`). */
export type ExecPolicy = {
  security: ExecSecurity;
  ask: ExecAsk;
  askFallback: ExecSecurity;
  allowlist: AllowlistEntry[];
  requested: RequestedExecPolicy;
  host: PolicyOverrides;
  /** Set when the approvals file exists but cannot be read; exec is then refused. */
  problem?: string;
};

const isSecurity = (v: unknown): v is ExecSecurity => SECURITY_LEVELS.includes(v as ExecSecurity);
const isAsk = (v: unknown): v is ExecAsk => ASK_MODES.includes(v as ExecAsk);

function execSection(scope: unknown): RequestedExecPolicy {
  const tools = isPlainObject(scope) ? scope.tools : undefined;
  const exec = isPlainObject(tools) ? tools.exec : undefined;
  if (!isPlainObject(exec)) return {};
  const mode = typeof exec.mode === "string" ? MODES[exec.mode] : undefined;
  const out: RequestedExecPolicy = {};
  const security = mode?.security ?? exec.security;
  const ask = mode?.ask ?? exec.ask;
  if (isSecurity(security)) out.security = security;
  if (isAsk(ask)) out.ask = ask;
  if (isSecurity(exec.askFallback)) out.askFallback = exec.askFallback;
  return out;
}

export function requestedExecPolicy(config: GatewayConfig, agentId: string): RequestedExecPolicy {
  return { ...execSection(config), ...execSection(agentEntry(config, agentId)) };
}

const SECURITY_RANK: Record<ExecSecurity, number> = { deny: 0, allowlist: 1, full: 2 };
const ASK_RANK: Record<ExecAsk, number> = { off: 0, "on-miss": 1, always: 2 };

const stricterSecurity = (a: ExecSecurity, b: ExecSecurity): ExecSecurity => (SECURITY_RANK[a] <= SECURITY_RANK[b] ? a : b);
const stricterAsk = (a: ExecAsk, b: ExecAsk): ExecAsk => (ASK_RANK[a] >= ASK_RANK[b] ? a : b);

/**
 * The host approvals file only tightens what config requests: each of security and ask is the
 * stricter of the two, and a field the file omits takes the config value. `askFallback` is a
 * host setting (config may add one; then the stricter wins). Per-agent file settings beat the
 * `*` agent, which beats `defaults`; allowlists of the agent and of `*` both apply.
 */
export function effectiveExecPolicy(requested: RequestedExecPolicy, snapshot: ApprovalsSnapshot, agentId: string): ExecPolicy {
  const agents = snapshot.file.agents ?? {};
  const layers = [agents[agentId], agents["*"], snapshot.file.defaults];
  const pick = <K extends keyof PolicyOverrides>(key: K): PolicyOverrides[K] => layers.find((layer) => layer?.[key] !== undefined)?.[key];
  const host: PolicyOverrides = {};
  for (const key of ["security", "ask", "askFallback", "autoAllowSkills"] as const) {
    const value = pick(key);
    if (value !== undefined) (host as Record<string, unknown>)[key] = value;
  }
  const configSecurity = requested.security ?? GATEWAY_HOST_DEFAULTS.security;
  const configAsk = requested.ask ?? GATEWAY_HOST_DEFAULTS.ask;
  const fallback = host.askFallback && requested.askFallback ? stricterSecurity(host.askFallback, requested.askFallback) : (host.askFallback ?? requested.askFallback ?? GATEWAY_HOST_DEFAULTS.askFallback);
  const allowlist = [...(agents[agentId]?.allowlist ?? []), ...(agentId !== "*" ? (agents["*"]?.allowlist ?? []) : [])];
  const policy: ExecPolicy = {
    security: host.security ? stricterSecurity(configSecurity, host.security) : configSecurity,
    ask: host.ask ? stricterAsk(configAsk, host.ask) : configAsk,
    askFallback: fallback,
    allowlist,
    requested,
    host,
  };
  if (snapshot.problem) return { ...policy, security: "deny", problem: snapshot.problem };
  return policy;
}

/** What policy alone says about a command: run it, refuse it, or ask the owner. */
export type PolicyDecision =
  | { outcome: "allow"; via: "full" | "allowlist" }
  | { outcome: "refuse"; via: "security-deny" | "allowlist-miss"; message: string }
  | { outcome: "ask"; reason: "on-miss" | "always" };

/** The allowlist only matters in allowlist mode, or for an `askFallback` when every command asks. */
export function needsAnalysis(policy: ExecPolicy): boolean {
  return policy.security === "allowlist" || (policy.security === "full" && policy.ask === "always");
}

export function preview(commandText: string): string {
  const oneLine = commandText.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 199)}…` : oneLine;
}

function missMessage(policy: ExecPolicy, analysis: CommandAnalysis | null, commandText: string): string {
  const why = analysis?.unsplittable
    ? `allowlist mode runs only plain commands and this one contains ${analysis.unsplittable}`
    : `${analysis?.segments.filter((s) => !s.entry).map((s) => s.argv[0]).join(", ") || "the program"} is not on the owner's exec allowlist`;
  const allowed = [...new Set(policy.allowlist.filter((e) => e.source !== "allow-always").map((e) => e.pattern))].slice(0, 10);
  const hint = allowed.length > 0 ? ` Allowlisted programs: ${allowed.join(", ")}.` : "";
  return `exec refused: ${why}, so the command was not run: ${preview(commandText)}.${hint}`;
}

export function decideCommand(policy: ExecPolicy, analysis: CommandAnalysis | null, commandText: string): PolicyDecision {
  if (policy.security === "deny") {
    const why = policy.problem ? `the exec approvals file cannot be used (${policy.problem})` : "the owner's exec policy blocks host commands (security=deny)";
    return { outcome: "refuse", via: "security-deny", message: `exec refused: ${why}; the command was not run. Do not retry it.` };
  }
  if (policy.ask === "always") return { outcome: "ask", reason: "always" };
  if (policy.security === "full") return { outcome: "allow", via: "full" };
  if (analysis?.allowlisted) return { outcome: "allow", via: "allowlist" };
  if (policy.ask === "off") return { outcome: "refuse", via: "allowlist-miss", message: missMessage(policy, analysis, commandText) };
  return { outcome: "ask", reason: "on-miss" };
}

/**
 * What happens to a command that needed approval when nobody can answer (no approval client,
 * an HTTP call, or the request expired): `askFallback` caps security, so `full` runs it as the
 * active policy would without the prompt, `allowlist` runs it only if allowlisted, `deny` refuses.
 */
export function fallbackVerdict(policy: ExecPolicy, analysis: CommandAnalysis | null, refusal: { via: "security-deny" | "expired"; message: string }): CommandVerdict {
  const level = stricterSecurity(policy.security, policy.askFallback);
  if (level === "full") return { allowed: true, via: "full" };
  if (level === "allowlist" && analysis?.allowlisted) return { allowed: true, via: "allowlist" };
  const via = refusal.via === "expired" ? "expired" : analysis && !analysis.allowlisted && policy.security === "allowlist" ? "allowlist-miss" : "security-deny";
  return { allowed: false, via, message: refusal.message, requiresApproval: true };
}
