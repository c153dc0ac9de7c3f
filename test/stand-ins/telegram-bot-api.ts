/**
 * A Telegram Bot API on loopback for tests: `POST|GET <root>/bot<token>/<method>` with JSON,
 * form or query parameters, answering in the documented shapes (`{ok:true,result}` or
 * `{ok:false,error_code,description,parameters?}`). Point grammY or the gateway's
 * `channels.telegram.apiRoot` at `standIn.apiRoot`.
 *
 * It keeps one bot's world: chats (any numeric id, typed by what was injected), the updates queue served by
 * real long polling (offset confirms, timeout, limit, allowed_updates, a newer getUpdates
 * terminating the older one with 409), messages the bot sent and edited, the webhook and the
 * command menu. When a webhook on loopback is set, injected updates are POSTed to it with the
 * secret header (a 2xx answer confirms them; others stay pending until flushWebhook()).
 *
 * Test controls: injectMessage / injectUpdate, calls, sent, failNext, markChatMissing, blockBot, simulateOtherPoller,
 * hold / holdSends, waitFor, close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type TgUser = { id: number; is_bot?: boolean; first_name: string; last_name?: string; username?: string };
export type TgChat = { id: number; type?: "private" | "group" | "supergroup" | "channel"; title?: string; username?: string; first_name?: string; is_forum?: boolean };
export type TgMessage = Record<string, unknown> & { message_id: number; date: number; chat: TgChat & { type: string } };
export type TgUpdate = Record<string, unknown> & { update_id: number };

export type ApiFailure = { error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };
export type RecordedCall = { method: string; params: Record<string, unknown>; at: number };
export type SentMessage = TgMessage & { text: string; edits: string[]; deleted?: boolean };
export type WebhookDelivery = { updateId: number; status: number; headers: Record<string, string | string[] | undefined> };

export type InjectMessage = {
  chat: TgChat;
  from: TgUser;
  text?: string;
  caption?: string;
  entities?: unknown[];
  caption_entities?: unknown[];
  reply_to_message?: Record<string, unknown>;
  message_thread_id?: number;
  /** Defaults to true when `message_thread_id` is set. */
  is_topic_message?: boolean;
  /** Extra message fields (photo, sticker, …). */
  extra?: Record<string, unknown>;
};

export type TelegramBotApiOptions = {
  token?: string;
  bot?: { id?: number; first_name?: string; username?: string };
  port?: number;
};

export type TelegramBotApi = {
  /** For grammY's `apiRoot` (no `/bot<token>`). */
  apiRoot: string;
  port: number;
  token: string;
  bot: TgUser & { username: string };
  calls: RecordedCall[];
  callsOf(method: string): RecordedCall[];
  /** Messages the bot sent, per chat id (as a string), in order; edits update `text` and fill `edits`. */
  sent: Map<string, SentMessage[]>;
  /** The command menu per scope key (`default` for no scope/language). */
  commands: Map<string, Array<{ command: string; description: string }>>;
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | null;
  webhookDeliveries: WebhookDelivery[];
  /** Updates not yet confirmed by an offset (or, with a webhook, not yet answered 2xx). */
  pending(): TgUpdate[];
  injectMessage(input: InjectMessage): TgUpdate;
  /** Any update body (`{edited_message}`, `{channel_post}`, …); gets the next update_id. */
  injectUpdate(body: Record<string, unknown>): TgUpdate;
  /** Calls naming this chat answer 400 "chat not found" (every other numeric id exists). */
  markChatMissing(chatId: number | string): void;
  /** Calls naming this chat answer 403 "Forbidden: bot was blocked by the user". */
  blockBot(chatId: number | string): void;
  /** The next `count` calls of `method` fail with this (429 with parameters.retry_after, 409, 400 …). */
  failNext(method: string, failure: ApiFailure, count?: number): void;
  /** getUpdates answers 409 (and ends a waiting poll) until the returned function is called. */
  simulateOtherPoller(): () => void;
  /** Calls of `method` wait until the returned release function is called. */
  hold(method: string): () => void;
  /** hold() for sendMessage, editMessageText and sendChatAction together. */
  holdSends(): () => void;
  /** Retries webhook delivery of pending updates (Telegram retries failed deliveries). */
  flushWebhook(): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

const DEFAULT_ALLOWED = (type: string) => type !== "chat_member" && type !== "message_reaction" && type !== "message_reaction_count";
const SEND_METHODS = ["sendMessage", "editMessageText", "sendChatAction"];
const CHAT_ACTIONS = new Set(["typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"]);

const TERMINATED: ApiFailure = { error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" };
const WEBHOOK_ACTIVE: ApiFailure = { error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" };

class ApiError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.description);
  }
}
const badRequest = (what: string) => new ApiError({ error_code: 400, description: `Bad Request: ${what}` });

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) params[k] = parseValue(v);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if (body === "") return params;
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("application/json")) {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw badRequest("invalid JSON body");
    return { ...params, ...(parsed as Record<string, unknown>) };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body)) params[k] = parseValue(v);
    return params;
  }
  if (type.startsWith("multipart/")) throw badRequest("multipart bodies are not supported by this stand-in");
  throw badRequest("unsupported content type");
}

/** Tests run without a network: only webhooks on loopback are called; others just keep their updates pending. */
function isLoopback(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

const asInt = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
};

export async function startTelegramBotApi(options: TelegramBotApiOptions = {}): Promise<TelegramBotApi> {
  const token = options.token ?? "123456:TEST-token_abcdefghijklmnopqrstuv";
  const bot = {
    id: options.bot?.id ?? (asInt(token.split(":")[0]) || 123456),
    is_bot: true,
    first_name: options.bot?.first_name ?? "Test Bot",
    username: options.bot?.username ?? "test_bot",
  };
  const calls: RecordedCall[] = [];
  const sent = new Map<string, SentMessage[]>();
  const commands = new Map<string, Array<{ command: string; description: string }>>();
  const chats = new Map<string, TgChat & { type: string }>();
  const missingChats = new Set<string>();
  const blockedChats = new Set<string>();
  const messageCounters = new Map<string, number>();
  const failures = new Map<string, ApiFailure[]>();
  const holds = new Map<string, { waiters: Array<() => void>; count: number }>();
  const webhookDeliveries: WebhookDelivery[] = [];
  let updates: TgUpdate[] = [];
  let nextUpdateId = 700_000_001;
  let allowedUpdates: string[] | undefined;
  let otherPoller = false;
  let webhook: TelegramBotApi["webhook"] = null;
  let activePoll: { finish(result: { failure?: ApiFailure; updates?: TgUpdate[] }): void; wake(): void } | undefined;
  let webhookChain: Promise<void> = Promise.resolve();

  const nextMessageId = (chatId: string) => {
    const n = (messageCounters.get(chatId) ?? 0) + 1;
    messageCounters.set(chatId, n);
    return n;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const typeOf = (u: TgUpdate) => Object.keys(u).find((k) => k !== "update_id") ?? "";
  const allowed = (u: TgUpdate) => (allowedUpdates && allowedUpdates.length > 0 ? allowedUpdates.includes(typeOf(u)) : DEFAULT_ALLOWED(typeOf(u)));

  function rememberChat(chat: TgChat): TgChat & { type: string } {
    const type = chat.type ?? (chat.id > 0 ? "private" : "supergroup");
    const full = { ...chats.get(String(chat.id)), ...chat, type };
    chats.set(String(chat.id), full);
    return full;
  }

  /** Any numeric chat id exists (users write to the bot through paths the stand-in cannot see, such as a test's own webhook POST) unless marked missing. */
  function chatFor(raw: unknown): TgChat & { type: string } {
    const key = String(raw ?? "").trim();
    if (missingChats.has(key)) throw badRequest("chat not found");
    if (blockedChats.has(key)) throw new ApiError({ error_code: 403, description: "Forbidden: bot was blocked by the user" });
    const known = chats.get(key) ?? [...chats.values()].find((c) => c.username && `@${c.username}` === key);
    if (known) return known;
    const id = asInt(key);
    if (id === undefined || id === 0) throw badRequest("chat not found");
    return rememberChat({ id });
  }

  function enqueue(body: Record<string, unknown>): TgUpdate {
    const update = { update_id: nextUpdateId++, ...body } as TgUpdate;
    updates.push(update);
    activePoll?.wake();
    if (webhook) webhookChain = webhookChain.then(() => deliverToWebhook(update));
    return update;
  }

  async function deliverToWebhook(update: TgUpdate): Promise<void> {
    const hook = webhook;
    if (!hook || !updates.includes(update) || !isLoopback(hook.url)) return;
    let status = 0;
    let headers: WebhookDelivery["headers"] = {};
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(hook.secret_token ? { "x-telegram-bot-api-secret-token": hook.secret_token } : {}) },
        body: JSON.stringify(update),
      });
      status = res.status;
      headers = Object.fromEntries(res.headers.entries());
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    webhookDeliveries.push({ updateId: update.update_id, status, headers });
    if (status >= 200 && status < 300) updates = updates.filter((u) => u !== update);
  }

  function takeFailure(method: string): ApiFailure | undefined {
    const queue = failures.get(method);
    const failure = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    return failure;
  }

  async function waitIfHeld(method: string): Promise<void> {
    const held = holds.get(method);
    if (held && held.count > 0) await new Promise<void>((resolve) => held.waiters.push(resolve));
  }

  function getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<unknown> {
    if (webhook) throw new ApiError(WEBHOOK_ACTIVE);
    if (otherPoller) throw new ApiError(TERMINATED);
    const offset = asInt(params.offset);
    const limit = Math.min(Math.max(asInt(params.limit) ?? 100, 1), 100);
    const timeout = Math.max(asInt(params.timeout) ?? 0, 0);
    if (Array.isArray(params.allowed_updates)) allowedUpdates = params.allowed_updates.map(String);
    if (offset !== undefined && offset > 0) updates = updates.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) updates = updates.slice(offset);
    activePoll?.finish({ failure: TERMINATED });

    const ready = () => {
      updates = updates.filter(allowed);
      return updates.slice(0, limit);
    };
    const first = ready();
    if (first.length > 0 || timeout === 0) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      let done = false;
      const poll = {
        finish(result: { failure?: ApiFailure; updates?: TgUpdate[] }) {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (activePoll === poll) activePoll = undefined;
          if (result.failure) reject(new ApiError(result.failure));
          else resolve(result.updates ?? []);
        },
        wake() {
          const batch = ready();
          if (batch.length > 0) poll.finish({ updates: batch });
        },
      };
      const timer = setTimeout(() => poll.finish({ updates: [] }), timeout * 1000);
      res.on("close", () => poll.finish({ updates: [] }));
      activePoll = poll;
    });
  }

  function sendMessage(params: Record<string, unknown>): SentMessage {
    const chat = chatFor(params.chat_id);
    const text = typeof params.text === "string" ? params.text : params.text === undefined ? "" : String(params.text);
    if (text.trim() === "") throw badRequest("message text is empty");
    if (text.length > 4096) throw badRequest("message is too long");
    const thread = asInt(params.message_thread_id);
    if (thread !== undefined && !chat.is_forum && chat.type !== "private") throw badRequest("message thread not found");
    const replyParams = params.reply_parameters as { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
    const replyId = asInt(replyParams?.message_id ?? params.reply_to_message_id);
    const message: SentMessage = {
      message_id: nextMessageId(String(chat.id)),
      from: bot,
      chat,
      date: now(),
      text,
      edits: [],
      ...(thread !== undefined ? { message_thread_id: thread, is_topic_message: true } : {}),
      ...(replyId !== undefined ? { reply_to_message: { message_id: replyId, chat, date: now() } } : {}),
    };
    const list = sent.get(String(chat.id)) ?? [];
    list.push(message);
    sent.set(String(chat.id), list);
    return message;
  }

  function findSent(params: Record<string, unknown>, notFound: string): SentMessage {
    const chat = chatFor(params.chat_id);
    const id = asInt(params.message_id);
    const message = sent.get(String(chat.id))?.find((m) => m.message_id === id && !m.deleted);
    if (!message) throw badRequest(notFound);
    return message;
  }

  function call(method: string, params: Record<string, unknown>, res: ServerResponse): unknown {
    switch (method) {
      case "getMe":
        return { ...bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false };
      case "getUpdates":
        return getUpdates(params, res);
      case "sendMessage": {
        const { edits: _edits, ...message } = sendMessage(params);
        return message;
      }
      case "editMessageText": {
        const message = findSent(params, "message to edit not found");
        const text = typeof params.text === "string" ? params.text : "";
        if (text.trim() === "") throw badRequest("message text is empty");
        if (text === message.text) {
          throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
        }
        message.edits.push(text);
        message.text = text;
        const { edits: _edits, ...shape } = message;
        return { ...shape, edit_date: now() };
      }
      case "deleteMessage":
        findSent(params, "message to delete not found").deleted = true;
        return true;
      case "sendChatAction":
        chatFor(params.chat_id);
        if (!CHAT_ACTIONS.has(String(params.action))) throw badRequest("wrong parameter action in request");
        return true;
      case "setMessageReaction":
        chatFor(params.chat_id);
        if (asInt(params.message_id) === undefined) throw badRequest("message_id is required");
        return true;
      case "setWebhook": {
        const url = typeof params.url === "string" ? params.url : "";
        if (url === "") {
          webhook = null;
          return true;
        }
        const secret = params.secret_token;
        if (secret !== undefined && (typeof secret !== "string" || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) throw badRequest("secret token contains unallowed characters");
        webhook = { url, ...(typeof secret === "string" ? { secret_token: secret } : {}), ...(Array.isArray(params.allowed_updates) ? { allowed_updates: params.allowed_updates.map(String) } : {}) };
        if (webhook.allowed_updates) allowedUpdates = webhook.allowed_updates;
        activePoll?.finish({ failure: WEBHOOK_ACTIVE });
        if (params.drop_pending_updates === true) updates = [];
        for (const update of updates) webhookChain = webhookChain.then(() => deliverToWebhook(update));
        return true;
      }
      case "deleteWebhook":
        webhook = null;
        if (params.drop_pending_updates === true) updates = [];
        return true;
      case "getWebhookInfo":
        return {
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: updates.length,
          ...(webhook?.allowed_updates ? { allowed_updates: webhook.allowed_updates } : {}),
        };
      case "setMyCommands": {
        const list = params.commands;
        if (!Array.isArray(list)) throw badRequest("commands must be an array");
        for (const c of list) {
          const entry = c as { command?: unknown; description?: unknown };
          if (typeof entry.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(entry.command)) throw badRequest("BOT_COMMAND_INVALID");
          if (typeof entry.description !== "string" || entry.description.length === 0 || entry.description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        commands.set(scopeKey(params), list.map((c) => ({ command: String(c.command), description: String(c.description) })));
        return true;
      }
      case "deleteMyCommands":
        commands.delete(scopeKey(params));
        return true;
      case "getMyCommands":
        return commands.get(scopeKey(params)) ?? [];
      default:
        throw new ApiError({ error_code: 404, description: "Not Found" });
    }
  }

  const scopeKey = (params: Record<string, unknown>) =>
    params.scope || params.language_code ? JSON.stringify([params.scope ?? null, params.language_code ?? ""]) : "default";

  function reply(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const [, givenToken, method] = match;
    if (givenToken !== token) return reply(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    let params: Record<string, unknown>;
    try {
      params = await readParams(req, url);
    } catch (err) {
      const failure = err instanceof ApiError ? err.failure : { error_code: 400, description: "Bad Request: invalid request body" };
      return reply(res, failure.error_code, { ok: false, ...failure });
    }
    calls.push({ method, params, at: Date.now() });
    await waitIfHeld(method);
    // A held request whose client went away (a killed gateway) never reached the API, as if lost in transit.
    if (req.socket.destroyed || res.destroyed) return;
    try {
      const failure = takeFailure(method);
      if (failure) throw new ApiError(failure);
      const result = await call(method, params, res);
      reply(res, 200, { ok: true, result });
    } catch (err) {
      const failure = err instanceof ApiError ? err.failure : { error_code: 500, description: `Internal Server Error: ${String(err)}` };
      reply(res, failure.error_code, { ok: false, ...failure });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => reply(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  function hold(method: string): () => void {
    const entry = holds.get(method) ?? { waiters: [], count: 0 };
    entry.count++;
    holds.set(method, entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.count--;
      if (entry.count === 0) for (const resume of entry.waiters.splice(0)) resume();
    };
  }

  const standIn: TelegramBotApi = {
    apiRoot: `http://127.0.0.1:${port}`,
    port,
    token,
    bot,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    sent,
    commands,
    get webhook() {
      return webhook;
    },
    webhookDeliveries,
    pending: () => [...updates],
    injectMessage(input) {
      const chat = rememberChat(input.chat);
      const thread = input.message_thread_id;
      const message: TgMessage = {
        message_id: nextMessageId(String(chat.id)),
        from: { is_bot: false, ...input.from },
        chat,
        date: now(),
        ...(thread !== undefined ? { message_thread_id: thread, ...(input.is_topic_message !== false ? { is_topic_message: true } : {}) } : {}),
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(input.caption !== undefined ? { caption: input.caption } : {}),
        ...(input.entities ? { entities: input.entities } : {}),
        ...(input.caption_entities ? { caption_entities: input.caption_entities } : {}),
        ...(input.reply_to_message ? { reply_to_message: input.reply_to_message } : {}),
        ...input.extra,
      };
      return enqueue({ message });
    },
    injectUpdate: (body) => enqueue(body),
    markChatMissing: (chatId) => void missingChats.add(String(chatId)),
    blockBot: (chatId) => void blockedChats.add(String(chatId)),
    failNext(method, failure, count = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < count; i++) queue.push(failure);
      failures.set(method, queue);
    },
    simulateOtherPoller() {
      otherPoller = true;
      activePoll?.finish({ failure: TERMINATED });
      return () => {
        otherPoller = false;
      };
    },
    hold,
    holdSends() {
      const releases = SEND_METHODS.map(hold);
      return () => releases.forEach((release) => release());
    },
    async flushWebhook() {
      for (const update of [...updates]) webhookChain = webhookChain.then(() => deliverToWebhook(update));
      await webhookChain;
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      activePoll?.finish({ updates: [] });
      for (const entry of holds.values()) {
        entry.count = 0;
        for (const resume of entry.waiters.splice(0)) resume();
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return standIn;
}
