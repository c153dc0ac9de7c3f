import type { Api } from "grammy";
import type { TelegramAccount } from "./account.js";

/** Only `message` is handled; asking for nothing else keeps edits and reactions off the wire. */
export const ALLOWED_UPDATES = ["message"] as const;

/** grammY is loaded here, on the first Telegram connection or probe, never at gateway start. */
export async function createApi(account: TelegramAccount): Promise<Api> {
  if (!account.token) throw new Error("Telegram bot token missing");
  const { Api } = await import("grammy");
  return new Api(account.token, account.apiRoot ? { apiRoot: account.apiRoot } : undefined);
}

/** grammY types its signals with the `abort-controller` polyfill; Node's own AbortSignal works at runtime. */
export type ApiSignal = NonNullable<Parameters<Api["getMe"]>[0]>;
export const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;
