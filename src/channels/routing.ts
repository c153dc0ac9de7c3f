import type { GatewayConfig } from "../config/schema.js";
import { DEFAULT_ACCOUNT_ID } from "./accounts.js";
import type { ChatType } from "./types.js";

export type DmScope = "main" | "per-peer" | "per-channel-peer" | "per-account-channel-peer";
const DM_SCOPES: readonly DmScope[] = ["main", "per-peer", "per-channel-peer", "per-account-channel-peer"];

export type Peer = { kind: ChatType; id: string };
export type Route = { agentId: string; sessionKey: string; matchedBy: "peer" | "peer-wildcard" | "account" | "channel" | "default" };

type Binding = {
  agentId?: unknown;
  match?: { channel?: unknown; accountId?: unknown; peer?: { kind?: unknown; id?: unknown } };
  session?: { dmScope?: unknown; groupScope?: unknown };
};

function bindingsOf(config: GatewayConfig): Binding[] {
  const raw = (config as { bindings?: unknown }).bindings;
  return Array.isArray(raw) ? raw.filter((b): b is Binding => !!b && typeof b === "object") : [];
}

/** Leaving `accountId` out means the default account only; "*" means every account. */
function accountMatches(binding: Binding, accountId: string, defaultAccountId: string): boolean {
  const wanted = binding.match?.accountId;
  if (wanted === "*") return true;
  if (wanted === undefined || wanted === null) return accountId === defaultAccountId;
  return String(wanted).toLowerCase() === accountId;
}

function peerKindMatches(kind: unknown, peer: Peer): boolean {
  return kind === undefined || kind === peer.kind || (kind === "group" && peer.kind === "channel");
}

/**
 * The agent for a message: exact peer, peer wildcard, account, then channel-wide bindings (first
 * binding in config order within a tier), else the default agent. `knownAgent` filters bindings
 * naming agents that no longer exist.
 */
export function routeMessage(
  config: GatewayConfig,
  at: { channel: string; accountId: string; defaultAccountId: string; peer: Peer; threadId?: string; topicAgentId?: string },
  agents: { defaultAgentId: string; known(agentId: string): boolean },
): Route {
  const candidates = bindingsOf(config).filter(
    (b) => typeof b.agentId === "string" && agents.known(b.agentId.toLowerCase()) && b.match?.channel === at.channel,
  );
  const tiers: Array<[Route["matchedBy"], (b: Binding) => boolean]> = [
    ["peer", (b) => !!b.match?.peer && b.match.peer.id !== "*" && peerKindMatches(b.match.peer.kind, at.peer) && String(b.match.peer.id).toLowerCase() === at.peer.id.toLowerCase() && accountMatches(b, at.accountId, at.defaultAccountId)],
    ["peer-wildcard", (b) => !!b.match?.peer && b.match.peer.id === "*" && peerKindMatches(b.match.peer.kind, at.peer) && accountMatches(b, at.accountId, at.defaultAccountId)],
    ["account", (b) => !b.match?.peer && b.match?.accountId !== undefined && b.match.accountId !== "*" && accountMatches(b, at.accountId, at.defaultAccountId)],
    ["channel", (b) => !b.match?.peer && (b.match?.accountId === "*" || (b.match?.accountId === undefined && at.accountId === at.defaultAccountId))],
  ];
  let agentId = at.topicAgentId && agents.known(at.topicAgentId.toLowerCase()) ? at.topicAgentId.toLowerCase() : null;
  let matchedBy: Route["matchedBy"] = "default";
  let binding: Binding | undefined;
  if (!agentId) {
    for (const [tier, test] of tiers) {
      binding = candidates.find(test);
      if (binding) {
        agentId = (binding.agentId as string).toLowerCase();
        matchedBy = tier;
        break;
      }
    }
  } else {
    matchedBy = "peer";
  }
  agentId ??= agents.defaultAgentId;
  const sessionSettings = (config as { session?: { dmScope?: unknown } }).session;
  const dmScopeRaw = binding?.session?.dmScope ?? sessionSettings?.dmScope;
  const dmScope = DM_SCOPES.includes(dmScopeRaw as DmScope) ? (dmScopeRaw as DmScope) : "main";
  const groupScope = binding?.session?.groupScope === "main" ? "main" : "per-group";
  return { agentId, matchedBy, sessionKey: sessionKeyFor(agentId, at.channel, at.accountId, at.peer, { dmScope, groupScope, threadId: at.threadId }) };
}

/** OpenClaw's peer session keys: lowercase segments joined with ":". */
export function sessionKeyFor(
  agentId: string,
  channel: string,
  accountId: string,
  peer: Peer,
  opts: { dmScope: DmScope; groupScope: "per-group" | "main"; threadId?: string },
): string {
  const clean = (s: string) => s.trim().toLowerCase().replace(/\s+/g, "-");
  const base = `agent:${clean(agentId)}`;
  if (peer.kind === "direct") {
    switch (opts.dmScope) {
      case "main":
        return `${base}:main`;
      case "per-peer":
        return `${base}:direct:${clean(peer.id)}`;
      case "per-channel-peer":
        return `${base}:${channel}:direct:${clean(peer.id)}`;
      case "per-account-channel-peer":
        return `${base}:${channel}:${clean(accountId || DEFAULT_ACCOUNT_ID)}:direct:${clean(peer.id)}`;
    }
  }
  if (opts.groupScope === "main") return `${base}:main`;
  const key = `${base}:${channel}:${peer.kind === "channel" ? "channel" : "group"}:${clean(peer.id)}`;
  return opts.threadId ? `${key}:topic:${clean(opts.threadId)}` : key;
}
