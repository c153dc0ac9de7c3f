import type { Database, Statement } from "better-sqlite3";
import { join } from "node:path";
import { openSqliteFile } from "./sqlite-file.js";
import { stateMigrations } from "./state-migrations.js";

export function stateDbPath(stateDir: string): string {
  return join(stateDir, "state", "openclaw.sqlite");
}

export type InboundRow = {
  id: number;
  channel: string;
  accountId: string;
  conversationId: string;
  messageId: string;
  /** The InboundMessage as received (JSON). */
  message: unknown;
  status: "pending" | "done";
  /** What the access gates decided: dispatch, history, pairing, drop:<reason>; null until decided. */
  decision: string | null;
  agentId: string | null;
  sessionKey: string | null;
  runId: string | null;
  attempt: number;
  receivedAt: number;
};

export type NewOutbound = {
  channel: string;
  accountId: string;
  conversationId: string;
  threadId?: string | null;
  kind: "text" | "edit";
  text: string;
  replyToId?: string | null;
  editMessageId?: string | null;
  inboundId?: number | null;
  idempotencyKey?: string | null;
};

export type OutboundRow = Required<{ [K in keyof NewOutbound]: Exclude<NewOutbound[K], undefined> }> & {
  id: number;
  status: "pending" | "sent" | "failed";
  attempts: number;
  notBefore: number;
  lastError: string | null;
  messageId: string | null;
  createdAt: number;
  sentAt: number | null;
};

export type PairingRequestRow = {
  channel: string;
  accountId: string;
  senderId: string;
  senderLabel: string;
  code: string;
  metadata: Record<string, string>;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
};

type Row = Record<string, unknown>;

function inboundOf(r: Row): InboundRow {
  return {
    id: r.id as number,
    channel: r.channel as string,
    accountId: r.account_id as string,
    conversationId: r.conversation_id as string,
    messageId: r.message_id as string,
    message: JSON.parse(r.message as string),
    status: r.status as InboundRow["status"],
    decision: (r.decision as string | null) ?? null,
    agentId: (r.agent_id as string | null) ?? null,
    sessionKey: (r.session_key as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    attempt: r.attempt as number,
    receivedAt: r.received_at as number,
  };
}

function outboundOf(r: Row): OutboundRow {
  return {
    id: r.id as number,
    channel: r.channel as string,
    accountId: r.account_id as string,
    conversationId: r.conversation_id as string,
    threadId: (r.thread_id as string | null) ?? null,
    kind: r.kind as OutboundRow["kind"],
    text: r.text as string,
    replyToId: (r.reply_to_id as string | null) ?? null,
    editMessageId: (r.edit_message_id as string | null) ?? null,
    inboundId: (r.inbound_id as number | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    status: r.status as OutboundRow["status"],
    attempts: r.attempts as number,
    notBefore: r.not_before as number,
    lastError: (r.last_error as string | null) ?? null,
    messageId: (r.message_id as string | null) ?? null,
    createdAt: r.created_at as number,
    sentAt: (r.sent_at as number | null) ?? null,
  };
}

function pairingOf(r: Row): PairingRequestRow {
  return {
    channel: r.channel as string,
    accountId: r.account_id as string,
    senderId: r.sender_id as string,
    senderLabel: r.sender_label as string,
    code: r.code as string,
    metadata: JSON.parse(r.metadata as string),
    createdAt: r.created_at as number,
    lastSeenAt: r.last_seen_at as number,
    expiresAt: r.expires_at as number,
  };
}

/**
 * The channel tables of the gateway state database: the inbound and outbound queues, pairing
 * requests and approvals, and per-account values. Each method is one short transaction.
 */
export class ChannelStore {
  private readonly s: Record<string, Statement>;

  static async open(stateDir: string): Promise<ChannelStore> {
    return new ChannelStore(await openSqliteFile(stateDbPath(stateDir), stateMigrations));
  }

  private constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertInbound: p(
        `INSERT INTO channel_inbound (channel, account_id, conversation_id, message_id, message, received_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      inbound: p(`SELECT * FROM channel_inbound WHERE id = ?`),
      pendingInbound: p(`SELECT * FROM channel_inbound WHERE status = 'pending' ORDER BY id`),
      decide: p(`UPDATE channel_inbound SET decision = ?, agent_id = ?, session_key = ?, run_id = ?, attempt = ? WHERE id = ?`),
      finishInbound: p(`UPDATE channel_inbound SET status = 'done', decision = coalesce(?, decision), done_at = ? WHERE id = ?`),
      pruneInbound: p(`DELETE FROM channel_inbound WHERE status = 'done' AND done_at < ?`),
      insertOutbound: p(
        `INSERT INTO channel_outbound (channel, account_id, conversation_id, thread_id, kind, text, reply_to_id, edit_message_id, inbound_id, idempotency_key, created_at)
         VALUES (@channel, @accountId, @conversationId, @threadId, @kind, @text, @replyToId, @editMessageId, @inboundId, @idempotencyKey, @createdAt)
         ON CONFLICT (idempotency_key) DO NOTHING`,
      ),
      outbound: p(`SELECT * FROM channel_outbound WHERE id = ?`),
      outboundByKey: p(`SELECT * FROM channel_outbound WHERE idempotency_key = ?`),
      pendingLanes: p(`SELECT DISTINCT channel, account_id, conversation_id FROM channel_outbound WHERE status = 'pending'`),
      nextPending: p(`SELECT * FROM channel_outbound WHERE status = 'pending' AND channel = ? AND account_id = ? AND conversation_id = ? ORDER BY id LIMIT 1`),
      queueDepths: p(
        `SELECT (SELECT count(*) FROM channel_inbound WHERE status = 'pending') AS inbound,
                (SELECT count(*) FROM channel_outbound WHERE status = 'pending') AS outbound`,
      ),
      pendingCount: p(`SELECT count(*) AS n FROM channel_outbound WHERE status = 'pending' AND channel = ? AND account_id = ?`),
      markSent: p(`UPDATE channel_outbound SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`),
      markRetry: p(`UPDATE channel_outbound SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE id = ?`),
      markFailed: p(`UPDATE channel_outbound SET status = 'failed', attempts = attempts + 1, last_error = ?, sent_at = ? WHERE id = ?`),
      pruneOutbound: p(`DELETE FROM channel_outbound WHERE status <> 'pending' AND sent_at < ?`),
      pairingBySender: p(`SELECT * FROM channel_pairing_requests WHERE channel = ? AND account_id = ? AND sender_id = ?`),
      pairingByCode: p(`SELECT * FROM channel_pairing_requests WHERE channel = ? AND code = ? AND (? IS NULL OR account_id = ?)`),
      pairingList: p(`SELECT * FROM channel_pairing_requests WHERE (? IS NULL OR channel = ?) AND (? IS NULL OR account_id = ?) ORDER BY created_at`),
      pairingCount: p(`SELECT count(*) AS n FROM channel_pairing_requests WHERE channel = ? AND account_id = ?`),
      pairingUpsert: p(
        `INSERT INTO channel_pairing_requests (channel, account_id, sender_id, sender_label, code, metadata, created_at, last_seen_at, expires_at)
         VALUES (@channel, @accountId, @senderId, @senderLabel, @code, @metadata, @createdAt, @lastSeenAt, @expiresAt)
         ON CONFLICT (channel, account_id, sender_id) DO UPDATE SET sender_label = excluded.sender_label, code = excluded.code,
           metadata = excluded.metadata, created_at = excluded.created_at, last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at`,
      ),
      pairingSeen: p(`UPDATE channel_pairing_requests SET last_seen_at = ? WHERE channel = ? AND account_id = ? AND sender_id = ?`),
      pairingDelete: p(`DELETE FROM channel_pairing_requests WHERE channel = ? AND account_id = ? AND sender_id = ?`),
      pairingExpire: p(`DELETE FROM channel_pairing_requests WHERE expires_at <= ?`),
      allowInsert: p(`INSERT INTO channel_pairing_allow_entries (channel, account_id, sender_id, approved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      allowList: p(`SELECT sender_id FROM channel_pairing_allow_entries WHERE channel = ? AND account_id = ?`),
      stateGet: p(`SELECT value FROM channel_state WHERE channel = ? AND account_id = ? AND key = ?`),
      stateSet: p(`INSERT INTO channel_state (channel, account_id, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** Commits a message; returns its row id, or null when the same message was received before. */
  acceptInbound(channel: string, accountId: string, conversationId: string, messageId: string, message: unknown): number | null {
    const info = this.s.insertInbound.run(channel, accountId, conversationId, messageId, JSON.stringify(message), Date.now());
    return info.changes === 0 ? null : Number(info.lastInsertRowid);
  }

  inbound(id: number): InboundRow | null {
    const row = this.s.inbound.get(id) as Row | undefined;
    return row ? inboundOf(row) : null;
  }

  /** Messages accepted but not yet answered, and replies not yet delivered. */
  queueDepths(): { inbound: number; outbound: number } {
    return this.s.queueDepths.get() as { inbound: number; outbound: number };
  }

  pendingInbound(): InboundRow[] {
    return (this.s.pendingInbound.all() as Row[]).map(inboundOf);
  }

  recordDecision(id: number, d: { decision: string; agentId?: string | null; sessionKey?: string | null; runId?: string | null; attempt?: number }): void {
    this.s.decide.run(d.decision, d.agentId ?? null, d.sessionKey ?? null, d.runId ?? null, d.attempt ?? 0, id);
  }

  /** Marks a message handled and queues what it produced, in one transaction. */
  finishInbound(id: number, decision: string | null, replies: NewOutbound[] = []): number[] {
    return this.db.transaction(() => {
      const ids = replies.map((r) => this.insertOutbound(r));
      this.s.finishInbound.run(decision, Date.now(), id);
      return ids.filter((x): x is number => x !== null);
    })();
  }

  /** Queues outbound rows; a row whose idempotency key exists is not added again. Returns the row ids. */
  enqueue(rows: NewOutbound[]): number[] {
    return this.db.transaction(() =>
      rows.map((r) => {
        const id = this.insertOutbound(r);
        if (id !== null) return id;
        return (this.s.outboundByKey.get(r.idempotencyKey) as Row).id as number;
      }),
    )();
  }

  private insertOutbound(r: NewOutbound): number | null {
    const info = this.s.insertOutbound.run({
      channel: r.channel,
      accountId: r.accountId,
      conversationId: r.conversationId,
      threadId: r.threadId ?? null,
      kind: r.kind,
      text: r.text,
      replyToId: r.replyToId ?? null,
      editMessageId: r.editMessageId ?? null,
      inboundId: r.inboundId ?? null,
      idempotencyKey: r.idempotencyKey ?? null,
      createdAt: Date.now(),
    });
    return info.changes === 0 ? null : Number(info.lastInsertRowid);
  }

  outbound(id: number): OutboundRow | null {
    const row = this.s.outbound.get(id) as Row | undefined;
    return row ? outboundOf(row) : null;
  }

  pendingLanes(): Array<{ channel: string; accountId: string; conversationId: string }> {
    return (this.s.pendingLanes.all() as Row[]).map((r) => ({ channel: r.channel as string, accountId: r.account_id as string, conversationId: r.conversation_id as string }));
  }

  nextPending(channel: string, accountId: string, conversationId: string): OutboundRow | null {
    const row = this.s.nextPending.get(channel, accountId, conversationId) as Row | undefined;
    return row ? outboundOf(row) : null;
  }

  pendingCount(channel: string, accountId: string): number {
    return (this.s.pendingCount.get(channel, accountId) as { n: number }).n;
  }

  markSent(id: number, messageId: string | null): void {
    this.s.markSent.run(messageId, Date.now(), id);
  }

  markRetry(id: number, error: string, notBefore: number): void {
    this.s.markRetry.run(error, notBefore, id);
  }

  markFailed(id: number, error: string): void {
    this.s.markFailed.run(error, Date.now(), id);
  }

  /** Drops handled inbound tombstones and finished outbound rows older than `ageMs`. */
  prune(ageMs: number): void {
    const before = Date.now() - ageMs;
    this.s.pruneInbound.run(before);
    this.s.pruneOutbound.run(before);
  }

  pairingRequest(channel: string, accountId: string, senderId: string): PairingRequestRow | null {
    const row = this.s.pairingBySender.get(channel, accountId, senderId) as Row | undefined;
    return row ? pairingOf(row) : null;
  }

  pairingByCode(channel: string, code: string, accountId: string | null): PairingRequestRow | null {
    const row = this.s.pairingByCode.get(channel, code, accountId, accountId) as Row | undefined;
    return row ? pairingOf(row) : null;
  }

  listPairing(channel: string | null, accountId: string | null): PairingRequestRow[] {
    return (this.s.pairingList.all(channel, channel, accountId, accountId) as Row[]).map(pairingOf);
  }

  countPairing(channel: string, accountId: string): number {
    return (this.s.pairingCount.get(channel, accountId) as { n: number }).n;
  }

  savePairingRequest(r: PairingRequestRow): void {
    this.s.pairingUpsert.run({ ...r, metadata: JSON.stringify(r.metadata) });
  }

  touchPairingRequest(channel: string, accountId: string, senderId: string, at = Date.now()): void {
    this.s.pairingSeen.run(at, channel, accountId, senderId);
  }

  deletePairingRequest(channel: string, accountId: string, senderId: string): void {
    this.s.pairingDelete.run(channel, accountId, senderId);
  }

  expirePairing(now: number): void {
    this.s.pairingExpire.run(now);
  }

  /** Approves a sender and removes their request, in one transaction. */
  approveSender(channel: string, accountId: string, senderId: string): void {
    this.db.transaction(() => {
      this.s.allowInsert.run(channel, accountId, senderId, Date.now());
      this.s.pairingDelete.run(channel, accountId, senderId);
    })();
  }

  approvedSenders(channel: string, accountId: string): string[] {
    return (this.s.allowList.all(channel, accountId) as Row[]).map((r) => r.sender_id as string);
  }

  getState(channel: string, accountId: string, key: string): string | null {
    const row = this.s.stateGet.get(channel, accountId, key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setState(channel: string, accountId: string, key: string, value: string): void {
    this.s.stateSet.run(channel, accountId, key, value);
  }
}
