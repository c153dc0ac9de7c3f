import { homedir } from "node:os";
import { resolve } from "node:path";
import { accessFrom, accountSections, chunkLimitFrom } from "../accounts.js";
import type { ResolvedAccount } from "../types.js";
import { normalizeAllowEntry } from "./jid.js";

export type WhatsAppAccount = {
  /** `accounts.<id>.authDir`; unset means the gateway's `<stateDir>/credentials/whatsapp/<accountId>`. */
  authDir?: string;
  /** The bot runs on the owner's own number and answers in the chat with itself. */
  selfChatMode: boolean;
  /** Blue ticks once a message is stored (default true; default false in self-chat mode). */
  sendReadReceipts: boolean;
};

const DEFAULT_CHUNK_LIMIT = 4000;
const MAX_CHUNK_LIMIT = 65_536;
const SELF_CHAT_PREFIX = "[openclaw]";

function expandHome(path: string): string {
  return resolve(path.replace(/^~(?=$|[/\\])/, homedir()));
}

/** Where the account's login lives: its configured `authDir`, else core's credentials directory. */
export function authDirOf(account: WhatsAppAccount, credentialsDir: string): string {
  return account.authDir ?? credentialsDir;
}

/**
 * `channels.whatsapp` and its `accounts.<id>`. Whether an account is linked depends on files in a
 * directory under the state dir, which this function cannot see: every enabled account counts as
 * configured, and `connect` refuses with "not linked" (a logged-out end) when there is no login.
 */
export function resolveWhatsAppAccounts(section: Record<string, unknown>): { accounts: ResolvedAccount<WhatsAppAccount>[]; defaultAccountId: string } {
  const { accounts: sections, defaultAccountId } = accountSections(section);
  const accounts = sections.map(({ accountId, settings }): ResolvedAccount<WhatsAppAccount> => {
    const enabled = settings.enabled !== false;
    const selfChatMode = settings.selfChatMode === true;
    const account: WhatsAppAccount = {
      ...(typeof settings.authDir === "string" && settings.authDir.trim() ? { authDir: expandHome(settings.authDir.trim()) } : {}),
      selfChatMode,
      sendReadReceipts: typeof settings.sendReadReceipts === "boolean" ? settings.sendReadReceipts : !selfChatMode,
    };
    const access = accessFrom(settings, normalizeAllowEntry);
    access.groupAllowFrom ??= access.allowFrom;
    if (selfChatMode) access.responsePrefix ??= SELF_CHAT_PREFIX;
    return {
      accountId,
      enabled,
      configured: enabled,
      ...(enabled ? {} : { unconfiguredReason: "disabled in config (enabled: false)" }),
      account,
      access,
      summary: { authDir: account.authDir ?? "default", selfChatMode, sendReadReceipts: account.sendReadReceipts },
      textChunkLimit: chunkLimitFrom(settings, DEFAULT_CHUNK_LIMIT, MAX_CHUNK_LIMIT),
    };
  });
  return { accounts, defaultAccountId };
}
