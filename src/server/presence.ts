import { hostname, networkInterfaces, platform, release } from "node:os";

export type PresenceEntry = {
  host?: string;
  clientId?: string;
  ip?: string;
  version?: string;
  platform?: string;
  deviceFamily?: string;
  modelIdentifier?: string;
  timeZone?: string;
  mode?: string;
  lastInputSeconds?: number;
  reason?: string;
  tags?: string[];
  text?: string;
  ts: number;
  onlineSince?: number;
  lastActivityAt?: number;
  deviceId?: string;
  roles?: string[];
  scopes?: string[];
  instanceId?: string;
};

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 200;

function primaryIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const addr of addrs ?? []) if (addr.family === "IPv4" && !addr.internal) return addr.address;
  }
  return undefined;
}

function deviceFamilyOf(os: string): string {
  return os === "darwin" ? "Mac" : os === "win32" ? "Windows" : os === "linux" ? "Linux" : os;
}

/** Who is connected: the gateway's own entry plus tracked clients, with a version bumped on change. */
export class PresenceRegistry {
  private entries = new Map<string, PresenceEntry>();
  /** Which connection last claimed each key, so an old socket closing late cannot mark a newer one gone. */
  private owners = new Map<string, string>();
  private readonly self: Omit<PresenceEntry, "ts">;
  version = 1;

  constructor(opts: { version: string; instanceId: string }) {
    const host = hostname();
    const ip = primaryIPv4();
    this.self = {
      host,
      ...(ip ? { ip } : {}),
      version: opts.version,
      platform: `${platform()} ${release().split("-")[0]}`,
      deviceFamily: deviceFamilyOf(platform()),
      mode: "gateway",
      reason: "self",
      instanceId: opts.instanceId,
      text: `Gateway: ${host}${ip ? ` (${ip})` : ""} · app ${opts.version} · mode gateway · reason self`,
    };
  }

  list(now = Date.now()): PresenceEntry[] {
    const out: PresenceEntry[] = [{ ...this.self, ts: now }];
    for (const [key, entry] of this.entries) {
      if (now - entry.ts > TTL_MS) {
        this.entries.delete(key);
        this.owners.delete(key);
      }
      else out.push(entry);
    }
    return out;
  }

  upsert(key: string, entry: PresenceEntry, owner?: string): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (owner) this.owners.set(key, owner);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.owners.delete(oldest);
    }
    this.version++;
  }

  markDisconnected(key: string, owner: string, now = Date.now()): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.owners.get(key) !== owner) return false;
    this.owners.delete(key);
    this.upsert(key, { ...entry, reason: "disconnect", ts: now, lastActivityAt: now });
    return true;
  }

  /** A pong or a request refreshes the entry's timestamp without a broadcast. */
  touch(key: string, now = Date.now()): void {
    const entry = this.entries.get(key);
    if (entry) entry.ts = now;
  }
}
