import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveIrcAccounts } from "./irc-config.js";

test("a top-level section is the default account with IRC's defaults", () => {
  const { accounts, defaultAccountId } = resolveIrcAccounts({ host: "irc.example", nick: "molty", channels: ["#bots", "#secret key123", "plain"] }, {});
  assert.equal(defaultAccountId, "default");
  assert.equal(accounts.length, 1);
  const [acc] = accounts;
  assert.equal(acc.configured, true);
  assert.equal(acc.enabled, true);
  assert.equal(acc.unconfiguredReason, undefined);
  assert.equal(acc.textChunkLimit, 350);
  assert.deepEqual(acc.account.channels, [{ name: "#bots" }, { name: "#secret", key: "key123" }, { name: "#plain" }]);
  assert.equal(acc.account.port, 6667);
  assert.equal(acc.account.tls, false);
  assert.equal(acc.account.tlsInsecure, false);
  assert.equal(acc.account.username, "molty");
  assert.equal(acc.account.realname, "OpenClaw");
  assert.equal(acc.account.pingIntervalMs, 60_000);
  assert.equal(acc.account.connectTimeoutMs, 15_000);
  assert.deepEqual(acc.summary, { host: "irc.example", port: 6667, tls: false, nick: "molty", channels: ["#bots", "#secret", "#plain"] });
  assert.deepEqual(acc.access, { dmPolicy: "pairing", allowFrom: [], groupPolicy: "allowlist", groups: {} });
});

test("TLS defaults to port 6697; an explicit port wins; tlsInsecure is opt-in", () => {
  const [tls] = resolveIrcAccounts({ host: "h", nick: "n", tls: true }, {}).accounts;
  assert.equal(tls.account.port, 6697);
  const [explicit] = resolveIrcAccounts({ host: "h", nick: "n", tls: true, port: "7000", tlsInsecure: true }, {}).accounts;
  assert.equal(explicit.account.port, 7000);
  assert.equal(explicit.account.tlsInsecure, true);
});

test("host and nick are required, and the reason says what to set", () => {
  const [none] = resolveIrcAccounts({}, {}).accounts;
  assert.equal(none.configured, false);
  assert.match(none.unconfiguredReason!, /channels\.irc\.host \(or IRC_HOST\)/);
  assert.match(none.unconfiguredReason!, /channels\.irc\.nick \(or IRC_NICK\)/);
  const [noNick] = resolveIrcAccounts({ host: "h" }, {}).accounts;
  assert.equal(noNick.configured, false);
  assert.doesNotMatch(noNick.unconfiguredReason!, /host/);
  const { accounts } = resolveIrcAccounts({ accounts: { Work: { host: "h" } } }, {});
  assert.equal(accounts[0].accountId, "work");
  assert.match(accounts[0].unconfiguredReason!, /channels\.irc\.accounts\.work\.nick/);
});

test("IRC_* variables fill the default account only, and config wins over them", () => {
  const env = { IRC_HOST: "env.example", IRC_PORT: "6697", IRC_NICK: "envbot", IRC_TLS: "true", IRC_PASSWORD: "s3cret" };
  const [fromEnv] = resolveIrcAccounts({}, env).accounts;
  assert.equal(fromEnv.configured, true);
  assert.deepEqual([fromEnv.account.host, fromEnv.account.port, fromEnv.account.nick, fromEnv.account.tls, fromEnv.account.password], ["env.example", 6697, "envbot", true, "s3cret"]);
  const [configWins] = resolveIrcAccounts({ host: "cfg.example", nick: "cfgbot", tls: false }, env).accounts;
  assert.deepEqual([configWins.account.host, configWins.account.nick, configWins.account.tls], ["cfg.example", "cfgbot", false]);

  const { accounts } = resolveIrcAccounts({ nick: "shared", accounts: { default: {}, ops: { nick: "opsbot" } } }, env);
  const byId = Object.fromEntries(accounts.map((a) => [a.accountId, a]));
  assert.equal(byId.default.account.host, "env.example");
  assert.equal(byId.ops.configured, false, "a named account gets no IRC_HOST");
  assert.equal(byId.ops.account.nick, "opsbot");
  assert.equal(byId.ops.account.password, undefined);
});

test("secrets never appear in the summary", () => {
  const [acc] = resolveIrcAccounts({ host: "h", nick: "n", password: "serverpw", nickserv: { password: "nspw" } }, {}).accounts;
  assert.equal(acc.account.password, "serverpw");
  assert.deepEqual(acc.account.nickserv, { password: "nspw", service: "NickServ" });
  assert.doesNotMatch(JSON.stringify(acc.summary), /serverpw|nspw/);
});

test("values that could break a line or the protocol make the account unconfigured", () => {
  const bad = (settings: Record<string, unknown>) => resolveIrcAccounts({ host: "h", nick: "n", ...settings }, {}).accounts[0];
  assert.match(bad({ password: "a\r\nQUIT" }).unconfiguredReason!, /password/);
  assert.match(bad({ nickserv: { password: "x\nJOIN #y" } }).unconfiguredReason!, /nickserv\.password/);
  assert.match(bad({ nick: "two words" }).unconfiguredReason!, /nick/);
  assert.match(bad({ nick: "#chan" }).unconfiguredReason!, /nick/);
  assert.match(bad({ port: 70000 }).unconfiguredReason!, /port/);
  assert.match(bad({ channels: ["#a,#b"] }).unconfiguredReason!, /channels/);
  assert.match(bad({ channels: ["#a key extra"] }).unconfiguredReason!, /channels/);
  assert.equal(bad({ realname: "Line\r\nQUIT" }).account.realname, "Line  QUIT", "realname is cleaned, not rejected");
  assert.equal(bad({ username: "a b@c" }).account.username, "abc");
});

test("access settings: groupAllowFrom does not fall back to allowFrom; entries are normalized", () => {
  const [plain] = resolveIrcAccounts({ host: "h", nick: "n", allowFrom: ["irc:Alice", "*!*@Trusted.Host", "*"] }, {}).accounts;
  assert.deepEqual(plain.access.allowFrom, ["alice", "*!*@trusted.host", "*"]);
  assert.equal(plain.access.groupAllowFrom, undefined);
  const [withGroups] = resolveIrcAccounts(
    { host: "h", nick: "n", dmPolicy: "open", groupPolicy: "open", groupAllowFrom: ["Bob"], groups: { "#bots": { requireMention: false } }, mentionPatterns: ["^hey"], responsePrefix: "[bot]" },
    {},
  ).accounts;
  assert.deepEqual(withGroups.access, {
    dmPolicy: "open",
    allowFrom: [],
    groupPolicy: "open",
    groupAllowFrom: ["bob"],
    groups: { "#bots": { requireMention: false } },
    mentionPatterns: ["^hey"],
    responsePrefix: "[bot]",
  });
});

test("textChunkLimit, enabled and pingIntervalMs are read from settings", () => {
  const [acc] = resolveIrcAccounts({ host: "h", nick: "n", textChunkLimit: 200, enabled: false, pingIntervalMs: 500 }, {}).accounts;
  assert.equal(acc.textChunkLimit, 200);
  assert.equal(acc.enabled, false);
  assert.equal(acc.account.pingIntervalMs, 500);
  const [junk] = resolveIrcAccounts({ host: "h", nick: "n", textChunkLimit: "big", pingIntervalMs: -1 }, {}).accounts;
  assert.equal(junk.textChunkLimit, 350);
  assert.equal(junk.account.pingIntervalMs, 60_000);
});
