import { accessFrom, accountSections, chunkLimitFrom, DEFAULT_ACCOUNT_ID } from "../accounts.js";
import type { ResolvedAccount } from "../types.js";
import { normalizeAllowEntry } from "./irc-mask.js";
import { isChannelName, targetProblem } from "./irc-target.js";

export type IrcChannelJoin = { name: string; key?: string };

/** One IRC account, resolved from `channels.irc` (and IRC_* for the default account). */
export type IrcAccount = {
  host: string;
  /** 6667, or 6697 with TLS, unless set. */
  port: number;
  tls: boolean;
  /** Accept a self-signed or otherwise unverifiable server certificate. */
  tlsInsecure: boolean;
  nick: string;
  /** The USER name (the `user` in `nick!user@host`); defaults to the nick. */
  username: string;
  realname: string;
  /** Server password, sent with PASS. */
  password?: string;
  nickserv?: { password: string; service: string };
  channels: IrcChannelJoin[];
  /** Our own PING cadence, so a healthy link always has traffic for the silence watchdog. */
  pingIntervalMs: number;
  /** TCP (and TLS) connect plus registration, up to the 001 welcome. */
  connectTimeoutMs: number;
  /** Wait before rejoining a channel we were kicked from. */
  rejoinDelayMs: number;
};

export const DEFAULT_PORT = 6667;
export const DEFAULT_TLS_PORT = 6697;
export const DEFAULT_TEXT_CHUNK_LIMIT = 350;
const MAX_TEXT_CHUNK_LIMIT = 4096;
export const DEFAULT_PING_INTERVAL_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_REJOIN_DELAY_MS = 3_000;
const DEFAULT_REALNAME = "OpenClaw";
const DEFAULT_NICKSERV = "NickServ";

const LINE_BREAK = /[\r\n\0]/;
/** What a nick may not contain or start with (RFC 2812 §2.3.1, loosely: servers differ on the rest). */
const BAD_NICK = /[\s,!@*?:\x00-\x1F\x7F]|^[#&$+%~\d-]/;

function text(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function flag(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const s = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off"].includes(s)) return false;
  return undefined;
}

function channelList(value: unknown): string[] {
  if (typeof value === "string") return value.split(",");
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `"#chan key"` → { name: "#chan", key: "key" }; a name without `#` or `&` gets `#`. */
export function parseChannelEntry(entry: string): IrcChannelJoin | { error: string } {
  const [rawName, key, ...extra] = entry.trim().split(/\s+/);
  if (!rawName) return { error: "empty channel name" };
  const name = isChannelName(rawName) ? rawName : `#${rawName}`;
  const problem = targetProblem(name);
  if (problem || extra.length > 0) return { error: `${JSON.stringify(entry)} is not "#channel" or "#channel key"` };
  if (key !== undefined && /[,\x00-\x1F\x7F]/.test(key)) return { error: `the key of ${name} contains a comma or control character` };
  return key ? { name, key } : { name };
}

/** Accounts of `channels.irc`; IRC_HOST, IRC_PORT, IRC_NICK, IRC_TLS and IRC_PASSWORD fill the `default` account only. */
export function resolveIrcAccounts(section: Record<string, unknown>, env: NodeJS.ProcessEnv): { accounts: ResolvedAccount<IrcAccount>[]; defaultAccountId: string } {
  const { accounts, defaultAccountId } = accountSections(section);
  return {
    accounts: accounts.map(({ accountId, settings }) => resolveIrcAccount(accountId, settings, accountId === DEFAULT_ACCOUNT_ID ? env : {})),
    defaultAccountId,
  };
}

export function resolveIrcAccount(accountId: string, settings: Record<string, unknown>, env: NodeJS.ProcessEnv): ResolvedAccount<IrcAccount> {
  const where = accountId === DEFAULT_ACCOUNT_ID ? "channels.irc" : `channels.irc.accounts.${accountId}`;
  const envHint = (name: string) => (accountId === DEFAULT_ACCOUNT_ID ? ` (or ${name})` : "");
  const problems: string[] = [];

  const host = text(settings.host) ?? text(env.IRC_HOST);
  const nick = text(settings.nick) ?? text(env.IRC_NICK);
  const tls = flag(settings.tls) ?? flag(env.IRC_TLS) ?? false;
  const rawPort = text(settings.port) ?? text(env.IRC_PORT);
  let port = tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
  if (rawPort !== undefined) {
    const n = Number(rawPort);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
    else problems.push(`port ${JSON.stringify(rawPort)} is not a port number (1-65535)`);
  }
  if (!host) problems.push(`no IRC server: set ${where}.host${envHint("IRC_HOST")}`);
  else if (/\s/.test(host)) problems.push(`host ${JSON.stringify(host)} contains whitespace`);
  if (!nick) problems.push(`no nick: set ${where}.nick${envHint("IRC_NICK")}`);
  else if (BAD_NICK.test(nick)) problems.push(`nick ${JSON.stringify(nick)} is not a valid IRC nick`);

  const username = (text(settings.username) ?? nick ?? "openclaw").replace(/[\s@!\x00-\x1F\x7F]/g, "") || "openclaw";
  const realname = (text(settings.realname) ?? DEFAULT_REALNAME).replace(/[\x00-\x1F\x7F]/g, " ");
  const password = typeof settings.password === "string" && settings.password !== "" ? settings.password : env.IRC_PASSWORD || undefined;
  if (password !== undefined && LINE_BREAK.test(password)) problems.push("password contains a line break or NUL");

  let nickserv: IrcAccount["nickserv"];
  const ns = settings.nickserv;
  if (ns && typeof ns === "object" && !Array.isArray(ns)) {
    const { password: nsPassword, service } = ns as Record<string, unknown>;
    if (typeof nsPassword === "string" && nsPassword !== "") {
      const serviceNick = text(service) ?? DEFAULT_NICKSERV;
      if (LINE_BREAK.test(nsPassword)) problems.push("nickserv.password contains a line break or NUL");
      if (BAD_NICK.test(serviceNick)) problems.push(`nickserv.service ${JSON.stringify(serviceNick)} is not a valid IRC nick`);
      nickserv = { password: nsPassword, service: serviceNick };
    }
  }

  const channels: IrcChannelJoin[] = [];
  for (const entry of channelList(settings.channels)) {
    if (entry.trim() === "") continue;
    const parsed = parseChannelEntry(entry);
    if ("error" in parsed) problems.push(`channels: ${parsed.error}`);
    else if (!channels.some((c) => c.name.toLowerCase() === parsed.name.toLowerCase())) channels.push(parsed);
  }

  const interval = Number(settings.pingIntervalMs);
  const pingIntervalMs = Number.isInteger(interval) && interval >= 100 ? interval : DEFAULT_PING_INTERVAL_MS;

  const account: IrcAccount = {
    host: host ?? "",
    port,
    tls,
    tlsInsecure: flag(settings.tlsInsecure) ?? false,
    nick: nick ?? "",
    username,
    realname,
    ...(password !== undefined ? { password } : {}),
    ...(nickserv ? { nickserv } : {}),
    channels,
    pingIntervalMs,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    rejoinDelayMs: DEFAULT_REJOIN_DELAY_MS,
  };
  return {
    accountId,
    enabled: flag(settings.enabled) ?? true,
    configured: problems.length === 0,
    ...(problems.length > 0 ? { unconfiguredReason: problems.join("; ") } : {}),
    account,
    access: accessFrom(settings, normalizeAllowEntry),
    summary: { host: host ?? null, port, tls, nick: nick ?? null, channels: channels.map((c) => c.name) },
    textChunkLimit: chunkLimitFrom(settings, DEFAULT_TEXT_CHUNK_LIMIT, MAX_TEXT_CHUNK_LIMIT),
  };
}
