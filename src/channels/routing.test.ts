import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GatewayConfig } from "../config/schema.js";
import { routeMessage, sessionKeyFor, type Peer } from "./routing.js";

const AGENTS = new Set(["main", "alpha", "beta", "gamma", "delta", "research"]);
const agents = { defaultAgentId: "main", known: (id: string) => AGENTS.has(id) };

function config(bindings: unknown[], extra: Record<string, unknown> = {}): GatewayConfig {
  return { bindings, ...extra } as unknown as GatewayConfig;
}

function at(peer: Peer, patch: Partial<{ channel: string; accountId: string; defaultAccountId: string; threadId: string; topicAgentId: string }> = {}) {
  return { channel: "telegram", accountId: "default", defaultAccountId: "default", peer, ...patch };
}

const dmPeer: Peer = { kind: "direct", id: "12345" };
const groupPeer: Peer = { kind: "group", id: "-100777" };

describe("sessionKeyFor", () => {
  const opts = { groupScope: "per-group" as const };

  it("dmScope main: every DM shares the agent's main session", () => {
    assert.equal(sessionKeyFor("main", "telegram", "default", dmPeer, { ...opts, dmScope: "main" }), "agent:main:main");
  });

  it("dmScope per-peer", () => {
    assert.equal(sessionKeyFor("main", "telegram", "default", dmPeer, { ...opts, dmScope: "per-peer" }), "agent:main:direct:12345");
  });

  it("dmScope per-channel-peer", () => {
    assert.equal(sessionKeyFor("main", "telegram", "default", dmPeer, { ...opts, dmScope: "per-channel-peer" }), "agent:main:telegram:direct:12345");
  });

  it("dmScope per-account-channel-peer", () => {
    assert.equal(sessionKeyFor("main", "telegram", "work", dmPeer, { ...opts, dmScope: "per-account-channel-peer" }), "agent:main:telegram:work:direct:12345");
    assert.equal(sessionKeyFor("main", "telegram", "", dmPeer, { ...opts, dmScope: "per-account-channel-peer" }), "agent:main:telegram:default:direct:12345");
  });

  it("group and channel keys (dmScope does not affect them)", () => {
    for (const dmScope of ["main", "per-peer", "per-channel-peer", "per-account-channel-peer"] as const) {
      assert.equal(sessionKeyFor("main", "telegram", "default", groupPeer, { ...opts, dmScope }), "agent:main:telegram:group:-100777");
    }
    assert.equal(sessionKeyFor("main", "telegram", "default", { kind: "channel", id: "-100888" }, { ...opts, dmScope: "main" }), "agent:main:telegram:channel:-100888");
  });

  it("a Telegram topic adds :topic:<id> to group keys only", () => {
    assert.equal(sessionKeyFor("main", "telegram", "default", groupPeer, { ...opts, dmScope: "main", threadId: "42" }), "agent:main:telegram:group:-100777:topic:42");
    assert.equal(sessionKeyFor("main", "telegram", "default", dmPeer, { ...opts, dmScope: "per-peer", threadId: "42" }), "agent:main:direct:12345");
  });

  it("groupScope main puts groups in the main session", () => {
    assert.equal(sessionKeyFor("main", "telegram", "default", groupPeer, { dmScope: "per-peer", groupScope: "main", threadId: "42" }), "agent:main:main");
  });

  it("segments are lowercased (and inner whitespace becomes dashes)", () => {
    assert.equal(sessionKeyFor("Main", "irc", "Work", { kind: "group", id: "#OpenClaw" }, { ...opts, dmScope: "main" }), "agent:main:irc:group:#openclaw");
    assert.equal(sessionKeyFor("MAIN", "irc", "Work", { kind: "direct", id: "Alice!U@Host" }, { ...opts, dmScope: "per-account-channel-peer" }), "agent:main:irc:work:direct:alice!u@host");
    assert.equal(sessionKeyFor(" Ops Bot ", "irc", "default", { kind: "direct", id: "x" }, { ...opts, dmScope: "main" }), "agent:ops-bot:main");
  });
});

describe("routeMessage: binding tiers", () => {
  const exactPeer = { agentId: "alpha", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } } };
  const peerWildcard = { agentId: "beta", match: { channel: "telegram", peer: { kind: "direct", id: "*" } } };
  const account = { agentId: "gamma", match: { channel: "telegram", accountId: "default" } };
  const channelWide = { agentId: "delta", match: { channel: "telegram", accountId: "*" } };

  it("no bindings → the default agent", () => {
    const r = routeMessage(config([]), at(dmPeer), agents);
    assert.deepEqual([r.agentId, r.matchedBy, r.sessionKey], ["main", "default", "agent:main:main"]);
  });

  it("exact peer beats peer wildcard, account and channel regardless of order", () => {
    const r = routeMessage(config([channelWide, account, peerWildcard, exactPeer]), at(dmPeer), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["alpha", "peer"]);
  });

  it("peer wildcard beats account and channel", () => {
    const r = routeMessage(config([channelWide, account, peerWildcard]), at(dmPeer), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["beta", "peer-wildcard"]);
  });

  it("account beats channel", () => {
    const r = routeMessage(config([channelWide, account]), at(dmPeer), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["gamma", "account"]);
  });

  it("channel-wide binding (accountId \"*\") applies to any account", () => {
    const r = routeMessage(config([channelWide]), at(dmPeer, { accountId: "work" }), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["delta", "channel"]);
  });

  it("an exact peer binding for another peer does not match", () => {
    const r = routeMessage(config([exactPeer]), at({ kind: "direct", id: "999" }), agents);
    assert.equal(r.matchedBy, "default");
  });

  it("a peer binding of another kind does not match; kind group also covers channel peers", () => {
    const groupBinding = { agentId: "alpha", match: { channel: "telegram", peer: { kind: "group", id: "-100777" } } };
    assert.equal(routeMessage(config([groupBinding]), at({ kind: "direct", id: "-100777" }), agents).matchedBy, "default");
    assert.equal(routeMessage(config([groupBinding]), at({ kind: "channel", id: "-100777" }), agents).agentId, "alpha");
  });

  it("peer ids match case-insensitively", () => {
    const b = { agentId: "alpha", match: { channel: "irc", peer: { kind: "group", id: "#OpenClaw" } } };
    const r = routeMessage(config([b]), at({ kind: "group", id: "#openclaw" }, { channel: "irc" }), agents);
    assert.equal(r.agentId, "alpha");
  });

  it("bindings for another channel are ignored", () => {
    const b = { agentId: "alpha", match: { channel: "irc", peer: { kind: "direct", id: "12345" } } };
    assert.equal(routeMessage(config([b]), at(dmPeer), agents).agentId, "main");
  });

  it("within a tier the first binding in config order wins", () => {
    const first = { agentId: "beta", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } } };
    const second = { agentId: "gamma", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } } };
    assert.equal(routeMessage(config([first, second]), at(dmPeer), agents).agentId, "beta");
    assert.equal(routeMessage(config([second, first]), at(dmPeer), agents).agentId, "gamma");
    const c1 = { agentId: "beta", match: { channel: "telegram", accountId: "*" } };
    const c2 = { agentId: "gamma", match: { channel: "telegram" } };
    assert.equal(routeMessage(config([c1, c2]), at(dmPeer), agents).agentId, "beta");
    assert.equal(routeMessage(config([c2, c1]), at(dmPeer), agents).agentId, "gamma");
  });

  it("a binding without accountId matches only the default account", () => {
    const noAccount = { agentId: "alpha", match: { channel: "telegram" } };
    const peerNoAccount = { agentId: "beta", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } } };
    assert.equal(routeMessage(config([noAccount]), at(dmPeer), agents).agentId, "alpha");
    assert.equal(routeMessage(config([noAccount]), at(dmPeer, { accountId: "work" }), agents).agentId, "main");
    assert.equal(routeMessage(config([peerNoAccount]), at(dmPeer, { accountId: "work" }), agents).agentId, "main");
    // the default account need not be called "default"
    assert.equal(routeMessage(config([noAccount]), at(dmPeer, { accountId: "work", defaultAccountId: "work" }), agents).agentId, "alpha");
  });

  it("an account binding matches only its account (case-insensitively)", () => {
    const work = { agentId: "alpha", match: { channel: "telegram", accountId: "Work" } };
    assert.equal(routeMessage(config([work]), at(dmPeer, { accountId: "work" }), agents).agentId, "alpha");
    assert.equal(routeMessage(config([work]), at(dmPeer, { accountId: "default" }), agents).agentId, "main");
  });

  it("a peer binding with accountId \"*\" matches every account", () => {
    const b = { agentId: "alpha", match: { channel: "telegram", accountId: "*", peer: { kind: "direct", id: "12345" } } };
    assert.equal(routeMessage(config([b]), at(dmPeer, { accountId: "work" }), agents).agentId, "alpha");
  });

  it("bindings naming unknown agents are skipped (the next match applies)", () => {
    const ghost = { agentId: "ghost", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } } };
    const r = routeMessage(config([ghost, { agentId: "gamma", match: { channel: "telegram" } }]), at(dmPeer), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["gamma", "channel"]);
    assert.equal(routeMessage(config([ghost]), at(dmPeer), agents).agentId, "main");
  });

  it("agent ids are lowercased", () => {
    const b = { agentId: "Alpha", match: { channel: "telegram" } };
    const r = routeMessage(config([b]), at(dmPeer), agents);
    assert.equal(r.agentId, "alpha");
    assert.equal(r.sessionKey, "agent:alpha:main");
  });
});

describe("routeMessage: session scopes", () => {
  it("session.dmScope from config applies", () => {
    const r = routeMessage(config([], { session: { dmScope: "per-channel-peer" } }), at(dmPeer), agents);
    assert.equal(r.sessionKey, "agent:main:telegram:direct:12345");
  });

  it("an unknown dmScope falls back to main", () => {
    const r = routeMessage(config([], { session: { dmScope: "bogus" } }), at(dmPeer), agents);
    assert.equal(r.sessionKey, "agent:main:main");
  });

  it("a binding's session.dmScope overrides the global one", () => {
    const b = { agentId: "alpha", match: { channel: "telegram", peer: { kind: "direct", id: "12345" } }, session: { dmScope: "per-account-channel-peer" } };
    const r = routeMessage(config([b], { session: { dmScope: "per-peer" } }), at(dmPeer), agents);
    assert.equal(r.sessionKey, "agent:alpha:telegram:default:direct:12345");
    // a DM from someone else uses the global scope
    const other = routeMessage(config([b], { session: { dmScope: "per-peer" } }), at({ kind: "direct", id: "777" }), agents);
    assert.equal(other.sessionKey, "agent:main:direct:777");
  });

  it("groups get their own key with the topic suffix; groupScope main on a binding merges them", () => {
    const r = routeMessage(config([]), at(groupPeer, { threadId: "9" }), agents);
    assert.equal(r.sessionKey, "agent:main:telegram:group:-100777:topic:9");
    const b = { agentId: "beta", match: { channel: "telegram", peer: { kind: "group", id: "-100777" } }, session: { groupScope: "main" } };
    assert.equal(routeMessage(config([b]), at(groupPeer, { threadId: "9" }), agents).sessionKey, "agent:beta:main");
  });

  it("topicAgentId routes the topic to that agent ahead of any binding", () => {
    const b = { agentId: "alpha", match: { channel: "telegram", peer: { kind: "group", id: "-100777" } } };
    const r = routeMessage(config([b]), at(groupPeer, { threadId: "3", topicAgentId: "Research" }), agents);
    assert.equal(r.agentId, "research");
    assert.equal(r.sessionKey, "agent:research:telegram:group:-100777:topic:3");
  });

  it("an unknown topicAgentId is ignored", () => {
    const b = { agentId: "alpha", match: { channel: "telegram", peer: { kind: "group", id: "-100777" } } };
    const r = routeMessage(config([b]), at(groupPeer, { threadId: "3", topicAgentId: "ghost" }), agents);
    assert.deepEqual([r.agentId, r.matchedBy], ["alpha", "peer"]);
  });
});
