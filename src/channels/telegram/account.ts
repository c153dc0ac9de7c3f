import type { BotCommandEntry } from "./commands.js";

export type TokenSource = "config" | "file" | "env" | "none";

export type WebhookSettings = {
  /** The public HTTPS URL Telegram posts to (a reverse proxy forwards it to host:port/path). */
  url: string;
  /** Sent by Telegram in `X-Telegram-Bot-Api-Secret-Token`; requests without it are refused. */
  secret: string;
  path: string;
  host: string;
  /** 0 picks a free port (tests); the bound port is reported as `webhookPort` in the status. */
  port: number;
};

/** One Telegram account as resolved from `channels.telegram` (+ `accounts.<id>`). */
export type TelegramAccount = {
  token?: string;
  tokenSource: TokenSource;
  /** Bot API root without `/bot<token>`; undefined means https://api.telegram.org. */
  apiRoot?: string;
  mode: "polling" | "webhook";
  webhook?: WebhookSettings;
  /** getUpdates long-poll timeout in seconds (1 to 50; never 0, which would spin); also the webhook self-check interval. */
  pollTimeoutSeconds: number;
  /** The bot's command menu, synced with setMyCommands when it changes. */
  commands: BotCommandEntry[];
  /** `block` and `progress` are treated as `partial` (preview edits). */
  streamingMode: "off" | "partial";
};
