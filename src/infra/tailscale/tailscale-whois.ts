import { asRecord, parseTailscaleJson, runTailscale, type TailscaleExec } from "./tailscale-cli.js";

export const WHOIS_CACHE_MS = 60_000;
export const WHOIS_FAILURE_CACHE_MS = 5000;
export const WHOIS_TIMEOUT_MS = 5000;
const MAX_CACHED_ADDRESSES = 1024;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/** The login in a `tailscale whois --json` answer: UserProfile.LoginName, else .Login, else LoginName. */
export function loginFromWhois(answer: Record<string, unknown>): string | undefined {
  const profile = asRecord(answer.UserProfile);
  return nonEmpty(profile?.LoginName) ?? nonEmpty(profile?.Login) ?? nonEmpty(answer.LoginName);
}

type Cached = { login: string | null; expiresAt: number };

/**
 * Asks tailscaled who owns a tailnet address. Answers are kept for a minute and failures for five
 * seconds, so a reconnecting browser does not run the CLI on every connect; concurrent questions
 * about one address share one command.
 */
export class TailscaleWhois {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<string | null>>();

  constructor(
    private readonly exec: TailscaleExec = runTailscale,
    private readonly now: () => number = Date.now,
  ) {}

  /** The login that owns `ip`, or null when tailscale does not know it (or could not be asked). */
  login(ip: string): Promise<string | null> {
    const cached = this.cache.get(ip);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.login);
    const running = this.inFlight.get(ip);
    if (running) return running;
    const asking = this.ask(ip).finally(() => this.inFlight.delete(ip));
    this.inFlight.set(ip, asking);
    return asking;
  }

  private async ask(ip: string): Promise<string | null> {
    let login: string | null = null;
    try {
      login = loginFromWhois(parseTailscaleJson((await this.exec(["whois", "--json", ip], { timeoutMs: WHOIS_TIMEOUT_MS })).stdout)) ?? null;
    } catch {
      login = null;
    }
    this.remember(ip, login);
    return login;
  }

  private remember(ip: string, login: string | null): void {
    this.cache.delete(ip);
    if (this.cache.size >= MAX_CACHED_ADDRESSES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(ip, { login, expiresAt: this.now() + (login ? WHOIS_CACHE_MS : WHOIS_FAILURE_CACHE_MS) });
  }
}

/** The process's whois cache. */
export const tailscaleWhois = new TailscaleWhois();
