/**
 * The Telegram channel (Bot API through grammY, loaded on first use). Public surface: `adapter`.
 * Long polling by default, a webhook listener when `webhookUrl` is set; one connection per bot
 * token in the process; the update offset and the command-menu hash live in the account's state.
 */
import type { ChannelAdapter } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { normalizeAllowEntry } from "./allow-entry.js";
import { resolveTelegramAccounts, DEFAULT_POLL_TIMEOUT_SECONDS } from "./config.js";
import { connectTelegram } from "./connection.js";
import { probeTelegram } from "./probe.js";
import { chatTypeOf, parseTarget } from "./target.js";

export type { TelegramAccount } from "./account.js";

/**
 * Four long polls without an answer (at least 120 s). One value serves both modes because a
 * webhook connection checks itself with getWebhookInfo every poll interval: a webhook alone is
 * silent whenever nobody writes, which would look like a dead link.
 */
const SILENT_AFTER_MS = Math.max(120_000, DEFAULT_POLL_TIMEOUT_SECONDS * 4 * 1000);

export const adapter: ChannelAdapter<TelegramAccount> = {
  id: "telegram",
  label: "Telegram",
  capabilities: { chatTypes: ["direct", "group"], edit: true, typing: true, media: false, threads: true },
  chunkMeasure: "chars",
  resolveAccounts: resolveTelegramAccounts,
  connect: connectTelegram,
  probe: probeTelegram,
  normalizeAllowEntry,
  silentAfterMs: SILENT_AFTER_MS,
  parseTarget,
  chatTypeOf,
};
