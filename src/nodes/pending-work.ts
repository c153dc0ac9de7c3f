import { randomUUID } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";

export const PENDING_WORK_TYPES = ["status.request", "location.request"] as const;
export type PendingWorkType = (typeof PENDING_WORK_TYPES)[number];
export type PendingWorkPriority = "default" | "normal" | "high";

export type PendingWorkItem = {
  id: string;
  type: PendingWorkType;
  priority: PendingWorkPriority;
  createdAtMs: number;
  expiresAtMs: number | null;
};

const RANK: Record<PendingWorkPriority, number> = { default: 0, normal: 1, high: 2 };
export const DEFAULT_DRAIN_ITEMS = 4;

type Row = { id: string; type: string; priority: string; created_at: number; expires_at: number | null };

function itemOf(r: Row): PendingWorkItem {
  return {
    id: r.id,
    type: r.type as PendingWorkType,
    priority: r.priority as PendingWorkPriority,
    createdAtMs: r.created_at,
    expiresAtMs: r.expires_at,
  };
}

/**
 * Work waiting for a node that may be asleep or offline (`node.pending.*`), in the gateway state
 * database. At most one item per type and node: asking again while one waits raises its priority
 * and extends its expiry instead of queueing a duplicate. Each change bumps the node's revision.
 */
export class PendingWorkQueue {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      byType: p(`SELECT * FROM node_pending_work WHERE node_id = ? AND type = ?`),
      insert: p(`INSERT INTO node_pending_work (id, node_id, type, priority, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
      update: p(`UPDATE node_pending_work SET priority = ?, expires_at = ? WHERE id = ?`),
      live: p(`SELECT * FROM node_pending_work WHERE node_id = ? ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, created_at, id`),
      expire: p(`DELETE FROM node_pending_work WHERE node_id = ? AND expires_at IS NOT NULL AND expires_at <= ?`),
      remove: p(`DELETE FROM node_pending_work WHERE node_id = ? AND id = ?`),
      revision: p(`SELECT revision FROM node_pending_revisions WHERE node_id = ?`),
      bump: p(`INSERT INTO node_pending_revisions (node_id, revision) VALUES (?, 1) ON CONFLICT (node_id) DO UPDATE SET revision = revision + 1`),
      forget: p(`DELETE FROM node_pending_work WHERE node_id = ?`),
    };
  }

  revision(nodeId: string): number {
    return (this.s.revision.get(nodeId) as { revision: number } | undefined)?.revision ?? 0;
  }

  enqueue(nodeId: string, req: { type: PendingWorkType; priority?: "normal" | "high"; expiresInMs?: number }, now = Date.now()): { revision: number; queued: PendingWorkItem } {
    return this.db.transaction(() => {
      this.expire(nodeId, now);
      const priority: PendingWorkPriority = req.priority ?? "default";
      const expiresAtMs = req.expiresInMs !== undefined ? now + req.expiresInMs : null;
      const existing = this.s.byType.get(nodeId, req.type) as Row | undefined;
      let queued: PendingWorkItem;
      if (existing) {
        const old = itemOf(existing);
        const keptPriority = RANK[priority] > RANK[old.priority] ? priority : old.priority;
        const keptExpiry = old.expiresAtMs === null || expiresAtMs === null ? null : Math.max(old.expiresAtMs, expiresAtMs);
        this.s.update.run(keptPriority, keptExpiry, old.id);
        queued = { ...old, priority: keptPriority, expiresAtMs: keptExpiry };
      } else {
        queued = { id: randomUUID(), type: req.type, priority, createdAtMs: now, expiresAtMs };
        this.s.insert.run(queued.id, nodeId, queued.type, queued.priority, queued.createdAtMs, queued.expiresAtMs);
      }
      this.s.bump.run(nodeId);
      return { revision: this.revision(nodeId), queued };
    })();
  }

  /** Every unexpired item, most urgent first. */
  list(nodeId: string, now = Date.now()): PendingWorkItem[] {
    this.expire(nodeId, now);
    return (this.s.live.all(nodeId) as Row[]).map(itemOf);
  }

  /** Hands over (and removes) up to `maxItems` of the most urgent items. */
  drain(nodeId: string, maxItems = DEFAULT_DRAIN_ITEMS, now = Date.now()): { revision: number; items: PendingWorkItem[]; hasMore: boolean } {
    return this.db.transaction(() => {
      const all = this.list(nodeId, now);
      const items = all.slice(0, maxItems);
      for (const item of items) this.s.remove.run(nodeId, item.id);
      if (items.length > 0) this.s.bump.run(nodeId);
      return { revision: this.revision(nodeId), items, hasMore: all.length > items.length };
    })();
  }

  /** Removes the named items of this node; returns the ids that were there. */
  ack(nodeId: string, ids: readonly string[]): string[] {
    return this.db.transaction(() => {
      const acked = [...new Set(ids)].filter((id) => this.s.remove.run(nodeId, id).changes > 0);
      if (acked.length > 0) this.s.bump.run(nodeId);
      return acked;
    })();
  }

  /** Drops a removed node's queue. */
  forget(nodeId: string): void {
    if (this.s.forget.run(nodeId).changes > 0) this.s.bump.run(nodeId);
  }

  private expire(nodeId: string, now: number): void {
    if (this.s.expire.run(nodeId, now).changes > 0) this.s.bump.run(nodeId);
  }
}
