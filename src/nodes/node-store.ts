import type { Database, Statement } from "better-sqlite3";
import { stateDbPath } from "../store/channel-store.js";
import { openSqliteFile } from "../store/sqlite-file.js";
import { stateMigrations } from "../store/state-migrations.js";
import { PendingWorkQueue } from "./pending-work.js";
import type { NodePairingRequest, PairedNode } from "./types.js";

type Row = Record<string, unknown>;

function opt<T>(v: unknown): T | undefined {
  return v === null || v === undefined ? undefined : (v as T);
}

function nodeOf(r: Row): PairedNode {
  const n: PairedNode = {
    nodeId: r.node_id as string,
    caps: JSON.parse(r.caps as string) as string[],
    commands: JSON.parse(r.commands as string) as string[],
    createdAtMs: r.created_at as number,
    approvedAtMs: r.approved_at as number,
  };
  const fields: Array<[keyof PairedNode, string]> = [
    ["clientId", "client_id"], ["clientMode", "client_mode"], ["displayName", "display_name"], ["platform", "platform"],
    ["version", "version"], ["deviceFamily", "device_family"], ["modelIdentifier", "model_identifier"],
    ["lastSeenAtMs", "last_seen_at"], ["lastSeenReason", "last_seen_reason"],
  ];
  for (const [key, col] of fields) {
    const v = opt(r[col]);
    if (v !== undefined) (n as Record<string, unknown>)[key] = v;
  }
  const permissions = opt<string>(r.permissions);
  if (permissions !== undefined) n.permissions = JSON.parse(permissions) as Record<string, boolean>;
  return n;
}

/**
 * The node tables of the gateway state database: approved surfaces (`nodes`), the requests
 * waiting for an operator (`node_pairing_requests`) and work queued for nodes.
 */
export class NodeStore {
  private readonly s: Record<string, Statement>;
  readonly work: PendingWorkQueue;

  static async open(stateDir: string): Promise<NodeStore> {
    return new NodeStore(await openSqliteFile(stateDbPath(stateDir), stateMigrations));
  }

  private constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      get: p(`SELECT * FROM nodes WHERE node_id = ?`),
      all: p(`SELECT * FROM nodes ORDER BY approved_at, node_id`),
      upsert: p(
        `INSERT INTO nodes (node_id, display_name, platform, version, device_family, model_identifier, client_id, client_mode, caps, commands, permissions, created_at, approved_at, last_seen_at, last_seen_reason)
         VALUES (@nodeId, @displayName, @platform, @version, @deviceFamily, @modelIdentifier, @clientId, @clientMode, @caps, @commands, @permissions, @createdAtMs, @approvedAtMs, @lastSeenAtMs, @lastSeenReason)
         ON CONFLICT (node_id) DO UPDATE SET display_name = excluded.display_name, platform = excluded.platform, version = excluded.version,
           device_family = excluded.device_family, model_identifier = excluded.model_identifier, client_id = excluded.client_id, client_mode = excluded.client_mode,
           caps = excluded.caps, commands = excluded.commands, permissions = excluded.permissions, created_at = excluded.created_at,
           approved_at = excluded.approved_at, last_seen_at = excluded.last_seen_at, last_seen_reason = excluded.last_seen_reason`,
      ),
      delete: p(`DELETE FROM nodes WHERE node_id = ?`),
      touch: p(`UPDATE nodes SET last_seen_at = ?, last_seen_reason = ? WHERE node_id = ?`),
      rename: p(`UPDATE nodes SET display_name = ? WHERE node_id = ?`),
      requests: p(`SELECT request, expires_at FROM node_pairing_requests`),
      putRequest: p(`INSERT OR REPLACE INTO node_pairing_requests (request_id, node_id, request, expires_at) VALUES (?, ?, ?, ?)`),
      deleteRequest: p(`DELETE FROM node_pairing_requests WHERE request_id = ?`),
      deleteOtherRequests: p(`DELETE FROM node_pairing_requests WHERE node_id = ? AND request_id <> ?`),
    };
    this.work = new PendingWorkQueue(db);
  }

  close(): void {
    this.db.close();
  }

  get(nodeId: string): PairedNode | null {
    const row = this.s.get.get(nodeId) as Row | undefined;
    return row ? nodeOf(row) : null;
  }

  list(): PairedNode[] {
    return (this.s.all.all() as Row[]).map(nodeOf);
  }

  save(n: PairedNode): void {
    this.s.upsert.run({
      nodeId: n.nodeId,
      displayName: n.displayName ?? null,
      platform: n.platform ?? null,
      version: n.version ?? null,
      deviceFamily: n.deviceFamily ?? null,
      modelIdentifier: n.modelIdentifier ?? null,
      clientId: n.clientId ?? null,
      clientMode: n.clientMode ?? null,
      caps: JSON.stringify(n.caps),
      commands: JSON.stringify(n.commands),
      permissions: n.permissions ? JSON.stringify(n.permissions) : null,
      createdAtMs: n.createdAtMs,
      approvedAtMs: n.approvedAtMs,
      lastSeenAtMs: n.lastSeenAtMs ?? null,
      lastSeenReason: n.lastSeenReason ?? null,
    });
  }

  remove(nodeId: string): boolean {
    return this.s.delete.run(nodeId).changes > 0;
  }

  touch(nodeId: string, atMs: number, reason: string): void {
    this.s.touch.run(atMs, reason, nodeId);
  }

  rename(nodeId: string, displayName: string): boolean {
    return this.s.rename.run(displayName, nodeId).changes > 0;
  }

  /** Pending requests with their expiry (expired ones included: the caller drops them). */
  pendingRequests(): Array<{ request: NodePairingRequest; expiresAtMs: number }> {
    return (this.s.requests.all() as Row[]).map((r) => ({ request: JSON.parse(r.request as string) as NodePairingRequest, expiresAtMs: r.expires_at as number }));
  }

  /** Saves a node's request, replacing any other request of the same node. */
  putRequest(request: NodePairingRequest, expiresAtMs: number): void {
    this.db.transaction(() => {
      this.s.deleteOtherRequests.run(request.nodeId, request.requestId);
      this.s.putRequest.run(request.requestId, request.nodeId, JSON.stringify(request), expiresAtMs);
    })();
  }

  deleteRequest(requestId: string): void {
    this.s.deleteRequest.run(requestId);
  }
}
