import { Type, type Static } from "@sinclair/typebox";
import type { ConfigIssue, GatewayConfig } from "../../config/schema.js";
import { isPlainObject } from "../../config/objects.js";
import { compileSchema } from "../../protocol/validate.js";
import { isTemplate } from "./template.js";
import { keyAllowedByPrefixes, normalisedPrefixes } from "./session-policy.js";

export const DEFAULT_HOOKS_PATH = "/hooks";
export const DEFAULT_HOOK_BODY_BYTES = 256 * 1024;
/** The most a mapping may raise its body cap to (OpenClaw's own ceiling for Gmail batches). */
export const MAX_HOOK_BODY_BYTES = 32 * 1024 * 1024;

export const WAKE_MODES = ["now", "next-heartbeat"] as const;
export const SESSION_MODES = ["isolated", "persistent"] as const;
export type WakeMode = (typeof WAKE_MODES)[number];
export type SessionMode = (typeof SESSION_MODES)[number];

const Opt = Type.Optional;
const Str = Type.String();
const Enum = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const MappingSchema = Type.Object(
  {
    id: Opt(Type.String({ minLength: 1 })),
    match: Opt(Type.Object({ path: Opt(Str), source: Opt(Str) }, { additionalProperties: false })),
    action: Opt(Enum(["wake", "agent"] as const)),
    wakeMode: Opt(Enum(WAKE_MODES)),
    name: Opt(Str),
    agentId: Opt(Str),
    sessionKey: Opt(Str),
    sessionMode: Opt(Enum(SESSION_MODES)),
    messageTemplate: Opt(Str),
    textTemplate: Opt(Str),
    // A top-level payload key only: no nesting and nothing that reaches the prototype.
    forEach: Opt(Type.String({ pattern: "^(?!__proto__$|constructor$|prototype$)[A-Za-z0-9_$-]+$" })),
    deliver: Opt(Type.Boolean()),
    channel: Opt(Str),
    to: Opt(Str),
    model: Opt(Str),
    thinking: Opt(Str),
    timeoutSeconds: Opt(Type.Integer({ minimum: 1 })),
    allowUnsafeExternalContent: Opt(Type.Boolean()),
    maxBodyBytes: Opt(Type.Integer({ minimum: 1, maximum: MAX_HOOK_BODY_BYTES })),
    transform: Opt(Type.Object({ module: Str, export: Opt(Str) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** Open at the top: `gmail`, `internal` and friends belong to other subsystems. */
const HooksSchema = Type.Object({
  enabled: Opt(Type.Boolean()),
  token: Opt(Str),
  path: Opt(Str),
  defaultSessionKey: Opt(Str),
  allowRequestSessionKey: Opt(Type.Boolean()),
  allowedSessionKeyPrefixes: Opt(Type.Array(Str)),
  allowedAgentIds: Opt(Type.Array(Str)),
  presets: Opt(Type.Array(Str)),
  transformsDir: Opt(Str),
  mappings: Opt(Type.Array(MappingSchema)),
});

type RawHooks = Static<typeof HooksSchema>;
type RawMapping = Static<typeof MappingSchema>;

const hooksValidator = compileSchema(HooksSchema);

export type HookMapping = {
  /** `mapping-<index>` unless configured: names the mapping in logs and run sources. */
  id: string;
  /** Sub-path after the base path, without leading or trailing slashes. */
  matchPath?: string;
  /** Exact value of the payload's string `source` field. */
  matchSource?: string;
  action: "wake" | "agent";
  wakeMode: WakeMode;
  name?: string;
  agentId?: string;
  sessionKey?: string;
  sessionMode: SessionMode;
  messageTemplate?: string;
  textTemplate?: string;
  forEach?: string;
  deliver: boolean;
  channel: string;
  to?: string;
  model?: string;
  thinking?: string;
  timeoutSeconds?: number;
  allowUnsafeExternalContent: boolean;
  maxBodyBytes?: number;
  /** JS/TS transform modules are not supported: a mapping with one answers 500. */
  hasTransform: boolean;
};

/** `hooks.*` with defaults applied, as the ingress route uses it. */
export type HooksConfig = {
  token: string;
  basePath: string;
  defaultSessionKey?: string;
  allowRequestSessionKey: boolean;
  /** Lowercase, blanks dropped; empty means unrestricted. */
  allowedSessionKeyPrefixes: string[];
  /** Lowercase ids, or every agent (omitted or containing `*`). */
  allowedAgentIds: string[] | "all";
  mappings: HookMapping[];
};

/** `gmail` → `/gmail` → matches; leading and trailing slashes do not count. */
export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/** A leading slash added and trailing ones removed; `/` stays `/` (and is refused by validation). */
export function normaliseBasePath(path: string | undefined): string {
  if (path === undefined) return DEFAULT_HOOKS_PATH;
  const trimmed = path.trim().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

function mappingIssues(mapping: RawMapping, index: number, hooks: RawHooks): ConfigIssue[] {
  const at = `hooks.mappings.${index}`;
  const issues: ConfigIssue[] = [];
  const prefixes = normalisedPrefixes(hooks.allowedSessionKeyPrefixes);
  const key = mapping.sessionKey?.trim();
  if (key && isTemplate(key) && prefixes.length === 0) {
    issues.push({ path: `${at}.sessionKey`, message: "a templated sessionKey requires hooks.allowedSessionKeyPrefixes" });
  }
  if (key && !isTemplate(key) && !keyAllowedByPrefixes(key, prefixes)) {
    issues.push({ path: `${at}.sessionKey`, message: "sessionKey does not match hooks.allowedSessionKeyPrefixes" });
  }
  if (mapping.sessionMode === "persistent" && !key && !hooks.defaultSessionKey?.trim()) {
    issues.push({ path: `${at}.sessionMode`, message: "persistent mode requires a mapping sessionKey or hooks.defaultSessionKey" });
  }
  return issues;
}

/** The problems of a `hooks` section, with dotted paths (`hooks.token`); empty when it is fine. */
export function hooksConfigIssues(hooks: unknown): ConfigIssue[] {
  if (hooks === undefined) return [];
  const problems = hooksValidator.problems(hooks);
  if (problems.length > 0) {
    return problems.map((problem) => {
      const split = problem.indexOf(": ");
      const pointer = problem.slice(0, split);
      return { path: pointer === "/" ? "hooks" : `hooks${pointer.split("/").join(".")}`, message: problem.slice(split + 2) };
    });
  }
  const raw = hooks as RawHooks;
  const issues: ConfigIssue[] = [];
  if (raw.enabled === true && !raw.token?.trim()) issues.push({ path: "hooks.token", message: "hooks.enabled requires hooks.token" });
  if (normaliseBasePath(raw.path) === "/") issues.push({ path: "hooks.path", message: 'hooks.path may not be "/"' });
  const defaultKey = raw.defaultSessionKey?.trim();
  if (defaultKey && !keyAllowedByPrefixes(defaultKey, normalisedPrefixes(raw.allowedSessionKeyPrefixes))) {
    issues.push({ path: "hooks.defaultSessionKey", message: "hooks.defaultSessionKey does not match hooks.allowedSessionKeyPrefixes" });
  }
  (raw.mappings ?? []).forEach((mapping, index) => issues.push(...mappingIssues(mapping, index, raw)));
  return issues;
}

function resolveMapping(raw: RawMapping, index: number): HookMapping {
  const matchPath = raw.match?.path === undefined ? undefined : trimSlashes(raw.match.path.trim());
  return {
    id: raw.id ?? `mapping-${index}`,
    ...(matchPath ? { matchPath } : {}),
    ...(raw.match?.source !== undefined ? { matchSource: raw.match.source } : {}),
    action: raw.action ?? "agent",
    wakeMode: raw.wakeMode ?? "now",
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    ...(raw.agentId?.trim() ? { agentId: raw.agentId.trim().toLowerCase() } : {}),
    ...(raw.sessionKey?.trim() ? { sessionKey: raw.sessionKey.trim() } : {}),
    sessionMode: raw.sessionMode ?? "isolated",
    ...(raw.messageTemplate !== undefined ? { messageTemplate: raw.messageTemplate } : {}),
    ...(raw.textTemplate !== undefined ? { textTemplate: raw.textTemplate } : {}),
    ...(raw.forEach !== undefined ? { forEach: raw.forEach } : {}),
    deliver: raw.deliver !== false,
    channel: raw.channel?.trim() || "last",
    ...(raw.to !== undefined ? { to: raw.to } : {}),
    ...(raw.model !== undefined ? { model: raw.model } : {}),
    ...(raw.thinking !== undefined ? { thinking: raw.thinking } : {}),
    ...(raw.timeoutSeconds !== undefined ? { timeoutSeconds: raw.timeoutSeconds } : {}),
    allowUnsafeExternalContent: raw.allowUnsafeExternalContent === true,
    ...(raw.maxBodyBytes !== undefined ? { maxBodyBytes: raw.maxBodyBytes } : {}),
    hasTransform: raw.transform !== undefined,
  };
}

function resolve(raw: unknown): HooksConfig | null {
  if (!isPlainObject(raw) || raw.enabled !== true || hooksConfigIssues(raw).length > 0) return null;
  const hooks = raw as RawHooks;
  const agentIds = hooks.allowedAgentIds?.map((id) => id.trim().toLowerCase()).filter((id) => id !== "");
  return {
    token: hooks.token!.trim(),
    basePath: normaliseBasePath(hooks.path),
    ...(hooks.defaultSessionKey?.trim() ? { defaultSessionKey: hooks.defaultSessionKey.trim() } : {}),
    allowRequestSessionKey: hooks.allowRequestSessionKey === true,
    allowedSessionKeyPrefixes: normalisedPrefixes(hooks.allowedSessionKeyPrefixes),
    allowedAgentIds: agentIds === undefined || agentIds.includes("*") ? "all" : agentIds,
    mappings: (hooks.mappings ?? []).map(resolveMapping),
  };
}

// Snapshots are immutable and replaced whole on reload, so one resolution per snapshot is enough.
const resolved = new WeakMap<object, HooksConfig | null>();

/** The live hooks settings, or null when hooks are off. Read per request, so reloads apply at once. */
export function resolveHooksConfig(config: Readonly<GatewayConfig>): HooksConfig | null {
  let hooks = resolved.get(config);
  if (hooks === undefined) {
    hooks = resolve(config.hooks);
    resolved.set(config, hooks);
  }
  return hooks;
}

/** The start-up warning for a hook token that is also the gateway's shared secret, else null. */
export function hooksTokenReuseWarning(config: Readonly<GatewayConfig>, gatewaySecrets: { token?: string; password?: string }): string | null {
  const hooks = resolveHooksConfig(config);
  if (!hooks) return null;
  const reused = [gatewaySecrets.token, gatewaySecrets.password].some((secret) => secret !== undefined && secret !== "" && secret === hooks.token);
  return reused
    ? "hooks.token matches the gateway auth secret; anyone holding the hook token is a full operator. Use a separate long random hooks.token."
    : null;
}
