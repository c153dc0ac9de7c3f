import type { AccessConfig, DmPolicy, GroupConfig, GroupPolicy } from "./types.js";

export const DEFAULT_ACCOUNT_ID = "default";

export type AccountSection = { accountId: string; settings: Record<string, unknown> };

/** `Ops Bot` → `ops-bot`: account ids are lowercase words joined by dashes. */
export function normalizeAccountId(raw: string): string {
  return raw.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || DEFAULT_ACCOUNT_ID;
}

/**
 * The accounts of one `channels.<id>` section. Top-level settings are the `default` account when
 * there is no `accounts` map (or it names `default`); each `accounts.<id>` inherits the top-level
 * settings, except `groups`, which an account replaces whole.
 * The default account is `defaultAccount`, else one named `default`, else the first id in order.
 */
export function accountSections(section: Record<string, unknown>): { accounts: AccountSection[]; defaultAccountId: string } {
  const { accounts: rawAccounts, defaultAccount, ...base } = section;
  const named = rawAccounts && typeof rawAccounts === "object" && !Array.isArray(rawAccounts) ? (rawAccounts as Record<string, unknown>) : {};
  const accounts: AccountSection[] = [];
  for (const [rawId, value] of Object.entries(named)) {
    if (!value || typeof value !== "object") continue;
    const own = value as Record<string, unknown>;
    const settings: Record<string, unknown> = { ...base, ...own };
    if ("groups" in own) settings.groups = own.groups;
    accounts.push({ accountId: normalizeAccountId(rawId), settings });
  }
  if (accounts.length === 0) accounts.push({ accountId: DEFAULT_ACCOUNT_ID, settings: { ...base } });
  accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const wanted = typeof defaultAccount === "string" ? normalizeAccountId(defaultAccount) : null;
  const defaultAccountId =
    (wanted && accounts.some((a) => a.accountId === wanted) && wanted) ||
    (accounts.some((a) => a.accountId === DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : accounts[0].accountId);
  return { accounts, defaultAccountId };
}

const DM_POLICIES: readonly DmPolicy[] = ["pairing", "allowlist", "open", "disabled"];
const GROUP_POLICIES: readonly GroupPolicy[] = ["allowlist", "open", "disabled"];

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string | number => typeof v === "string" || typeof v === "number").map(String);
}

/**
 * The access settings of one account's merged settings, with OpenClaw's defaults: DMs need
 * pairing, groups must be listed. `normalize` is the channel's allowlist normalizer.
 */
export function accessFrom(settings: Record<string, unknown>, normalize: (raw: string) => string): AccessConfig {
  const dmPolicy = DM_POLICIES.includes(settings.dmPolicy as DmPolicy) ? (settings.dmPolicy as DmPolicy) : "pairing";
  const groupPolicy = GROUP_POLICIES.includes(settings.groupPolicy as GroupPolicy) ? (settings.groupPolicy as GroupPolicy) : "allowlist";
  const groups = groupsFrom(settings.groups);
  const groupAllowFrom = stringList(settings.groupAllowFrom)?.map(normalize);
  const mentionPatterns = stringList(settings.mentionPatterns);
  return {
    dmPolicy,
    allowFrom: (stringList(settings.allowFrom) ?? []).map((entry) => (entry === "*" ? "*" : normalize(entry))),
    groupPolicy,
    ...(groupAllowFrom ? { groupAllowFrom } : {}),
    groups,
    ...(mentionPatterns ? { mentionPatterns } : {}),
    ...(typeof settings.responsePrefix === "string" ? { responsePrefix: settings.responsePrefix } : {}),
    ...(typeof settings.historyLimit === "number" ? { historyLimit: settings.historyLimit } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** Per-group settings with the types core relies on; values of other types are left out, not trusted. */
function groupsFrom(raw: unknown): Record<string, GroupConfig> {
  if (!isObject(raw)) return {};
  const out: Record<string, GroupConfig> = {};
  for (const [id, value] of Object.entries(raw)) {
    if (!isObject(value)) continue;
    const group: GroupConfig = {};
    if (typeof value.requireMention === "boolean") group.requireMention = value.requireMention;
    if (typeof value.enabled === "boolean") group.enabled = value.enabled;
    if (typeof value.systemPrompt === "string") group.systemPrompt = value.systemPrompt;
    const allowFrom = stringList(value.allowFrom);
    if (allowFrom) group.allowFrom = allowFrom;
    if ("tools" in value) group.tools = value.tools;
    if (isObject(value.topics)) {
      group.topics = {};
      for (const [topicId, topic] of Object.entries(value.topics)) {
        if (!isObject(topic)) continue;
        group.topics[topicId] = {
          ...(typeof topic.requireMention === "boolean" ? { requireMention: topic.requireMention } : {}),
          ...(typeof topic.enabled === "boolean" ? { enabled: topic.enabled } : {}),
          ...(typeof topic.agentId === "string" ? { agentId: topic.agentId } : {}),
          ...(typeof topic.systemPrompt === "string" ? { systemPrompt: topic.systemPrompt } : {}),
        };
      }
    }
    out[id] = group;
  }
  return out;
}

/** `textChunkLimit` from settings, clamped to what the platform takes. */
export function chunkLimitFrom(settings: Record<string, unknown>, fallback: number, max: number): number {
  const raw = settings.textChunkLimit;
  return typeof raw === "number" && Number.isInteger(raw) && raw >= 16 ? Math.min(raw, max) : fallback;
}
