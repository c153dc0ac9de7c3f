import { metrics } from "../infra/metrics/gateway-metrics.js";
import type { Logger } from "../infra/logger.js";
import type { ChannelStore, OutboundRow } from "../store/channel-store.js";
import { ChannelSendError, type ChannelConnection } from "./types.js";

const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 60_000;

export interface DeliveryHost {
  /** The account's live connection, or null while it is down (its lanes wait for `resume`). */
  connection(channel: string, accountId: string): ChannelConnection | null;
  delivered(channel: string, accountId: string, row: OutboundRow, error?: string): void;
}

type Lane = { channel: string; accountId: string; conversationId: string; running: boolean; again: boolean; timer: NodeJS.Timeout | null };

function laneKey(channel: string, accountId: string, conversationId: string): string {
  return `${channel}\u0000${accountId}\u0000${conversationId}`;
}

/**
 * Sends the persisted outbound rows: one lane per conversation, rows in id order, a row marked
 * sent only after the platform took it. A 429's `retry_after` pauses that conversation for as
 * long as asked; other failures back off exponentially and give up after a few attempts.
 */
export class DeliveryQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly waiters = new Map<number, Array<(row: OutboundRow) => void>>();
  private stopped = false;

  constructor(
    private readonly store: ChannelStore,
    private readonly host: DeliveryHost,
    private readonly log: Logger,
  ) {}

  /** Starts every conversation that has rows waiting (after a restart). */
  resumeAll(): void {
    for (const lane of this.store.pendingLanes()) this.wake(lane.channel, lane.accountId, lane.conversationId);
  }

  /** An account's connection came up: its waiting conversations go on. */
  resume(channel: string, accountId: string): void {
    for (const lane of this.store.pendingLanes()) if (lane.channel === channel && lane.accountId === accountId) this.wake(channel, accountId, lane.conversationId);
  }

  wake(channel: string, accountId: string, conversationId: string): void {
    if (this.stopped) return;
    const key = laneKey(channel, accountId, conversationId);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { channel, accountId, conversationId, running: false, again: false, timer: null };
      this.lanes.set(key, lane);
    }
    if (lane.running) {
      lane.again = true;
      return;
    }
    if (lane.timer) {
      clearTimeout(lane.timer);
      lane.timer = null;
    }
    void this.drain(lane, key);
  }

  /** Resolves with the row once it was sent or given up on, or null after `timeoutMs`. */
  waitFor(id: number, timeoutMs: number): Promise<OutboundRow | null> {
    const row = this.store.outbound(id);
    if (!row || row.status !== "pending") return Promise.resolve(row);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        list.splice(list.indexOf(done), 1);
        if (list.length === 0) this.waiters.delete(id);
        resolve(null);
      }, timeoutMs);
      const done = (r: OutboundRow) => {
        clearTimeout(timer);
        resolve(r);
      };
      const list = this.waiters.get(id) ?? [];
      list.push(done);
      this.waiters.set(id, list);
    });
  }

  /** Resolves once no conversation is sending (bounded by `timeoutMs`). */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.lanes.values()].some((l) => l.running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.lanes.clear();
  }

  private async drain(lane: Lane, key: string): Promise<void> {
    lane.running = true;
    try {
      for (;;) {
        lane.again = false;
        if (this.stopped) return;
        const row = this.store.nextPending(lane.channel, lane.accountId, lane.conversationId);
        if (!row) {
          if (lane.again) continue;
          this.lanes.delete(key);
          return;
        }
        const wait = row.notBefore - Date.now();
        if (wait > 0) {
          lane.timer = setTimeout(() => {
            lane.timer = null;
            this.wake(lane.channel, lane.accountId, lane.conversationId);
          }, wait);
          lane.timer.unref();
          return;
        }
        const connection = this.host.connection(lane.channel, lane.accountId);
        if (!connection) return; // resume() restarts the lane when the account connects
        await this.sendOne(connection, row);
      }
    } catch (err) {
      this.log.error(`delivery to ${lane.channel}/${lane.accountId} stopped: ${(err as Error).message}`);
    } finally {
      lane.running = false;
    }
  }

  private async sendOne(connection: ChannelConnection, row: OutboundRow): Promise<void> {
    const target = { conversationId: row.conversationId, ...(row.threadId ? { threadId: row.threadId } : {}) };
    try {
      let messageId: string | null = null;
      if (row.kind === "edit" && row.editMessageId && connection.editText) {
        messageId = await this.editOrSend(connection, target, row);
      } else {
        messageId = (await connection.sendText(target, row.text, row.replyToId ? { replyToId: row.replyToId } : undefined)).messageId ?? null;
      }
      this.store.markSent(row.id, messageId);
      metrics.deliveries.inc([row.channel, row.kind, "none", "ok"]);
    } catch (err) {
      const error = (err as Error).message || String(err);
      metrics.deliveries.inc([row.channel, row.kind, err instanceof ChannelSendError ? (err.permanent ? "refused" : err.retryAfterMs !== undefined ? "rate_limited" : "send_failed") : "send_failed", "error"]);
      const attempts = row.attempts + 1;
      const retryAfterMs = err instanceof ChannelSendError ? err.retryAfterMs : undefined;
      const permanent = err instanceof ChannelSendError && err.permanent;
      if (permanent || (attempts >= MAX_ATTEMPTS && retryAfterMs === undefined)) {
        this.log.warn(`giving up on a message to ${row.channel}/${row.accountId} ${row.conversationId} after ${attempts} attempt(s): ${error}`);
        this.store.markFailed(row.id, error);
        this.finished(row.id, error);
        return;
      }
      const delay = retryAfterMs ?? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempts - 1));
      this.log.info(`message to ${row.channel}/${row.accountId} ${row.conversationId} not sent (${error}); retrying in ${Math.round(delay)} ms`);
      this.store.markRetry(row.id, error, Date.now() + delay);
      return;
    }
    this.finished(row.id, undefined);
  }

  /** A preview that cannot be edited (deleted, too old) is replaced by a new message. */
  private async editOrSend(connection: ChannelConnection, target: { conversationId: string; threadId?: string }, row: OutboundRow): Promise<string | null> {
    try {
      await connection.editText!(target, row.editMessageId!, row.text);
      return row.editMessageId;
    } catch (err) {
      // Only a refusal means the edit did not happen; after a timeout or a 5xx it may have, so it is retried.
      if (!(err instanceof ChannelSendError) || !err.permanent) throw err;
      this.log.info(`preview ${row.editMessageId} could not be edited (${(err as Error).message}); sending the reply as a new message`);
      return (await connection.sendText(target, row.text)).messageId ?? null;
    }
  }

  private finished(id: number, error: string | undefined): void {
    const row = this.store.outbound(id);
    if (!row) return;
    this.host.delivered(row.channel, row.accountId, row, error);
    for (const done of this.waiters.get(id) ?? []) done(row);
    this.waiters.delete(id);
  }
}
