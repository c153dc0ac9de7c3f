import { isPlainObject } from "../../config/objects.js";
import type { GatewayConfig } from "../../config/schema.js";
import { agentEntry } from "../agent-config.js";
import { sessionSandboxed } from "./sandbox-mode.js";
import type { ToolSurface } from "./types.js";

/** OpenClaw's tool groups, as far as they name tools; `group:<name>` in a list means all of them. */
export const TOOL_GROUPS: Record<string, string[]> = {
  runtime: ["exec", "process", "code_execution"],
  fs: ["read", "write", "edit", "apply_patch"],
  sessions: ["sessions", "sessions_list", "sessions_history", "sessions_search", "sessions_send", "sessions_spawn", "sessions_yield", "subagents", "session_status"],
  memory: ["memory_search", "memory_get"],
  web: ["web_search", "x_search", "web_fetch"],
  ui: ["browser", "screen", "theme", "dashboard", "terminal", "portal", "canvas", "show_widget"],
  automation: ["heartbeat_respond", "automations", "cron", "gateway", "plugins", "openclaw"],
  messaging: ["message"],
  nodes: ["nodes", "computer"],
  agents: ["agents_list", "get_goal", "create_goal", "update_goal", "progress_card", "ask_user", "skill_workshop"],
  media: ["view_image", "image_generate", "music_generate", "video_generate", "tts", "pdf"],
};

export const TOOL_PROFILES = ["minimal", "coding", "messaging", "full"] as const;
export type ToolProfile = (typeof TOOL_PROFILES)[number];

/** What each profile selects before allow/deny; `full` (and no profile) selects everything. */
const PROFILE_ENTRIES: Record<Exclude<ToolProfile, "full">, string[]> = {
  minimal: ["session_status"],
  coding: ["group:fs", "group:runtime", "group:web", "group:sessions", "group:memory", "cron", "ask_user", "view_image"],
  messaging: ["group:messaging", "sessions_list", "sessions_history", "sessions_search", "sessions_send", "sessions_spawn", "subagents", "session_status", "ask_user"],
};

/** Never reachable over `POST /tools/invoke` unless `gateway.tools.allow` names them. */
export const HTTP_HARD_DENY = ["exec", "spawn", "shell", "fs_write", "fs_delete", "fs_move", "apply_patch", "sessions_spawn", "sessions_send", "cron", "gateway", "nodes"];

const ALIASES: Record<string, string> = { bash: "exec", automations: "cron" };

/** One allow/deny layer as configured (`tools`, `agents.entries.<id>.tools`, a group's `tools` …). */
type Layer = { where: string; profile?: ToolProfile; allow?: string[]; alsoAllow?: string[]; deny?: string[] };

/** Where a tool call happens, as far as policy cares (`policyContext` builds one). */
export type PolicyContext = {
  agentId: string;
  sessionKey: string;
  sandboxed: boolean;
  surface: ToolSurface;
  /** `provider` and `provider/model` of the run's model, for `tools.byProvider`. */
  provider?: string;
  model?: string;
};

export type PolicyDecision = { allowed: true } | { allowed: false; reason: string };

/** The policy context of a call in a session; `external` marks runs started by outside systems (hooks). */
export function policyContext(config: GatewayConfig, where: { agentId: string; sessionKey: string; surface: ToolSurface; provider?: string; model?: string; external?: boolean }): PolicyContext {
  const { external, ...rest } = where;
  return { ...rest, sandboxed: sessionSandboxed(config, where.agentId, where.sessionKey, external) };
}

/** What makes two contexts decide alike: everything but the session key, except a channel conversation's. */
export function policyKey(ctx: PolicyContext): string {
  const conversation = CONVERSATION_KEY.exec(ctx.sessionKey);
  return [ctx.agentId, ctx.sandboxed, ctx.surface, ctx.provider ?? "", ctx.model ?? "", conversation ? conversation.slice(1).join(":") : ""].join("|");
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim().toLowerCase()) : undefined;
}

function layerOf(value: unknown, where: string): Layer | null {
  if (!isPlainObject(value)) return null;
  const raw = value as Record<string, unknown>;
  const profile = typeof raw.profile === "string" && (TOOL_PROFILES as readonly string[]).includes(raw.profile) ? (raw.profile as ToolProfile) : undefined;
  return { where, profile, allow: strings(raw.allow), alsoAllow: strings(raw.alsoAllow), deny: strings(raw.deny) };
}

/** The tool a name means: lowercase, with OpenClaw's aliases (`bash` is `exec`). */
export function canonicalToolName(name: string): string {
  const lower = name.trim().toLowerCase();
  return ALIASES[lower] ?? lower;
}

/** Whether a list entry (`exec`, `group:fs`, `web_*`, `*`) covers a tool. */
function covers(entry: string, tool: string): boolean {
  if (entry.startsWith("group:")) return (TOOL_GROUPS[entry.slice(6)] ?? []).includes(tool);
  const wanted = canonicalToolName(entry);
  if (!wanted.includes("*")) return wanted === tool;
  const pattern = new RegExp(`^${wanted.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return pattern.test(tool);
}

const anyCovers = (list: string[] | undefined, tool: string) => list?.some((e) => covers(e, tool)) ?? false;

/** `agent:<id>:<channel>:group:<peer>` → the channel's per-group or per-DM `tools` layer, if configured. */
const CONVERSATION_KEY = /^agent:[^:]+:([^:]+):(?:[^:]+:)?(group|channel|direct):([^:]+)/;

function conversationLayer(config: GatewayConfig, sessionKey: string): Layer | null {
  const match = CONVERSATION_KEY.exec(sessionKey);
  if (!match) return null;
  const [, channel, kind, peer] = match;
  const channelConfig = (config.channels as Record<string, unknown> | undefined)?.[channel];
  if (!isPlainObject(channelConfig)) return null;
  const section = (channelConfig as Record<string, unknown>)[kind === "direct" ? "direct" : "groups"];
  if (!isPlainObject(section)) return null;
  const entries = section as Record<string, unknown>;
  const entry = entries[peer] ?? entries["*"];
  return isPlainObject(entry) ? layerOf((entry as Record<string, unknown>).tools, `channels.${channel}.${kind === "direct" ? "direct" : "groups"}.${peer}.tools`) : null;
}

function agentTools(config: GatewayConfig, agentId: string): Record<string, unknown> | undefined {
  const tools = agentEntry(config, agentId)?.tools;
  return isPlainObject(tools) ? (tools as Record<string, unknown>) : undefined;
}

function providerLayer(tools: Record<string, unknown> | undefined, ctx: PolicyContext, where: string): Layer | null {
  const byProvider = tools?.byProvider;
  if (!isPlainObject(byProvider) || !ctx.provider) return null;
  const table = byProvider as Record<string, unknown>;
  const key = ctx.model && table[`${ctx.provider}/${ctx.model}`] !== undefined ? `${ctx.provider}/${ctx.model}` : ctx.provider;
  return layerOf(table[key], `${where}.byProvider.${key}`);
}

/** The layers that apply to one call, most general first. */
function layersFor(config: GatewayConfig, ctx: PolicyContext): Layer[] {
  const globalTools = isPlainObject(config.tools) ? (config.tools as Record<string, unknown>) : undefined;
  const perAgent = agentTools(config, ctx.agentId);
  const sandboxTools = isPlainObject(globalTools?.sandbox) ? (globalTools!.sandbox as Record<string, unknown>).tools : undefined;
  const layers = [
    layerOf(globalTools, "tools"),
    providerLayer(globalTools, ctx, "tools"),
    layerOf(perAgent, `agents.entries.${ctx.agentId}.tools`),
    providerLayer(perAgent, ctx, `agents.entries.${ctx.agentId}.tools`),
    ctx.sandboxed ? layerOf(sandboxTools, "tools.sandbox.tools") : null,
    conversationLayer(config, ctx.sessionKey),
  ];
  return layers.filter((l): l is Layer => l !== null);
}

function httpExposure(config: GatewayConfig, tool: string): PolicyDecision {
  const gatewayTools = (config.gateway?.tools ?? {}) as Record<string, unknown>;
  if (anyCovers(strings(gatewayTools.deny), tool)) return { allowed: false, reason: "gateway.tools.deny" };
  if (HTTP_HARD_DENY.includes(tool) && !anyCovers(strings(gatewayTools.allow), tool)) return { allowed: false, reason: "the HTTP hard-deny list (gateway.tools.allow can lift it)" };
  return { allowed: true };
}

/**
 * Whether a tool may be offered or called here. The profile selects a base set; each layer's
 * `allow` narrows, `alsoAllow` widens what the profile selected, and a `deny` in any layer wins.
 */
export function toolAllowed(config: GatewayConfig, ctx: PolicyContext, toolName: string): PolicyDecision {
  const tool = canonicalToolName(toolName);
  const layers = layersFor(config, ctx);
  for (const layer of layers) if (anyCovers(layer.deny, tool)) return { allowed: false, reason: `${layer.where}.deny` };
  if (ctx.surface === "http") {
    const exposure = httpExposure(config, tool);
    if (!exposure.allowed) return exposure;
  }
  const profileLayer = [...layers].reverse().find((l) => l.profile);
  if (profileLayer?.profile && profileLayer.profile !== "full") {
    const selected = PROFILE_ENTRIES[profileLayer.profile].some((e) => covers(e, tool)) || layers.some((l) => anyCovers(l.alsoAllow, tool));
    if (!selected) return { allowed: false, reason: `${profileLayer.where}.profile (${profileLayer.profile})` };
  }
  for (const layer of layers) {
    if (layer.allow && layer.allow.length > 0 && !anyCovers(layer.allow, tool) && !anyCovers(layer.alsoAllow, tool)) return { allowed: false, reason: `${layer.where}.allow` };
  }
  return { allowed: true };
}
