import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeAllowEntry } from "./allow-entry.js";
import { DEFAULT_COMMAND_MENU, commandMenuFrom, commandMenuHash } from "./commands.js";
import { resolveTelegramAccounts, TOKEN_MISSING } from "./config.js";

const one = (section: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => resolveTelegramAccounts(section, env).accounts[0];

test("tokenFile wins over botToken, which wins over TELEGRAM_BOT_TOKEN", () => {
  const dir = mkdtempSync(join(tmpdir(), "tg-token-"));
  try {
    const file = join(dir, "token");
    writeFileSync(file, "111:from-file\n");
    const env = { TELEGRAM_BOT_TOKEN: "333:from-env" };
    assert.equal(one({ tokenFile: file, botToken: "222:cfg" }, env).account.token, "111:from-file");
    assert.equal(one({ tokenFile: file }, env).summary.tokenSource, "file");
    assert.equal(one({ botToken: "222:cfg" }, env).account.token, "222:cfg");
    assert.equal(one({ botToken: "222:cfg" }, env).summary.tokenSource, "config");
    assert.equal(one({}, env).account.token, "333:from-env");
    assert.equal(one({}, env).summary.tokenSource, "env");
    const broken = one({ tokenFile: dir, botToken: "222:cfg" }, env);
    assert.equal(broken.configured, false, "a directory is not a token file, and it is not silently skipped");
    assert.match(broken.unconfiguredReason ?? "", /not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the environment token fills the default account only", () => {
  const { accounts, defaultAccountId } = resolveTelegramAccounts({ accounts: { work: { botToken: "1:w" }, home: {} }, defaultAccount: "work" }, { TELEGRAM_BOT_TOKEN: "9:env" });
  assert.equal(defaultAccountId, "work");
  const home = accounts.find((a) => a.accountId === "home");
  assert.equal(home?.configured, false);
  assert.equal(home?.account.token, undefined);
  assert.equal(accounts.find((a) => a.accountId === "work")?.account.token, "1:w");
});

test("without a token the account is unconfigured, with the reason to show", () => {
  const acc = one({});
  assert.equal(acc.configured, false);
  assert.equal(acc.unconfiguredReason, TOKEN_MISSING);
  assert.equal(acc.summary.tokenSource, "none");
  assert.equal(acc.enabled, true);
  assert.equal(one({ botToken: "1:a", enabled: false }).enabled, false);
});

test("polling is the default; webhookUrl switches to webhook mode with the documented defaults and needs a secret", () => {
  const polling = one({ botToken: "1:a" });
  assert.equal(polling.account.mode, "polling");
  assert.equal(polling.account.pollTimeoutSeconds, 30);
  assert.deepEqual(polling.summary, { mode: "polling", tokenSource: "config", streaming: "off" });
  const hook = one({ botToken: "1:a", webhookUrl: "https://example.org/tg", webhookSecret: "s3cret_-X" });
  assert.equal(hook.configured, true);
  assert.deepEqual(hook.account.webhook, { url: "https://example.org/tg", secret: "s3cret_-X", path: "/telegram-webhook", host: "127.0.0.1", port: 8787 });
  assert.equal(hook.summary.mode, "webhook");
  assert.equal(hook.summary.webhookPath, "/telegram-webhook");
  assert.ok(!JSON.stringify(hook.summary).includes("s3cret"), "the secret is not in the summary");
  assert.ok(!JSON.stringify(polling.summary).includes("1:a"), "the token is not in the summary");
  const noSecret = one({ botToken: "1:a", webhookUrl: "https://example.org/tg" });
  assert.equal(noSecret.configured, false);
  assert.match(noSecret.unconfiguredReason ?? "", /webhookSecret/);
});

test("apiRoot is the Bot API root; a root that ends in /bot<token> is refused", () => {
  assert.equal(one({ botToken: "1:a", apiRoot: "http://127.0.0.1:9/" }).account.apiRoot, "http://127.0.0.1:9");
  const wrong = one({ botToken: "1:a", apiRoot: "https://api.telegram.org/bot1:a" });
  assert.equal(wrong.configured, false);
  assert.match(wrong.unconfiguredReason ?? "", /without \/bot<token>/);
});

test("textChunkLimit defaults to 4000 and is capped at 4096; streaming block and progress act as partial", () => {
  assert.equal(one({ botToken: "1:a" }).textChunkLimit, 4000);
  assert.equal(one({ botToken: "1:a", textChunkLimit: 9000 }).textChunkLimit, 4096);
  assert.equal(one({ botToken: "1:a", textChunkLimit: 1000 }).textChunkLimit, 1000);
  assert.equal(one({ botToken: "1:a" }).account.streamingMode, "off");
  for (const mode of ["partial", "block", "progress"]) assert.equal(one({ botToken: "1:a", streaming: { mode } }).account.streamingMode, "partial");
});

test("allow entries lose tg:/telegram: prefixes; groupAllowFrom falls back to allowFrom", () => {
  assert.equal(normalizeAllowEntry(" tg:123 "), "123");
  assert.equal(normalizeAllowEntry("Telegram:456"), "456");
  assert.equal(normalizeAllowEntry("@alice"), "@alice");
  const acc = one({ botToken: "1:a", allowFrom: ["tg:1", 2, "*"] });
  assert.deepEqual(acc.access.allowFrom, ["1", "2", "*"]);
  assert.deepEqual(acc.access.groupAllowFrom, ["1", "2", "*"]);
  assert.equal(acc.access.dmPolicy, "pairing");
  assert.equal(acc.access.groupPolicy, "allowlist");
  assert.deepEqual(one({ botToken: "1:a", allowFrom: ["1"], groupAllowFrom: ["telegram:3"] }).access.groupAllowFrom, ["3"]);
});

test("the command menu: a default, a custom list cleaned up, or none", () => {
  assert.deepEqual(commandMenuFrom(undefined), DEFAULT_COMMAND_MENU);
  assert.deepEqual(commandMenuFrom(false), []);
  assert.deepEqual(
    commandMenuFrom([{ command: "/Help", description: " Show help " }, { command: "bad name", description: "x" }, { command: "help", description: "dup" }, { command: "x" }]),
    [{ command: "help", description: "Show help" }],
  );
  assert.notEqual(commandMenuHash(1, DEFAULT_COMMAND_MENU), commandMenuHash(2, DEFAULT_COMMAND_MENU), "the hash is per bot");
  assert.equal(commandMenuHash(1, commandMenuFrom(undefined)), commandMenuHash(1, DEFAULT_COMMAND_MENU));
});
