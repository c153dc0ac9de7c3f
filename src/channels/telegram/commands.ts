import { createHash } from "node:crypto";
import type { Api } from "grammy";
import type { ConnectContext } from "../types.js";
import type { TelegramAccount } from "./account.js";
import { apiSignal } from "./api.js";
import { describeBotApiError } from "./errors.js";

export type BotCommandEntry = { command: string; description: string };

export const DEFAULT_COMMAND_MENU: readonly BotCommandEntry[] = [
  { command: "new", description: "Start a new conversation" },
  { command: "reset", description: "Reset the current session" },
  { command: "status", description: "Show the assistant's status" },
];

const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
const HASH_KEY = "commandsHash";

/**
 * The menu from `commands`: a list of `{command, description}` (a leading `/` is dropped, names
 * are lowercased, invalid entries are skipped), `false` or `[]` for no menu, anything else the default.
 */
export function commandMenuFrom(raw: unknown): BotCommandEntry[] {
  if (raw === false) return [];
  if (!Array.isArray(raw)) return DEFAULT_COMMAND_MENU.map((c) => ({ ...c }));
  const menu: BotCommandEntry[] = [];
  for (const item of raw) {
    if (!item || typeof item !== "object") continue;
    const { command, description } = item as Record<string, unknown>;
    if (typeof command !== "string" || typeof description !== "string") continue;
    const name = command.trim().replace(/^\//, "").toLowerCase();
    const text = description.trim().slice(0, 256);
    if (!COMMAND_NAME.test(name) || text === "" || menu.some((c) => c.command === name)) continue;
    menu.push({ command: name, description: text });
    if (menu.length === 100) break;
  }
  return menu;
}

/** Identifies a menu as installed on one bot (a new token for another bot syncs again). */
export function commandMenuHash(botId: number, menu: readonly BotCommandEntry[]): string {
  return createHash("sha256").update(JSON.stringify([botId, menu])).digest("hex").slice(0, 32);
}

/**
 * Installs the menu only when it differs from the one recorded as installed: syncing on every
 * boot is what gets bots locked out with 429s. A failure is logged and retried at the next connect.
 */
export async function syncCommandMenu(api: Api, ctx: ConnectContext<TelegramAccount>, botId: number, signal: AbortSignal): Promise<void> {
  const menu = ctx.account.commands;
  const hash = commandMenuHash(botId, menu);
  if (ctx.state.get(HASH_KEY) === hash) return;
  try {
    if (menu.length > 0) await api.setMyCommands(menu, undefined, apiSignal(signal));
    else await api.deleteMyCommands(undefined, apiSignal(signal));
    ctx.state.set(HASH_KEY, hash);
  } catch (err) {
    if (signal.aborted) return;
    ctx.log.warn(`telegram: command menu not synced (retried at the next connect): ${describeBotApiError(err, ctx.account.token)}`);
  }
}
