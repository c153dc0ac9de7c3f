import type { ProbeResult } from "../types.js";
import { IrcClient } from "./irc-client.js";
import type { IrcAccount } from "./irc-config.js";

/** Probe nicks stay within the 16 characters common networks allow. */
const PROBE_NICK_MAX = 16;
const PROBE_SUFFIX = "-probe";

/** `molty` → `molty-probe`: never the running connection's nick, so the probe cannot collide with it. */
export function probeNick(nick: string): string {
  return `${nick.slice(0, PROBE_NICK_MAX - PROBE_SUFFIX.length)}${PROBE_SUFFIX}`;
}

/**
 * A separate short connection that registers under a probe nick and QUITs: it checks the server,
 * port, TLS and password without touching the running connection. Never throws.
 */
export async function probeIrc(account: IrcAccount, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const budget = Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.min(timeoutMs, account.connectTimeoutMs) : account.connectTimeoutMs;
  let client: IrcClient | undefined;
  try {
    client = new IrcClient({
      host: account.host,
      port: account.port,
      tls: account.tls,
      tlsInsecure: account.tlsInsecure,
      nick: probeNick(account.nick),
      username: account.username,
      realname: account.realname,
      ...(account.password !== undefined ? { password: account.password } : {}),
      connectTimeoutMs: budget,
    });
    const welcome = await client.welcomed;
    const elapsedMs = Date.now() - started;
    await client.quit("probe");
    return { ok: true, elapsedMs, nick: welcome.nick, server: welcome.server };
  } catch (err) {
    client?.destroy();
    return { ok: false, error: (err as Error)?.message ?? String(err), elapsedMs: Date.now() - started };
  }
}
