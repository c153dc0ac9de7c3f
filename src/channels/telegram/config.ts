import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { accessFrom, accountSections, chunkLimitFrom } from "../accounts.js";
import type { ResolvedAccount } from "../types.js";
import type { TelegramAccount, TokenSource, WebhookSettings } from "./account.js";
import { commandMenuFrom } from "./commands.js";
import { normalizeAllowEntry } from "./allow-entry.js";

export const TEXT_CHUNK_LIMIT = 4000;
export const TEXT_MAX = 4096;
export const DEFAULT_POLL_TIMEOUT_SECONDS = 30;
const DEFAULT_WEBHOOK_PATH = "/telegram-webhook";
const DEFAULT_WEBHOOK_HOST = "127.0.0.1";
const DEFAULT_WEBHOOK_PORT = 8787;
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
export const TOKEN_MISSING = "Telegram bot token missing. Set TELEGRAM_BOT_TOKEN or channels.telegram.botToken.";

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

type TokenResult = { token?: string; source: TokenSource; problem?: string };

/** `tokenFile` > `botToken` > TELEGRAM_BOT_TOKEN (default account only). A broken tokenFile is not skipped. */
function resolveToken(settings: Record<string, unknown>, env: NodeJS.ProcessEnv, isDefault: boolean): TokenResult {
  const file = str(settings.tokenFile);
  if (file) {
    const path = file.startsWith("~/") ? homedir() + file.slice(1) : file;
    try {
      if (!statSync(path).isFile()) return { source: "file", problem: `Telegram tokenFile ${file} is not a regular file.` };
      const token = readFileSync(path, "utf8").trim();
      return token ? { token, source: "file" } : { source: "file", problem: `Telegram tokenFile ${file} is empty.` };
    } catch {
      return { source: "file", problem: `Telegram tokenFile ${file} cannot be read.` };
    }
  }
  const configured = str(settings.botToken);
  if (configured) return { token: configured, source: "config" };
  const fromEnv = isDefault ? str(env.TELEGRAM_BOT_TOKEN) : undefined;
  if (fromEnv) return { token: fromEnv, source: "env" };
  return { source: "none", problem: TOKEN_MISSING };
}

function intIn(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

function webhookFrom(settings: Record<string, unknown>): { webhook?: WebhookSettings; problem?: string } {
  const url = str(settings.webhookUrl);
  if (!url) return {};
  try {
    new URL(url);
  } catch {
    return { problem: `Telegram webhookUrl ${url} is not a URL.` };
  }
  const secret = str(settings.webhookSecret);
  if (!secret || !SECRET_TOKEN.test(secret)) {
    return { problem: "Telegram webhook mode needs channels.telegram.webhookSecret (1-256 of A-Z a-z 0-9 _ -)." };
  }
  const rawPath = str(settings.webhookPath) ?? DEFAULT_WEBHOOK_PATH;
  return {
    webhook: {
      url,
      secret,
      path: rawPath.startsWith("/") ? rawPath : `/${rawPath}`,
      host: str(settings.webhookHost) ?? DEFAULT_WEBHOOK_HOST,
      port: intIn(settings.webhookPort, 0, 65535, DEFAULT_WEBHOOK_PORT),
    },
  };
}

function apiRootFrom(settings: Record<string, unknown>): { apiRoot?: string; problem?: string } {
  const raw = str(settings.apiRoot);
  if (!raw) return {};
  const apiRoot = raw.replace(/\/+$/, "");
  if (/\/bot[^/]*$/.test(apiRoot)) return { problem: "Telegram apiRoot must be the Bot API root, without /bot<token>." };
  try {
    new URL(apiRoot);
  } catch {
    return { problem: `Telegram apiRoot ${raw} is not a URL.` };
  }
  return { apiRoot };
}

function streamingModeFrom(raw: unknown): TelegramAccount["streamingMode"] {
  const mode = raw && typeof raw === "object" ? (raw as { mode?: unknown }).mode : raw;
  return mode === "partial" || mode === "block" || mode === "progress" ? "partial" : "off";
}

/** The accounts of `channels.telegram`, each with its token, transport and access settings. */
export function resolveTelegramAccounts(section: Record<string, unknown>, env: NodeJS.ProcessEnv): { accounts: ResolvedAccount<TelegramAccount>[]; defaultAccountId: string } {
  const { accounts: sections, defaultAccountId } = accountSections(section);
  const accounts = sections.map(({ accountId, settings }): ResolvedAccount<TelegramAccount> => {
    const token = resolveToken(settings, env, accountId === defaultAccountId);
    const { webhook, problem: webhookProblem } = webhookFrom(settings);
    const { apiRoot, problem: apiRootProblem } = apiRootFrom(settings);
    const account: TelegramAccount = {
      ...(token.token ? { token: token.token } : {}),
      tokenSource: token.source,
      ...(apiRoot ? { apiRoot } : {}),
      mode: webhook ? "webhook" : "polling",
      ...(webhook ? { webhook } : {}),
      pollTimeoutSeconds: intIn(settings.pollTimeoutSeconds, 1, 50, DEFAULT_POLL_TIMEOUT_SECONDS),
      commands: commandMenuFrom(settings.commands),
      streamingMode: streamingModeFrom(settings.streaming),
    };
    const access = accessFrom(settings, normalizeAllowEntry);
    if (access.groupAllowFrom === undefined) access.groupAllowFrom = [...access.allowFrom];
    const problem = token.problem ?? webhookProblem ?? apiRootProblem;
    return {
      accountId,
      enabled: settings.enabled !== false,
      configured: problem === undefined,
      ...(problem ? { unconfiguredReason: problem } : {}),
      account,
      access,
      summary: {
        mode: account.mode,
        tokenSource: account.tokenSource,
        streaming: account.streamingMode,
        ...(webhook ? { webhookPath: webhook.path, webhookUrl: webhook.url } : {}),
        ...(apiRoot ? { apiRoot } : {}),
      },
      textChunkLimit: chunkLimitFrom(settings, TEXT_CHUNK_LIMIT, TEXT_MAX),
      previewStreaming: account.streamingMode !== "off",
    };
  });
  return { accounts, defaultAccountId };
}
