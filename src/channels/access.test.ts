import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideAccess, groupEntry, mentioned, type AccessDecision, type AccessFacts } from "./access.js";
import { accessFrom } from "./accounts.js";
import type { AccessConfig, InboundMessage } from "./types.js";

function dm(senderId: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return {
    accountId: "default",
    messageId: "m1",
    timestamp: 1,
    chatType: "direct",
    conversationId: senderId,
    sender: { id: senderId, name: "Someone" },
    text: "hello",
    mentionedBot: false,
    ...extra,
  };
}

function group(conversationId: string, senderId: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { ...dm(senderId), chatType: "group", conversationId, ...extra };
}

function access(patch: Partial<AccessConfig> = {}): AccessConfig {
  return { dmPolicy: "pairing", allowFrom: [], groupPolicy: "allowlist", groups: {}, ...patch };
}

/** A channel-like normalizer: strips a `tg:` prefix and lowercases. */
const normalize = (raw: string) => raw.trim().replace(/^tg:/i, "").toLowerCase();

function facts(patch: Partial<AccessConfig> = {}, extra: Partial<AccessFacts> = {}): AccessFacts {
  return { access: access(patch), approvedSenders: [], mentionPatterns: [], normalize, ...extra };
}

function kind(d: AccessDecision): string {
  return d.kind === "drop" ? `drop:${d.reason}` : d.kind;
}

describe("decideAccess: direct messages", () => {
  const cases: Array<{ name: string; policy: AccessConfig["dmPolicy"]; allowFrom?: string[]; approved?: string[]; sender: string; want: string }> = [
    { name: "pairing, unknown sender → pairing", policy: "pairing", sender: "100", want: "pairing" },
    { name: "pairing, listed sender → dispatch", policy: "pairing", allowFrom: ["100"], sender: "100", want: "dispatch" },
    { name: "pairing, approved sender → dispatch", policy: "pairing", approved: ["100"], sender: "100", want: "dispatch" },
    { name: "pairing, other sender listed → pairing", policy: "pairing", allowFrom: ["200"], sender: "100", want: "pairing" },
    { name: "pairing, * → dispatch", policy: "pairing", allowFrom: ["*"], sender: "100", want: "dispatch" },
    { name: "allowlist, unknown sender → drop", policy: "allowlist", allowFrom: ["200"], sender: "100", want: "drop:dm-not-allowed" },
    { name: "allowlist, listed sender → dispatch", policy: "allowlist", allowFrom: ["200", "100"], sender: "100", want: "dispatch" },
    { name: "allowlist, approved sender → dispatch", policy: "allowlist", approved: ["100"], sender: "100", want: "dispatch" },
    { name: "allowlist, * → dispatch", policy: "allowlist", allowFrom: ["*"], sender: "anyone", want: "dispatch" },
    { name: "allowlist, empty list → drop", policy: "allowlist", sender: "100", want: "drop:dm-not-allowed" },
    { name: "allowlist, sender id is normalized before matching", policy: "allowlist", allowFrom: ["100"], sender: "tg:100", want: "dispatch" },
    { name: "open → dispatch", policy: "open", sender: "100", want: "dispatch" },
    { name: "disabled → drop", policy: "disabled", sender: "100", want: "drop:dm-disabled" },
    { name: "disabled beats the allowlist", policy: "disabled", allowFrom: ["100"], sender: "100", want: "drop:dm-disabled" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideAccess(dm(c.sender), facts({ dmPolicy: c.policy, allowFrom: c.allowFrom ?? [] }, { approvedSenders: c.approved ?? [] }));
      assert.equal(kind(d), c.want);
      if (d.kind === "dispatch") assert.equal(d.wasMentioned, true, "a DM always counts as addressed to the bot");
    });
  }

  it("senderMatches overrides plain equality for DM allowlists", () => {
    const seen: string[] = [];
    const f = facts(
      { dmPolicy: "allowlist", allowFrom: ["alice!*@*"] },
      {
        senderMatches: (entry, sender) => {
          seen.push(entry);
          return entry === "alice!*@*" && sender.id.startsWith("alice!");
        },
      },
    );
    assert.equal(kind(decideAccess(dm("alice!u@host"), f)), "dispatch");
    assert.equal(kind(decideAccess(dm("bob!u@host"), f)), "drop:dm-not-allowed");
    assert.ok(seen.includes("alice!*@*"));
  });
});

describe("decideAccess: pairing approvals never admit group messages", () => {
  it("an approved sender in an unlisted group is dropped", () => {
    const d = decideAccess(group("-100", "100", { mentionedBot: true }), facts({ groupPolicy: "allowlist" }, { approvedSenders: ["100"] }));
    assert.equal(kind(d), "drop:group-not-allowed");
  });

  it("an approved sender is not on a group's sender allowlist", () => {
    const d = decideAccess(
      group("-100", "100", { mentionedBot: true }),
      facts({ groupPolicy: "open", groupAllowFrom: ["999"] }, { approvedSenders: ["100"] }),
    );
    assert.equal(kind(d), "drop:sender-not-allowed-in-group");
  });
});

describe("decideAccess: group admission", () => {
  it("groupPolicy disabled drops even listed groups", () => {
    const d = decideAccess(group("-100", "1", { mentionedBot: true }), facts({ groupPolicy: "disabled", groups: { "-100": { requireMention: false } } }));
    assert.equal(kind(d), "drop:groups-disabled");
  });

  it("groupPolicy open admits an unlisted group (mention still required by default)", () => {
    assert.equal(kind(decideAccess(group("-100", "1"), facts({ groupPolicy: "open" }))), "history");
    assert.equal(kind(decideAccess(group("-100", "1", { mentionedBot: true }), facts({ groupPolicy: "open" }))), "dispatch");
  });

  it("groupPolicy allowlist drops an unlisted group", () => {
    const d = decideAccess(group("-100", "1", { mentionedBot: true }), facts({ groups: { "-200": {} } }));
    assert.equal(kind(d), "drop:group-not-allowed");
  });

  it("groupPolicy allowlist admits a group by exact id", () => {
    const d = decideAccess(group("-100", "1", { mentionedBot: true }), facts({ groups: { "-100": {} } }));
    assert.equal(kind(d), "dispatch");
  });

  it("groupPolicy allowlist admits a group by case-insensitive id", () => {
    const f = facts({ groups: { "#OpenClaw": { requireMention: false, systemPrompt: "be nice" } } });
    const d = decideAccess(group("#openclaw", "1"), f);
    assert.equal(kind(d), "dispatch");
    assert.equal(d.kind === "dispatch" ? d.group?.systemPrompt : undefined, "be nice");
  });

  it("an exact key wins over a case-insensitive one", () => {
    const groups = { "#Chan": { systemPrompt: "loose" }, "#chan": { systemPrompt: "exact" } };
    assert.equal(groupEntry(groups, "#chan")?.systemPrompt, "exact");
    assert.equal(groupEntry(groups, "#CHAN")?.systemPrompt, "loose");
    assert.equal(groupEntry(groups, "#other"), undefined);
  });

  it("groupPolicy allowlist admits any group through \"*\"", () => {
    const d = decideAccess(group("-555", "1", { mentionedBot: true }), facts({ groups: { "*": {} } }));
    assert.equal(kind(d), "dispatch");
  });

  it("a group's own settings are layered over the \"*\" entry", () => {
    const f = facts({ groups: { "*": { requireMention: false, systemPrompt: "base" }, "-100": { systemPrompt: "own" } } });
    const d = decideAccess(group("-100", "1"), f);
    assert.equal(d.kind, "dispatch");
    assert.equal(d.kind === "dispatch" ? d.group?.systemPrompt : undefined, "own");
    assert.equal(d.kind === "dispatch" ? d.group?.requireMention : undefined, false);
  });

  it("enabled: false on the group drops it", () => {
    const d = decideAccess(group("-100", "1", { mentionedBot: true }), facts({ groups: { "-100": { enabled: false } } }));
    assert.equal(kind(d), "drop:group-disabled");
  });

  it("enabled: false on \"*\" drops groups that do not enable themselves", () => {
    const f = facts({ groups: { "*": { enabled: false }, "-100": { enabled: true } } });
    assert.equal(kind(decideAccess(group("-200", "1", { mentionedBot: true }), f)), "drop:group-disabled");
    assert.equal(kind(decideAccess(group("-100", "1", { mentionedBot: true }), f)), "dispatch");
  });

  it("a channel chat (not only group) goes through the group gates", () => {
    const d = decideAccess({ ...group("-100", "1"), chatType: "channel" }, facts({ groupPolicy: "disabled" }));
    assert.equal(kind(d), "drop:groups-disabled");
  });
});

describe("decideAccess: group sender allowlists", () => {
  it("the group's own allowFrom admits only listed senders (normalized)", () => {
    const f = facts({ groups: { "-100": { requireMention: false, allowFrom: ["tg:42"] } } });
    assert.equal(kind(decideAccess(group("-100", "42"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "43"), f)), "drop:sender-not-allowed-in-group");
  });

  it("groupAllowFrom applies when the group has no allowFrom", () => {
    const f = facts({ groupAllowFrom: ["7"], groups: { "-100": { requireMention: false } } });
    assert.equal(kind(decideAccess(group("-100", "7"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "8"), f)), "drop:sender-not-allowed-in-group");
  });

  it("the group's own allowFrom takes precedence over groupAllowFrom", () => {
    const f = facts({ groupAllowFrom: ["7"], groups: { "-100": { requireMention: false, allowFrom: ["8"] } } });
    assert.equal(kind(decideAccess(group("-100", "8"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "7"), f)), "drop:sender-not-allowed-in-group");
  });

  it("\"*\" in a sender allowlist admits everyone; an empty list restricts nobody", () => {
    assert.equal(kind(decideAccess(group("-100", "9"), facts({ groupAllowFrom: ["*"], groups: { "-100": { requireMention: false } } }))), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "9"), facts({ groupAllowFrom: [], groups: { "-100": { requireMention: false } } }))), "dispatch");
  });

  it("the DM allowFrom does not leak into groups", () => {
    const f = facts({ allowFrom: ["1"], groupAllowFrom: ["2"], groups: { "-100": { requireMention: false } } });
    assert.equal(kind(decideAccess(group("-100", "1"), f)), "drop:sender-not-allowed-in-group");
  });

  it("the \"*\" entry's allowFrom applies when nothing more specific is set", () => {
    const f = facts({ groups: { "*": { requireMention: false, allowFrom: ["42"] } } });
    assert.equal(kind(decideAccess(group("-100", "42"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "43"), f)), "drop:sender-not-allowed-in-group");
  });

  // Telegram and WhatsApp always fill groupAllowFrom (a copy of allowFrom, often []), so an empty
  // groupAllowFrom must not switch off the sender allowlist of the "*" group entry.
  it("an empty groupAllowFrom does not cancel the \"*\" entry's allowFrom", () => {
    const f = facts({ groupAllowFrom: [], groups: { "*": { requireMention: false, allowFrom: ["42"] } } });
    assert.equal(kind(decideAccess(group("-100", "42"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "43"), f)), "drop:sender-not-allowed-in-group");
  });

  it("senderMatches decides group sender matches when given", () => {
    const f = facts(
      { groupAllowFrom: ["*!*@trusted.host"], groups: { "#c": { requireMention: false } } },
      { senderMatches: (entry, sender) => entry === "*!*@trusted.host" && sender.id.endsWith("@trusted.host") },
    );
    assert.equal(kind(decideAccess(group("#c", "nick!u@trusted.host"), f)), "dispatch");
    assert.equal(kind(decideAccess(group("#c", "nick!u@evil.host"), f)), "drop:sender-not-allowed-in-group");
  });
});

describe("decideAccess: mention gating", () => {
  const listed = { groups: { "-100": {} } };

  it("requireMention defaults to true: an unaddressed group message is history", () => {
    const d = decideAccess(group("-100", "1", { text: "just chatting" }), facts(listed));
    assert.equal(d.kind, "history");
    assert.ok(d.kind === "history" && d.group, "history carries the group config");
  });

  it("the platform mention fact dispatches", () => {
    const d = decideAccess(group("-100", "1", { mentionedBot: true }), facts(listed));
    assert.equal(d.kind, "dispatch");
    assert.equal(d.kind === "dispatch" && d.wasMentioned, true);
  });

  it("a reply to the bot counts as a mention; a reply to someone else does not", () => {
    assert.equal(kind(decideAccess(group("-100", "1", { replyTo: { id: "5", isBot: true } }), facts(listed))), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "1", { replyTo: { id: "5", isBot: false } }), facts(listed))), "history");
  });

  it("mention patterns match case-insensitively", () => {
    const f = facts(listed, { mentionPatterns: ["\\bclawd\\b"] });
    assert.equal(kind(decideAccess(group("-100", "1", { text: "hey CLAWD, what's up" }), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "1", { text: "clawdette says hi" }), f)), "history");
  });

  it("an invalid regex pattern does not throw and does not block other patterns", () => {
    const f = facts(listed, { mentionPatterns: ["([unclosed", "bot"] });
    assert.doesNotThrow(() => decideAccess(group("-100", "1", { text: "hello" }), f));
    assert.equal(kind(decideAccess(group("-100", "1", { text: "hello" }), f)), "history");
    assert.equal(kind(decideAccess(group("-100", "1", { text: "hi BOT" }), f)), "dispatch");
    assert.equal(mentioned(group("-100", "1", { text: "([unclosed" }), ["([unclosed"]), false);
  });

  it("requireMention false dispatches unaddressed messages (wasMentioned false)", () => {
    const d = decideAccess(group("-100", "1"), facts({ groups: { "-100": { requireMention: false } } }));
    assert.equal(d.kind, "dispatch");
    assert.equal(d.kind === "dispatch" && d.wasMentioned, false);
  });

  it("topic-level requireMention overrides the group's", () => {
    const f = facts({ groups: { "-100": { requireMention: true, topics: { "7": { requireMention: false } } } } });
    assert.equal(kind(decideAccess(group("-100", "1", { threadId: "7" }), f)), "dispatch");
    assert.equal(kind(decideAccess(group("-100", "1", { threadId: "8" }), f)), "history");
    assert.equal(kind(decideAccess(group("-100", "1"), f)), "history");

    const g = facts({ groups: { "-100": { requireMention: false, topics: { "7": { requireMention: true } } } } });
    assert.equal(kind(decideAccess(group("-100", "1", { threadId: "7" }), g)), "history");
    assert.equal(kind(decideAccess(group("-100", "1", { threadId: "8" }), g)), "dispatch");
  });

  it("a topic's agentId is returned as topicAgentId on dispatch", () => {
    const f = facts({ groups: { "-100": { requireMention: false, topics: { "7": { agentId: "research" } } } } });
    const d = decideAccess(group("-100", "1", { threadId: "7" }), f);
    assert.equal(d.kind, "dispatch");
    assert.equal(d.kind === "dispatch" ? d.topicAgentId : undefined, "research");
    const other = decideAccess(group("-100", "1", { threadId: "8" }), f);
    assert.equal(other.kind === "dispatch" ? other.topicAgentId : "not-dispatch", undefined);
  });

  it("a disabled topic is dropped", () => {
    const f = facts({ groups: { "-100": { requireMention: false, topics: { "7": { enabled: false } } } } });
    assert.equal(kind(decideAccess(group("-100", "1", { threadId: "7", mentionedBot: true }), f)), "drop:topic-disabled");
  });
});

describe("accessFrom: config values of the wrong type", () => {
  it("keeps only well-typed group settings, so a typo cannot throw or widen access", () => {
    const parsed = accessFrom({ groups: { "#a": { allowFrom: "123", requireMention: "no", enabled: 1, topics: { "1": "x", "2": { requireMention: false } } }, "#b": "yes", "#c": [1] } }, (s) => s);
    assert.deepEqual(Object.keys(parsed.groups), ["#a"]);
    assert.deepEqual(parsed.groups["#a"], { topics: { "2": { requireMention: false } } });
    const decision = decideAccess(group("#a", "u1", { mentionedBot: true }), { ...facts(), access: parsed });
    assert.equal(decision.kind, "dispatch");
  });
});
