import { isDeepStrictEqual } from "node:util";
import { isPlainObject } from "./objects.js";

export type ReloadKind = "none" | "hot" | "restart";
export type ReloadAction = "reloadHooks" | "restartGmailWatcher" | "restartHeartbeat" | "restartCron" | "reloadPlugins" | `restartChannel:${string}`;

type Rule = { prefix: string; kind: ReloadKind; actions?: ReloadAction[] };

const none = (...prefixes: string[]): Rule[] => prefixes.map((prefix) => ({ prefix, kind: "none" }));
const hot = (actions: ReloadAction[], ...prefixes: string[]): Rule[] => prefixes.map((prefix) => ({ prefix, kind: "hot", actions }));
const restart = (...prefixes: string[]): Rule[] => prefixes.map((prefix) => ({ prefix, kind: "restart" }));

/** Which config paths a running gateway can take without a restart (most specific rule wins). */
const RULES: Rule[] = [
  ...none("gateway.remote", "gateway.reload", "meta", "identity", "wizard", "logging", "agents", "bindings", "audio", "agent", "routing", "messages", "session", "talk", "skills", "secrets", "tui", "ui", "$schema"),
  ...restart("gateway", "discovery", "gateway.auth.token", "gateway.auth.password", "mcp.apps", "secrets.egressProxy", "gateway.portals"),
  ...hot(
    [],
    "gateway.http.endpoints",
    "gateway.http.securityHeaders.strictTransportSecurity",
    "gateway.tools",
    "gateway.cliAgents",
    "gateway.controlUi",
    "gateway.nodes",
    "gateway.push.apns.relay",
    "gateway.terminal",
    "gateway.auth.rateLimit",
    "gateway.auth.allowTailscale",
    "gateway.auth.identityScopes",
    "gateway.auth.trustedProxy",
    "gateway.roles",
    "gateway.trustedProxies",
    "gateway.allowRealIpFallback",
    "diagnostics.enabled",
    "discovery.mdns.mode",
    "agents.defaults",
    "tools",
    "update.checkOnStart",
    "update.channel",
    "update.auto.enabled",
  ),
  ...hot(["restartGmailWatcher", "reloadHooks"], "hooks.gmail"),
  ...hot(["reloadHooks"], "hooks", "agents.defaults.workspace"),
  ...hot(["restartHeartbeat"], "agents.defaults.heartbeat", "agents.defaults.models", "agents.defaults.model", "models", "agent.heartbeat", "agents.entries"),
  ...hot(["restartCron"], "cron"),
  ...hot(["reloadPlugins"], "plugins", "plugins.load", "plugins.installs"),
];

function segments(path: string): string[] {
  return path.split(".");
}

function ruleMatches(rule: Rule, path: string): boolean {
  const r = segments(rule.prefix);
  const p = segments(path);
  if (p.length < r.length) return false;
  return r.every((seg, i) => seg === "*" || seg === p[i]);
}

function mostSpecificRule(path: string): Rule | undefined {
  let best: Rule | undefined;
  for (const rule of RULES) {
    if (!ruleMatches(rule, path)) continue;
    if (!best) best = rule;
    else {
      const a = segments(rule.prefix);
      const b = segments(best.prefix);
      const wild = (s: string[]) => s.filter((x) => x === "*").length;
      if (a.length > b.length || (a.length === b.length && wild(a) < wild(b))) best = rule;
    }
  }
  return best;
}

/** Dotted paths whose values differ (down to leaves, also for added or removed sections); arrays are compared whole. */
export function diffConfigPaths(prev: unknown, next: unknown, prefix = ""): string[] {
  if (prev === undefined && isPlainObject(next)) prev = {};
  if (next === undefined && isPlainObject(prev)) next = {};
  if (isPlainObject(prev) && isPlainObject(next)) {
    const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
    return [...keys].sort().flatMap((key) => diffConfigPaths(prev[key], next[key], prefix ? `${prefix}.${key}` : key));
  }
  return isDeepStrictEqual(prev, next) ? [] : [prefix || "<root>"];
}

export type ReloadPlan = {
  changedPaths: string[];
  restartGateway: boolean;
  restartReasons: string[];
  hotReasons: string[];
  noopPaths: string[];
  actions: ReloadAction[];
  /** Only the shared token or password changed: rotate it live and drop clients that used the old one. */
  authRotation: boolean;
};

function isAuthSecretPath(path: string): boolean {
  return path === "gateway.auth.token" || path === "gateway.auth.password";
}

/** Classifies a config change: nothing to do, apply live (with subsystem restarts), or restart the gateway. */
export function planReload(prev: unknown, next: unknown): ReloadPlan {
  const changedPaths = diffConfigPaths(prev, next);
  const plan: ReloadPlan = { changedPaths, restartGateway: false, restartReasons: [], hotReasons: [], noopPaths: [], actions: [], authRotation: false };
  const actions = new Set<ReloadAction>();
  const modeChanged = changedPaths.includes("gateway.auth.mode");
  for (const path of changedPaths) {
    if (isAuthSecretPath(path) && !modeChanged) {
      plan.authRotation = true;
      plan.hotReasons.push(path);
      continue;
    }
    const channel = /^channels\.([^.]+)/.exec(path);
    if (channel && channel[1] !== "defaults") {
      plan.hotReasons.push(path);
      actions.add(`restartChannel:${channel[1]}`);
      continue;
    }
    const rule = mostSpecificRule(path);
    if (!rule || rule.kind === "restart") {
      plan.restartGateway = true;
      plan.restartReasons.push(path);
    } else if (rule.kind === "none") {
      plan.noopPaths.push(path);
    } else {
      plan.hotReasons.push(path);
      for (const action of rule.actions ?? []) actions.add(action);
    }
  }
  plan.actions = [...actions];
  return plan;
}

/** The one-line hint the CLI prints after writing the config. */
export function describePlan(plan: ReloadPlan): string {
  if (plan.changedPaths.length === 0) return "No change";
  if (plan.restartGateway) return "Restart the gateway to apply.";
  if (plan.hotReasons.length > 0) return "Change will apply without restarting the gateway.";
  return "No gateway restart needed.";
}
