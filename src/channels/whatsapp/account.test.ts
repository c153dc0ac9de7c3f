import { test } from "node:test";
import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { adapter } from "./index.js";

test("defaults: configured, read receipts on, 4000-character chunks, pairing DMs, groups by allowlist", () => {
  const { accounts, defaultAccountId } = adapter.resolveAccounts({}, {});
  assert.equal(defaultAccountId, "default");
  const [account] = accounts;
  assert.equal(account.enabled, true);
  assert.equal(account.configured, true);
  assert.deepEqual(account.account, { selfChatMode: false, sendReadReceipts: true });
  assert.equal(account.textChunkLimit, 4000);
  assert.equal(account.access.dmPolicy, "pairing");
  assert.equal(account.access.groupPolicy, "allowlist");
});

test("allowFrom is normalized to E.164 and is the group sender allowlist unless groupAllowFrom is set", () => {
  const [account] = adapter.resolveAccounts({ allowFrom: ["+44 7700 900123", "whatsapp:447700900124", "*"], textChunkLimit: 1000 }, {}).accounts;
  assert.deepEqual(account.access.allowFrom, ["+447700900123", "+447700900124", "*"]);
  assert.deepEqual(account.access.groupAllowFrom, account.access.allowFrom);
  assert.equal(account.textChunkLimit, 1000);
  const [own] = adapter.resolveAccounts({ allowFrom: ["+447700900123"], groupAllowFrom: ["447700900999"] }, {}).accounts;
  assert.deepEqual(own.access.groupAllowFrom, ["+447700900999"]);
});

test("accounts inherit top-level settings; authDir expands ~; disabled accounts are not started", () => {
  const { accounts } = adapter.resolveAccounts({ selfChatMode: true, accounts: { Work: { authDir: "~/wa-work" }, old: { enabled: false } } }, {});
  const work = accounts.find((a) => a.accountId === "work")!;
  assert.equal(work.account.authDir, join(homedir(), "wa-work"));
  assert.equal(work.account.selfChatMode, true);
  assert.equal(work.account.sendReadReceipts, false, "self-chat mode sends no read receipts unless asked");
  assert.equal(work.access.responsePrefix, "[openclaw]");
  const old = accounts.find((a) => a.accountId === "old")!;
  assert.equal(old.enabled, false);
  assert.equal(old.configured, false);
});
